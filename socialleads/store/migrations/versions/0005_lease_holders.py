"""The holder of each delivery's lease

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

A claimed delivery names the process that holds it (host, pid, start time, a nonce), so a bot that
restarts after a crash takes back the claims of its dead predecessor at once instead of waiting for
their leases to run out (which re-sent whole batches five minutes after a crash).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("lease_holder", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("lease_holder")
