"""Leads merged, split and linked as possibly the same person

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

``leads.merged_into``: a lead merged into another (``socialleads leads merge``) keeps its row, so its
key still answers, and points to the lead that holds its touches now. ``lead_links``: two leads that
weaker evidence says may be one person (``possible``), and what a person decided (``confirmed``,
which merges them, or ``rejected``, remembered so the pair is never proposed again), found among
the leads that gave one shared phone (``identity_givers``, written once a number is shared).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("merged_into", _ID, nullable=True))
    op.create_table(
        "lead_links",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("lead_id", _ID, nullable=False),
        sa.Column("other_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_lead_links_lead_id_leads")),
        sa.ForeignKeyConstraint(["other_id"], ["leads.id"], name=op.f("fk_lead_links_other_id_leads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_links")),
        sa.UniqueConstraint("lead_id", "other_id", name=op.f("uq_lead_links_lead_id_other_id")),
    )
    op.create_index(op.f("ix_lead_links_other_id"), "lead_links", ["other_id"])
    op.create_table(
        "identity_givers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=400), nullable=False),
        sa.Column("lead_id", _ID, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_identity_givers_lead_id_leads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_givers")),
        sa.UniqueConstraint("value", "kind", "lead_id", name=op.f("uq_identity_givers_value_kind_lead_id")),
    )
    op.create_index(op.f("ix_identity_givers_lead_id"), "identity_givers", ["lead_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_givers_lead_id"), table_name="identity_givers")
    op.drop_table("identity_givers")
    op.drop_index(op.f("ix_lead_links_other_id"), table_name="lead_links")
    op.drop_table("lead_links")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("merged_into")
