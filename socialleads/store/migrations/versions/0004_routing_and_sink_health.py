"""Routing results on leads, held deliveries, the retry horizon and sink circuits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Routing assigns owners (round robin among a team needs a position that survives restarts) and
records which rule routed each lead, so the default route can be counted. Delivery counts its
retry horizon from the first failure, and a sink that keeps failing opens a circuit whose state
must survive a restart (the admin is told once, not once per process start).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("owner", sa.String(length=200), nullable=True))
    op.add_column("leads", sa.Column("route", sa.String(length=200), nullable=True))
    op.add_column("deliveries", sa.Column("failing_since", sa.DateTime(), nullable=True))
    op.create_table(
        "sink_state",
        sa.Column("sink", sa.String(length=100), nullable=False),
        sa.Column("circuit", sa.String(length=20), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("probe_at", sa.DateTime(), nullable=True),
        sa.Column("cooldown_s", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sink", name=op.f("pk_sink_state")),
    )
    op.create_table(
        "team_cursors",
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("next_index", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team", name=op.f("pk_team_cursors")),
    )


def downgrade() -> None:
    op.drop_table("team_cursors")
    op.drop_table("sink_state")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("failing_since")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("route")
        batch.drop_column("owner")
