"""The timetable: slots one by one, a session cut into slots, and a doctor's week
(rule 24) from which the desk keeps the coming days generated.

A roster says, per weekday, which sessions a doctor works, how long a slot is and
how many it seats; leave dates say which days it does not apply. `ensure_days`
turns rosters into slots once per doctor-day: a day that already has slots (made
by hand, or by an earlier call) and a day of leave are left alone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from ..db import schema
from ..domain import inputs
from ..domain.enums import EventKind
from ..domain.errors import InvalidInput, SlotOverlap
from ..domain.models import Roster, Slot
from .transactions import Transactions
from .unit import Unit

S = schema.slots
ROSTER = schema.rosters
LEAVE = schema.leave_days
#: How far ahead `ensure_days` may generate in one call.
MAX_DAYS_AHEAD = 366


def cut_session(
    day: date, start: time, end: time, slot_minutes: int
) -> list[tuple[datetime, datetime]]:
    """09:00-13:00 by 60 minutes: four slots. A last piece shorter than a slot is
    dropped: 09:00-13:00 by 90 minutes gives 09:00-10:30 and 10:30-12:00."""
    length = timedelta(minutes=slot_minutes)
    first = datetime.combine(day, start)
    last = datetime.combine(day, end)
    times = []
    while first + length <= last:
        times.append((first, first + length))
        first += length
    return times


def add_slots(
    unit: Unit, doctor_id: int, times: list[tuple[datetime, datetime]], capacity: int
) -> list[Slot]:
    doctor = unit.lock_doctor(doctor_id)
    unit.require_active(doctor_id)
    unit.lock_days({(doctor_id, s.date()) for s, _ in times})
    added = []
    for start, end in times:
        for other in unit.day_slots(doctor_id, start.date()):
            if other.start < end and start < other.end:
                raise SlotOverlap(
                    f"{start:%H:%M}-{end:%H:%M} overlaps {doctor.name}'s "
                    f"slot {other.label()} on {start:%d %b}."
                )
        slot = unit.add_slot(doctor_id, start, end, capacity)
        unit.slot_event(EventKind.SLOT_ADDED, slot, doctor_id=doctor_id,
                        start=slot.start.isoformat(), end=slot.end.isoformat(),
                        capacity=slot.capacity)
        added.append(slot.view())
    return added


class Timetable(Transactions):
    def add_slot(
        self,
        doctor_id: int,
        start: datetime,
        end: datetime,
        capacity: int,
        now: datetime | None = None,
    ) -> Slot:
        req = inputs.validate(
            inputs.NewSlot, doctor_id=doctor_id, start=start, end=end, capacity=capacity
        )
        times = [(req.start, req.end)]
        return self._command(
            lambda unit: add_slots(unit, req.doctor_id, times, req.capacity)[0],
            now,
            moves_clock=False,
        )

    def generate_slots(
        self,
        doctor_id: int,
        day: date,
        start: time,
        end: time,
        slot_minutes: int,
        capacity: int,
        now: datetime | None = None,
    ) -> list[Slot]:
        """Cut a session (09:00-13:00, say) into equal slots; all or none are added.

        A last piece shorter than `slot_minutes` is dropped: 09:00-13:00 by 90
        minutes gives 09:00-10:30 and 10:30-12:00.
        """
        req = inputs.validate(
            inputs.DaySchedule, doctor_id=doctor_id, day=day, start=start, end=end,
            slot_minutes=slot_minutes, capacity=capacity,
        )
        times = cut_session(req.day, req.start, req.end, req.slot_minutes)
        if not times:
            raise InvalidInput(
                f"slot_minutes: {req.slot_minutes} minutes do not fit in "
                f"{req.start:%H:%M}-{req.end:%H:%M}", field="slot_minutes",
            )
        for s, e in times:  # each piece obeys the limits of a single slot
            inputs.validate(inputs.NewSlot, doctor_id=req.doctor_id, start=s, end=e,
                            capacity=req.capacity)
        return self._command(
            lambda unit: add_slots(unit, req.doctor_id, times, req.capacity),
            now,
            moves_clock=False,
        )

    # -- rule 24: rosters and leave -------------------------------------------

    def set_roster(
        self,
        doctor_id: int,
        weekday: int,
        sessions: list[tuple[time, time]],
        slot_minutes: int,
        capacity: int,
    ) -> Roster:
        """The doctor's sessions on one weekday (0 = Monday); no sessions: a day off."""
        req = inputs.validate(
            inputs.RosterInput, doctor_id=doctor_id, weekday=weekday, sessions=sessions,
            slot_minutes=slot_minutes, capacity=capacity,
        )
        for start, end in req.sessions:
            if not cut_session(date(2000, 1, 3), start, end, req.slot_minutes):
                raise InvalidInput(
                    f"slot_minutes: {req.slot_minutes} minutes do not fit in "
                    f"{start:%H:%M}-{end:%H:%M}", field="slot_minutes",
                )
        stored = [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in req.sessions]

        def work(unit: Unit) -> Roster:
            unit.lock_doctor(req.doctor_id)
            unit.conn.execute(
                delete(ROSTER).where(
                    ROSTER.c.doctor_id == req.doctor_id, ROSTER.c.weekday == req.weekday
                )
            )
            unit.conn.execute(
                ROSTER.insert().values(
                    doctor_id=req.doctor_id, weekday=req.weekday, sessions=stored,
                    slot_minutes=req.slot_minutes, capacity=req.capacity,
                )
            )
            unit.slot_event(EventKind.ROSTER_CHANGED, None, doctor_id=req.doctor_id,
                            weekday=req.weekday, sessions=stored,
                            slot_minutes=req.slot_minutes, capacity=req.capacity)
            return Roster(doctor_id=req.doctor_id, weekday=req.weekday,
                          sessions=list(req.sessions), slot_minutes=req.slot_minutes,
                          capacity=req.capacity)

        return self._command(work, moves_clock=False)

    def set_leave(self, doctor_id: int, day: date, on_leave: bool = True) -> None:
        """Mark (or clear) a day of leave. Slots already made for that day stay: hand
        their patients to a colleague with `reassign`, or close them."""
        req = inputs.validate(inputs.LeaveInput, doctor_id=doctor_id, day=day, on_leave=on_leave)

        def work(unit: Unit) -> None:
            unit.lock_doctor(req.doctor_id)
            where = (LEAVE.c.doctor_id == req.doctor_id, LEAVE.c.day == req.day)
            held = unit.conn.execute(select(LEAVE.c.day).where(*where)).first() is not None
            if held == req.on_leave:
                return
            if req.on_leave:
                unit.conn.execute(LEAVE.insert().values(doctor_id=req.doctor_id, day=req.day))
            else:
                unit.conn.execute(delete(LEAVE).where(*where))
            unit.slot_event(EventKind.ROSTER_CHANGED, None, doctor_id=req.doctor_id,
                            leave=req.day.isoformat(), on_leave=req.on_leave)

        self._command(work, moves_clock=False)

    def rosters(self, doctor_id: int) -> list[Roster]:
        """The doctor's week, by weekday."""
        ref = inputs.validate(inputs.DoctorRef, doctor_id=doctor_id)
        return self._read(lambda conn: [
            _roster(row) for row in conn.execute(
                select(ROSTER).where(ROSTER.c.doctor_id == ref.doctor_id)
                .order_by(ROSTER.c.weekday)
            )
        ])

    def leave_days(self, doctor_id: int, since: date | None = None) -> list[date]:
        ref = inputs.validate(inputs.DoctorRef, doctor_id=doctor_id)
        start = inputs.validate(inputs.DayInput, day=since).day if since is not None else None

        def query(conn: object) -> list[date]:
            stmt = select(LEAVE.c.day).where(LEAVE.c.doctor_id == ref.doctor_id)
            if start is not None:
                stmt = stmt.where(LEAVE.c.day >= start)
            return list(conn.execute(stmt.order_by(LEAVE.c.day)).scalars())  # type: ignore[attr-defined]

        return self._read(query)

    def ensure_days(self, until: date, now: datetime | None = None) -> list[Slot]:
        """Make the slots of every active doctor for every day from today to `until`
        from their rosters, once. Returns the slots made (none on a second call)."""
        req = inputs.validate(inputs.UntilInput, until=until)

        def work(unit: Unit) -> list[Slot]:
            today = unit.now.date()
            if req.until < today:
                return []
            if (req.until - today).days > MAX_DAYS_AHEAD:
                raise InvalidInput(
                    f"until: at most {MAX_DAYS_AHEAD} days ahead", field="until"
                )
            D = schema.doctors
            rosters = [
                _roster(r) for r in unit.conn.execute(
                    select(ROSTER).join(D, D.c.id == ROSTER.c.doctor_id)
                    .where(D.c.active.is_(True))
                    .order_by(ROSTER.c.doctor_id, ROSTER.c.weekday)
                )
            ]
            week: dict[int, dict[int, Roster]] = {}
            for roster in rosters:
                week.setdefault(roster.doctor_id, {})[roster.weekday] = roster
            for doctor_id in sorted(week):
                unit.lock_doctor(doctor_id)  # two desks generating at once queue here
            span = (S.c.day >= today, S.c.day <= req.until)
            have = {(doctor_id, day) for doctor_id, day in unit.conn.execute(
                select(S.c.doctor_id, S.c.day).where(*span).distinct())}
            leave = {(doctor_id, day) for doctor_id, day in unit.conn.execute(
                select(LEAVE.c.doctor_id, LEAVE.c.day)
                .where(LEAVE.c.day >= today, LEAVE.c.day <= req.until))}
            made: list[Slot] = []
            for doctor_id, days in sorted(week.items()):
                day = today
                while day <= req.until:
                    planned = days.get(day.weekday())
                    key = (doctor_id, day)
                    if planned and planned.sessions and key not in have and key not in leave:
                        times = [
                            t for s, e in planned.sessions
                            for t in cut_session(day, s, e, planned.slot_minutes)
                        ]
                        if times:
                            made += add_slots(unit, doctor_id, times, planned.capacity)
                    day += timedelta(days=1)
            return made

        # Takes `now` (it decides what "today" is), so a clock pushed ahead refuses
        # it as it refuses every such command (rule 18).
        return self._command(work, now)


def _roster(row: object) -> Roster:
    return Roster(
        doctor_id=row.doctor_id,  # type: ignore[attr-defined]
        weekday=row.weekday,  # type: ignore[attr-defined]
        sessions=[(time.fromisoformat(s), time.fromisoformat(e))
                  for s, e in row.sessions],  # type: ignore[attr-defined]
        slot_minutes=row.slot_minutes,  # type: ignore[attr-defined]
        capacity=row.capacity,  # type: ignore[attr-defined]
    )
