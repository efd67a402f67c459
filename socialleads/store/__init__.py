"""Storage: tables, the engine factory, migrations, and repository functions by concern."""
