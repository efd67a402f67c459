"""The Pipedrive API v1 emulator."""
