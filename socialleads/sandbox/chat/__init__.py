"""The chat emulators: Slack Web API and Teams incoming webhooks."""
