"""The Slack Web API emulator."""
