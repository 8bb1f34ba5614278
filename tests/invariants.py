"""The invariants of SPEC §3, checked through the public API only.

Every slot and token is found from the event log (SLOT_ADDED, and the first
event of each token), then read back with `slot_view` and `token`. Used by the
stateful test, the concurrency and crash tests, and the simulation's tests.

Rule 17 from the log: nothing is ever called but in a slot of the day it was
called on (and, unless an emergency, once that slot had started), and nothing is
promoted into a slot that had ended. With `finalised_before` (the date of the
latest `advance`), no token of an earlier day is live.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

from opd_tui.domain.enums import LIVE, SEAT_HOLDING, SlotStatus, TokenStatus
from opd_tui.domain.models import Event, SlotView, Token
from opd_tui.engine import AllocationEngine

ALL_STATUSES = set(TokenStatus)


@dataclass(frozen=True)
class Checked:
    """What the check read, for a caller that compares it with something else."""

    events: list[Event]
    views: dict[int, SlotView]
    tokens: dict[int, Token]


def check_invariants(
    engine: AllocationEngine,
    now: datetime | None = None,
    *,
    finalised_before: date | None = None,
) -> Checked:
    events = engine.events()
    slot_ids = sorted({e.slot_id for e in events if e.kind == "SLOT_ADDED"})
    token_ids = sorted({e.token_id for e in events if e.token_id is not None})
    views = {sid: engine.slot_view(sid, now=now) for sid in slot_ids}
    tokens = {tid: engine.token(tid) for tid in token_ids}

    # Every token is in exactly one status and one slot: its slot's view lists it
    # once, among the seated if it holds a seat, on the waitlist if waitlisted.
    placed: Counter[int] = Counter()
    for view in views.values():
        for t in view.seated:
            assert t.status in SEAT_HOLDING, f"{t.number} seated as {t.status}"
            assert t.slot_id == view.id
            placed[t.id] += 1
        for t in view.waitlist:
            assert t.status == TokenStatus.WAITLISTED
            assert t.slot_id == view.id
            placed[t.id] += 1
    for t in tokens.values():
        assert t.status in ALL_STATUSES
        assert t.slot_id in views, f"{t.number} in unknown slot {t.slot_id}"
        expected = 1 if (t.status in SEAT_HOLDING or t.status == TokenStatus.WAITLISTED) else 0
        assert placed[t.id] == expected, f"{t.number} ({t.status}) listed {placed[t.id]} times"

    for view in views.values():
        # Occupancy never exceeds capacity except by emergency tokens.
        assert view.occupancy == len(view.seated)
        overbooked_emergencies = sum(
            1 for t in view.seated if t.overbooked and t.source == "EMERGENCY"
        )
        assert view.occupancy <= view.capacity + overbooked_emergencies, (
            f"slot {view.id}: {view.occupancy} seated, capacity {view.capacity}, "
            f"{overbooked_emergencies} overbooked emergencies"
        )
        # No bookable slot has both a free seat and a waitlist.
        if view.status not in (SlotStatus.CLOSED, SlotStatus.ENDED):
            assert not (view.occupancy < view.capacity and view.waitlist), (
                f"slot {view.id} has a free seat ({view.occupancy}/{view.capacity}) "
                f"and {len(view.waitlist)} waiting"
            )
        # The waitlist is in promotion order, the seated in consultation order.
        assert [(t.priority, t.seq) for t in view.waitlist] == sorted(
            (t.priority, t.seq) for t in view.waitlist
        )
        assert [(t.source != "EMERGENCY", t.priority, t.seq) for t in view.seated] == sorted(
            (t.source != "EMERGENCY", t.priority, t.seq) for t in view.seated
        )

    # seq is unique; token numbers are unique per doctor per day.
    seqs = [t.seq for t in tokens.values()]
    assert len(seqs) == len(set(seqs))
    numbers_per_day: dict[object, Counter[str]] = defaultdict(Counter)
    for t in tokens.values():
        numbers_per_day[views[t.slot_id].start.date()][t.number] += 1
    for day, numbers in numbers_per_day.items():
        dupes = [n for n, c in numbers.items() if c > 1]
        assert not dupes, f"numbers {dupes} used twice on {day}"

    # Replaying the event log gives every token's status and slot.
    replayed: dict[int, tuple[str, int]] = {}
    for e in events:
        if e.token_id is not None:
            replayed[e.token_id] = (e.detail["status"], e.detail["slot_id"])
            assert e.detail["slot_id"] == e.slot_id
    for t in tokens.values():
        assert replayed[t.id] == (t.status, t.slot_id), (
            f"{t.number}: log says {replayed[t.id]}, token is {(t.status, t.slot_id)}"
        )

    # Rule 8 and 17: called only on its slot's day, once the slot has started (an
    # emergency at once); promoted only into a slot that had not ended. A delay
    # moves only slots that have not started, so today's times judge the past.
    for e in events:
        if e.token_id is None or e.slot_id not in views:
            continue
        view = views[e.slot_id]
        if e.kind == "CALLED":
            assert view.start.date() == e.at.date(), (
                f"event {e.id}: {e.detail.get('number')} called on {e.at:%d %b} "
                f"from a slot of {view.start:%d %b}"
            )
            if tokens[e.token_id].source != "EMERGENCY":
                assert view.start <= e.at, f"event {e.id}: called before its slot started"
        elif e.kind == "PROMOTED":
            assert e.at < view.end, f"event {e.id}: promoted into a slot that had ended"

    # Rule 17: after advance on `finalised_before`, no earlier day holds a live token.
    if finalised_before is not None:
        left = [
            (t.number, t.status) for t in tokens.values()
            if t.status in LIVE and views[t.slot_id].start.date() < finalised_before
        ]
        assert not left, f"live tokens of days before {finalised_before}: {left}"
    return Checked(events, views, tokens)


#: Events of commands that take no `now` (rule 18: stamped with the stored clock,
#: or the hospital's before there is one): set-up, outside the day's time order.
SET_UP_KINDS = frozenset({"DOCTOR_ADDED", "SLOT_ADDED", "ROSTER_CHANGED"})


def check_time_order(events: list[Event]) -> None:
    """Every event's `at` is its command's clock, which never runs backwards: the
    log of a single desk is in time order (SPEC §3, Events)."""
    timed = [e for e in events if e.kind not in SET_UP_KINDS]
    for before, after in pairwise(timed):
        assert before.at <= after.at, (
            f"event {after.id} {after.kind} at {after.at} is logged after "
            f"event {before.id} {before.kind} at {before.at}"
        )
