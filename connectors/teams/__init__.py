"""The Microsoft Teams sink: posts each lead as an Adaptive Card to a channel's incoming webhook."""
