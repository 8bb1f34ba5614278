"""Doctors, slots, tokens, events, per-day counters and the engine clock.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "doctors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("code", sa.String(6), nullable=False, unique=True),
        sa.Column("department", sa.String(80)),
        sa.Column("room", sa.String(80)),
        sa.Column("consult_minutes", sa.Integer, nullable=False),
    )
    op.create_table(
        "slots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("doctor_id", sa.Integer, sa.ForeignKey("doctors.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("start", sa.DateTime, nullable=False),
        sa.Column("end", sa.DateTime, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_slots_day_doctor_start", "slots", ["day", "doctor_id", "start"])
    op.create_table(
        "doctor_days",
        sa.Column("doctor_id", sa.Integer, sa.ForeignKey("doctors.id"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.Column("delay_minutes", sa.Integer, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("patient_name", sa.String(320), nullable=False),
        sa.Column("patient_ref", sa.String(32)),
        sa.Column("patient_key", sa.String(32)),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("doctor_id", sa.Integer, sa.ForeignKey("doctors.id"), nullable=False),
        sa.Column("overbooked", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tokens_slot_status", "tokens", ["slot_id", "status"])
    op.create_index("ix_tokens_status_doctor", "tokens", ["status", "doctor_id"])
    op.create_index("ix_tokens_patient_key", "tokens", ["patient_key"])
    op.create_index("ix_tokens_number", "tokens", ["number"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("token_id", sa.Integer),
        sa.Column("slot_id", sa.Integer),
        sa.Column("detail", sa.JSON, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_token_id", "events", ["token_id"])
    clock = op.create_table(
        "engine_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("now", sa.DateTime),
    )
    op.bulk_insert(clock, [{"id": 1, "now": None}])


def downgrade() -> None:
    for table in ("engine_clock", "events", "tokens", "doctor_days", "slots", "doctors"):
        op.drop_table(table)
