"""The console sink: prints each lead card to stdout or stderr (development and small setups)."""
