"""Tokens are looked up by patient and by number only while they are live: those two
indexes hold live tokens alone.

An index over every token ever made takes each new booking to a page of its own
somewhere in a tree of years of patients (references and numbers come in no order),
and each such page is written again at the next checkpoint: on a file of a million
tokens that was a quarter of a booking's cost. Live tokens are today's and the
coming days', a few thousand at most, so their pages stay few and warm. Rule 15's
check (a patient's live token with a doctor that day) reads only live tokens; the
desk's search reads every token and scans them anyway (it matches parts of names).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The live statuses (domain.enums.LIVE), written as the engine's queries write them.
LIVE = "status IN ('BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'WAITLISTED')"


def _live(name: str, column: str) -> None:
    op.drop_index(name, table_name="tokens")
    op.create_index(name, "tokens", [column],
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def upgrade() -> None:
    _live("ix_tokens_patient_key", "patient_key")
    _live("ix_tokens_number", "number")


def downgrade() -> None:
    for name, column in (("ix_tokens_patient_key", "patient_key"), ("ix_tokens_number", "number")):
        op.drop_index(name, table_name="tokens")
        op.create_index(name, "tokens", [column])
