"""Usage meters: units of paid API use (posts read) per meter and period

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

X bills per post read; a monthly budget must survive restarts and count what failed polls read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_meters",
        sa.Column("meter", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("meter", "period", name=op.f("pk_usage_meters")),
    )


def downgrade() -> None:
    op.drop_table("usage_meters")
