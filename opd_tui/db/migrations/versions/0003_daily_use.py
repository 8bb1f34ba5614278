"""Patients, rosters and leave; patient references in their normal form.

Rule 23 compares `+91 98765 43210`, `9876543210` and `09876543210` as one
patient: stored references and their keys are rewritten to the normal form
(E.164 for a phone number of the hospital's region, else the identifier
upper-cased without spaces or dashes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _normal(ref: str) -> str:
    from opd_tui.domain.inputs import normal_ref

    try:
        return normal_ref(ref)
    except ValueError:
        # A reference the old rules let through and the new ones would refuse:
        # kept, compared as before (upper case).
        return ref.upper()


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("ref", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(320), nullable=False),
        sa.Column("age", sa.Integer),
        sa.Column("sex", sa.String(1)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "rosters",
        sa.Column("doctor_id", sa.Integer, sa.ForeignKey("doctors.id"), primary_key=True),
        sa.Column("weekday", sa.Integer, primary_key=True),
        sa.Column("sessions", sa.JSON, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
    )
    op.create_table(
        "leave_days",
        sa.Column("doctor_id", sa.Integer, sa.ForeignKey("doctors.id"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
    )
    conn = op.get_bind()
    tokens = sa.table(
        "tokens",
        sa.column("id", sa.Integer),
        sa.column("patient_ref", sa.String),
        sa.column("patient_key", sa.String),
    )
    rows = conn.execute(
        sa.select(tokens.c.id, tokens.c.patient_ref).where(tokens.c.patient_ref.is_not(None))
    ).all()
    for token_id, ref in rows:
        normal = _normal(ref)
        if normal != ref:
            conn.execute(
                sa.update(tokens)
                .where(tokens.c.id == token_id)
                .values(patient_ref=normal, patient_key=normal)
            )
        else:
            conn.execute(
                sa.update(tokens).where(tokens.c.id == token_id).values(patient_key=normal)
            )


def downgrade() -> None:
    for table in ("leave_days", "rosters", "patients"):
        op.drop_table(table)
