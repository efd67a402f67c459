"""The X API v2 emulator: recent search, mentions, users, rate-limit windows and errors."""
