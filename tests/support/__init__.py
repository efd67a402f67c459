"""Test support: database fixtures and a scriptable fixture source."""
