"""Dead letters looked up by their delivery

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

``POST /api/v1/deliveries/replay`` (and ``socialleads deliveries replay``) marks the dead letters of
the deliveries it puts back, and ``GET /api/v1/stats`` counts them per sink: both read
``dead_letters`` by ``delivery_id``, which had no index (a whole-table read per call).
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_dead_letters_delivery_id"), "dead_letters", ["delivery_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dead_letters_delivery_id"), table_name="dead_letters")
