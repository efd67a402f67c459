"""Alembic environment: runs against the engine handed over by ``socialleads.store.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from socialleads.store.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError(
        "run migrations through socialleads.store.db.migrate(engine) or `socialleads db upgrade`"
    )

with engine.connect() as connection:
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
