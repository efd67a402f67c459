"""The flow: runner (poll → store), normalize, identity, routing, dispatch (outbox → sinks)."""
