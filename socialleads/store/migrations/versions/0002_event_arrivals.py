"""Count how often, and by which path, each raw event arrived

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Meta delivers leads by webhook and the poll reads them again: the report of push and pull (which
leads the webhook missed, how many duplicates were absorbed) needs both facts on each event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "raw_events", sa.Column("arrivals", sa.Integer(), server_default=sa.text("1"), nullable=False)
    )
    op.add_column(
        "raw_events", sa.Column("via_poll", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "raw_events", sa.Column("via_webhook", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # Events stored before this revision came by the path they were received by.
    op.execute(
        "UPDATE raw_events SET via_poll = (received_via <> 'webhook'), "
        "via_webhook = (received_via = 'webhook')"
    )


def downgrade() -> None:
    with op.batch_alter_table("raw_events") as batch:
        batch.drop_column("via_webhook")
        batch.drop_column("via_poll")
        batch.drop_column("arrivals")
