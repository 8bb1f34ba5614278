"""The day's report (rule 25), computed from the event log.

Every figure comes from events (who was called when, who completed, who was
bumped) and the final status each token's last event gave it, so a report of a
past day never changes: nothing of that day is written again once it is over.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, select

from ..db import schema
from ..domain import inputs
from ..domain.enums import EventKind, Source, TokenStatus
from ..domain.models import DayReport, ReportRow
from .transactions import Transactions

S = schema.slots
E = schema.events
T = schema.tokens
D = schema.doctors

FINAL_COUNTS = {
    TokenStatus.COMPLETED: "seen",
    TokenStatus.NO_SHOW: "no_shows",
    TokenStatus.CANCELLED: "cancelled",
    TokenStatus.EXPIRED: "expired",
    TokenStatus.UNSEEN: "unseen",
}


@dataclass
class _Tally:
    """What one row gathers before it becomes a `ReportRow`."""

    tokens: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    overbooked: set[int] = field(default_factory=set)
    waits: list[float] = field(default_factory=list)
    consults: list[float] = field(default_factory=list)
    calls: list[datetime] = field(default_factory=list)
    completions: list[datetime] = field(default_factory=list)
    slot_minutes: float = 0.0

    def row(self, group: str, key: str, name: str, *, slots: bool) -> ReportRow:
        consulting = sum(self.consults)
        return ReportRow(
            group=group,
            key=key,
            name=name,
            tokens=len(self.tokens),
            **{k: self.counts[k] for k in (*FINAL_COUNTS.values(), "bumped", "promoted")},
            overbooked_slots=len(self.overbooked) if slots else None,
            wait_mean=_round(statistics.fmean(self.waits)) if self.waits else None,
            wait_median=_round(statistics.median(self.waits)) if self.waits else None,
            wait_p90=_round(_p90(self.waits)) if self.waits else None,
            consult_mean=_round(statistics.fmean(self.consults)) if self.consults else None,
            utilisation=(_round(consulting / self.slot_minutes, 3)
                         if slots and self.slot_minutes else None),
            first_call=min(self.calls) if self.calls else None,
            last_completion=max(self.completions) if self.completions else None,
        )


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def _round(value: float, digits: int = 1) -> float:
    return round(value, digits)


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def build_report(conn: Connection, day: date) -> DayReport:
    slots = {r.id: r for r in conn.execute(
        select(S.c.id, S.c.doctor_id, S.c.start, S.c.end, S.c.closed).where(S.c.day == day))}
    doctors = {r.id: r for r in conn.execute(select(D.c.id, D.c.code, D.c.name))}
    events = conn.execute(
        select(E.c.at, E.c.kind, E.c.token_id, E.c.slot_id, E.c.detail, T.c.source)
        .select_from(E.outerjoin(T, T.c.id == E.c.token_id))
        .join(S, S.c.id == E.c.slot_id)
        .where(S.c.day == day)
        .order_by(E.c.id)
    ).all()

    per_doctor: dict[int, _Tally] = defaultdict(_Tally)
    per_source: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    final: dict[int, tuple[str, int, str]] = {}
    checked_in_at: dict[int, datetime] = {}
    called_at: dict[int, datetime] = {}

    def tallies(doctor_id: int, source: str | None) -> Iterable[_Tally]:
        yield per_doctor[doctor_id]
        if source is not None:
            yield per_source[source]
        yield total

    for at, kind, token_id, slot_id, detail, source in events:
        doctor_id = slots[slot_id].doctor_id
        if kind == EventKind.OVERBOOKED:
            for tally in (per_doctor[doctor_id], total):
                tally.overbooked.add(slot_id)
            continue
        if token_id is None:
            continue
        final[token_id] = (detail["status"], doctor_id, source)
        if kind in (EventKind.BUMPED, EventKind.PROMOTED):
            for tally in tallies(doctor_id, source):
                tally.counts[kind.lower()] += 1
        elif kind == EventKind.CHECKED_IN:
            checked_in_at[token_id] = at
        elif kind == EventKind.CALLED:
            called_at[token_id] = at
            for tally in tallies(doctor_id, source):
                tally.calls.append(at)
                if token_id in checked_in_at:
                    tally.waits.append(_minutes(checked_in_at[token_id], at))
        elif kind == EventKind.COMPLETED and token_id in called_at:
            consult = _minutes(called_at.pop(token_id), at)
            for tally in tallies(doctor_id, source):
                tally.completions.append(at)
                tally.consults.append(consult)

    for token_id, (status, doctor_id, source) in final.items():
        counted = FINAL_COUNTS.get(TokenStatus(status))
        for tally in tallies(doctor_id, source):
            tally.tokens.add(token_id)
            if counted:
                tally.counts[counted] += 1
    for slot in slots.values():
        if not slot.closed:
            minutes = _minutes(slot.start, slot.end)
            per_doctor[slot.doctor_id].slot_minutes += minutes
            total.slot_minutes += minutes

    doctor_rows = [
        per_doctor[i].row("doctor", doctors[i].code, doctors[i].name, slots=True)
        for i in sorted(per_doctor, key=lambda i: doctors[i].code)
    ]
    source_rows = [
        per_source[s.value].row("source", s.value, s.value.title(), slots=False)
        for s in Source if s.value in per_source
    ]
    return DayReport(day=day, doctors=doctor_rows, sources=source_rows,
                     total=total.row("total", "TOTAL", "All doctors", slots=True))


class Reports(Transactions):
    def day_report(self, day: date) -> DayReport:
        """Rule 25: per doctor, per source and in total, from the event log."""
        req = inputs.validate(inputs.DayInput, day=day)
        return self._read(lambda conn: build_report(conn, req.day))
