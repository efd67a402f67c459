"""The REST API under ``/api/v1`` (docs/api.md): people, leads, campaigns, connectors, deliveries, stats."""
