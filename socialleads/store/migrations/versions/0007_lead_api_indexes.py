"""Indexes for the leads API: its filters, sorts and search, and the lead's public key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

``GET /api/v1/leads`` filters by campaign, owner, status and by what a touch came from, newest
first, sorts by update time or quality, and searches names, emails, phones and messages;
``GET /api/v1/leads/{key}`` finds a lead by its public key (unique: it is built from the first
touch's source and native id, which raw_events keeps unique). bench/api.py measures them with
100,000 leads.

The search indexes are trigram GIN indexes on PostgreSQL (pg_trgm, which answers
``ILIKE '%words%'`` from the index: https://www.postgresql.org/docs/current/pgtrgm.html); on SQLite
the same indexes are narrow copies of the columns, scanned instead of the wide rows. pg_trgm ships
with PostgreSQL; it is installed here if missing (a trusted extension: the database's owner may),
in ``public`` so that every schema of the database shares one copy.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_CONTACT_SEARCH = ("full_name", "email", "phone")
_EXTENSION_SCHEMA = sa.text(
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
    "WHERE e.extname = 'pg_trgm'"
)


def _trigram_schema(bind: sa.Connection) -> str:
    """The schema pg_trgm lives in, installing it first when it is missing.

    Raises RuntimeError, saying what to do, when it cannot be installed (no privilege, or a server
    built without the contrib modules).
    """
    schema = bind.execute(_EXTENSION_SCHEMA).scalar()
    if schema is not None:
        return str(schema)
    has_public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
    target = "public" if has_public else bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(f'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA "{target}"')
    except sa.exc.DBAPIError as exc:
        # Another database user may have installed it at the same moment; otherwise it cannot be.
        schema = bind.execute(_EXTENSION_SCHEMA).scalar()
        if schema is None:
            raise RuntimeError(
                "the lead search needs the PostgreSQL extension pg_trgm: run "
                "'CREATE EXTENSION pg_trgm;' in this database as its owner or a superuser, then start again"
            ) from exc
        return str(schema)
    return str(bind.execute(_EXTENSION_SCHEMA).scalar_one())


def _search_indexes() -> None:
    bind = op.get_bind()
    contact: dict[str, Any] = {}
    message: dict[str, Any] = {}
    if bind.dialect.name == "postgresql":
        trigrams = f'"{_trigram_schema(bind)}".gin_trgm_ops'
        contact = {"postgresql_using": "gin", "postgresql_ops": dict.fromkeys(_CONTACT_SEARCH, trigrams)}
        message = {"postgresql_using": "gin", "postgresql_ops": {"message": trigrams}}
    op.create_index(op.f("ix_leads_full_name_email_phone"), "leads", list(_CONTACT_SEARCH), **contact)
    op.create_index(op.f("ix_touches_message"), "touches", ["message"], **message)


def upgrade() -> None:
    op.create_index(op.f("ix_leads_key"), "leads", ["key"], unique=True)
    op.create_index(op.f("ix_leads_campaign_created_at"), "leads", ["campaign", "created_at"])
    op.create_index(op.f("ix_leads_owner_created_at"), "leads", ["owner", "created_at"])
    op.create_index(op.f("ix_leads_status_created_at"), "leads", ["status", "created_at"])
    op.create_index(op.f("ix_leads_updated_at_id"), "leads", ["updated_at", "id"])
    op.create_index(op.f("ix_leads_quality_score_id"), "leads", ["quality_score", "id"])
    op.create_index(
        op.f("ix_touches_source_platform_kind_lead_id"), "touches", ["source", "platform", "kind", "lead_id"]
    )
    _search_indexes()


def downgrade() -> None:
    """Drops the indexes; pg_trgm stays (other schemas of the database may use it)."""
    op.drop_index(op.f("ix_touches_message"), table_name="touches")
    op.drop_index(op.f("ix_touches_source_platform_kind_lead_id"), table_name="touches")
    for name in (
        "ix_leads_full_name_email_phone",
        "ix_leads_quality_score_id",
        "ix_leads_updated_at_id",
        "ix_leads_status_created_at",
        "ix_leads_owner_created_at",
        "ix_leads_campaign_created_at",
        "ix_leads_key",
    ):
        op.drop_index(op.f(name), table_name="leads")
