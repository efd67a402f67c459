"""The Slack sink: posts each lead as a Block Kit card to a channel and keeps that card current."""
