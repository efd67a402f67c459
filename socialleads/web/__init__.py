"""The HTTP side: webhook receivers, REST API and dashboard (health endpoint for now)."""
