"""People who use the console and the API: roles, passwords, tokens, sessions (docs/api.md)."""
