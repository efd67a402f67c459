"""How many people gave each identity key

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A phone many different people gave (a switchboard, a family number) is not proof that they are one
person (``pipeline/identity.py``): ``identities.people`` counts the distinct people who gave a key,
and a key given by two or more is no longer matched on. Existing keys start at one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("people", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("people")
