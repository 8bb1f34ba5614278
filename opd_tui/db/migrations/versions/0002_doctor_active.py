"""Doctors can be deactivated: they leave the desk but keep their history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
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
        "doctors", sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true())
    )


def downgrade() -> None:
    with op.batch_alter_table("doctors") as batch:
        batch.drop_column("active")
