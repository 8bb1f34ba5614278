"""The desk's view of the day, kept live from the engine's event log.

A reload reads the whole day; a poll reads the events since the last one and,
when they only changed some slots' counts, re-reads just those slots. Polls
reschedule themselves after each finishes, so they never pile up, and wait
while a modal is open.

A read that meets a fault puts it on the banner, and the polls go on: the next
one that reads clears it. Once a minute the desk advances the engine (rules 14
and 17: ended slots' waitlists roll over, earlier days are finalised), and at
midnight a desk that was showing today moves on to the new today.
"""

from __future__ import annotations

from datetime import date, datetime

from textual import work

from ...domain.enums import EventKind
from ...domain.models import Event
from ...errors import OPDError
from ..widgets import DatabaseAnswered, DatabaseFaulted, DeskHeader
from ..widgets.fault_banner import COMMAND, READ, is_fault
from .selection import Selection
from .view import DaySnapshot, DeskView, SlotDetail

#: How many events one poll reads at most; a longer backlog is read next time.
EVENT_BATCH = 2000
#: Up to this many events, only the slots they touched are read again.
PATCH_LIMIT = 200
#: Events the activity pane starts with, or catches up with at most after a gap.
ACTIVITY_BACKLOG = 40
#: Events that change nothing but some slots' counts and capacities.
COUNT_EVENTS = frozenset({
    EventKind.BOOKED, EventKind.WAITLISTED, EventKind.BUMPED, EventKind.PROMOTED,
    EventKind.MOVED, EventKind.CANCELLED, EventKind.NO_SHOW, EventKind.CHECKED_IN,
    EventKind.CALLED, EventKind.COMPLETED, EventKind.EXPIRED, EventKind.OVERBOOKED,
    EventKind.CAPACITY_CHANGED, EventKind.UNSEEN, EventKind.REINSTATED, EventKind.REQUEUED,
    EventKind.CHECK_IN_UNDONE,
})


class LiveDay(DeskView):
    """Reading the day from the engine in workers and following its event log."""

    def watch_selection(self, old: Selection, new: Selection) -> None:
        if new.day != old.day:
            self.query_one(DeskHeader).day = new.day
            self.reload()
        if (new.doctor_id, new.slot_id, new.token) != (old.doctor_id, old.slot_id, old.token):
            self.refresh_bindings()  # the keys that act on a selection come and go

    def fetch(self, day: date) -> DaySnapshot:
        last = self.engine.last_event_id()
        now = self.now()
        queues = {q.doctor_id: q for q in self.engine.doctor_queues(day)}
        return DaySnapshot(day, now, self.engine.doctor_days(day),
                           self.engine.day_slots(day, now=now), last, queues)

    def fetch_detail(self, slot_id: int | None) -> SlotDetail | None:
        if slot_id is None:
            return None
        now = self.now()
        try:
            view = self.engine.slot_view(slot_id, now=now)
            etas = self.engine.etas(slot_id, now=now)  # one query for the whole slot
        except OPDError as error:
            if is_fault(error):
                raise
            return None  # gone since (another desk's change): nothing to show
        return SlotDetail(view, {t.id: etas.get(t.id) for t in view.seated})

    def read_failed(self, error: BaseException) -> None:
        """From a worker: show the fault, and read the whole day at the next poll."""
        self._refreshed_minute = None
        self.post_message(DatabaseFaulted(error, READ))

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def reload(self) -> None:
        """Read the whole day again (after a command, a day change, a new minute)."""
        selection = self.selection
        try:
            snapshot = self.fetch(selection.day)
            detail = self.fetch_detail(selection.slot_id)
            # The events this read caught up with (this desk's own command among them):
            # the poll only reads what comes after the snapshot.
            after = max(self._activity_after, snapshot.last_event_id - ACTIVITY_BACKLOG, 0)
            backlog = (self.engine.events(after_id=after)
                       if after < snapshot.last_event_id else [])
        except Exception as error:  # noqa: BLE001 - a fault on the banner, never a crash
            self.read_failed(error)
            return
        self.post_message(DatabaseAnswered(READ))
        self.app.call_from_thread(self.apply_day, snapshot, detail)
        if backlog:
            self.app.call_from_thread(self.show_activity, backlog)

    def apply_day(self, snapshot: DaySnapshot, detail: SlotDetail | None) -> None:
        """Show a whole day read at `snapshot.now`: until the minute turns, polls read
        only what follows it. Set here, with the snapshot it belongs to, so a poll
        never patches an older snapshot as if it were of this minute."""
        self._refreshed_minute = snapshot.now.replace(second=0, microsecond=0)
        self.apply(snapshot, detail)

    def _schedule_poll(self) -> None:
        self.set_timer(self.desk.poll_interval, self._poll)

    def _poll(self) -> None:
        # Skip while a modal is open or a poll is still out: refreshes never pile up.
        if self.app.screen is not self or self._polling:
            self._schedule_poll()
            return
        now = self.now()
        self._turn_of_day(now.date())
        minute = now.replace(second=0, microsecond=0)
        if self.desk.advance and self._advanced_minute != minute and not self._advancing:
            self._advanced_minute = minute
            self._advancing = True
            self._advance()
        self._polling = True
        self._poll_events(self.last_event_id, self.selection.day)

    def _turn_of_day(self, today: date) -> None:
        """Midnight: a desk showing today goes on to show the new today."""
        if self._today is None:
            self._today = today
        elif today != self._today:
            if self.selection.day == self._today:
                self.show_day(today)
            self._today = today

    @work(thread=True, group="advance", exit_on_error=False)
    def _advance(self) -> None:
        """Roll ended slots' waitlists over and finalise earlier days (rules 14, 17).
        A write of its own, beside the polls: a busy database holds up only this."""
        try:
            self.engine.advance(self.command_now())
        except Exception as error:  # noqa: BLE001
            self.post_message(DatabaseFaulted(error, COMMAND))
        else:
            self.post_message(DatabaseAnswered(COMMAND))
        finally:
            self._advancing = False

    @work(thread=True, group="poll", exit_on_error=False)
    def _poll_events(self, after: int, day: date) -> None:
        try:
            now = self.now()
            minute = now.replace(second=0, microsecond=0)
            events = self.engine.events(after_id=after, limit=EVENT_BATCH)
            snapshot = self.snapshot
            stale = (self._refreshed_minute != minute or snapshot is None
                     or snapshot.day != day)
            selected = self.selection.slot_id
            patched = None if stale else self.patch(snapshot, events, now)
            if patched is not None:
                snapshot, touched = patched
                detail = self.fetch_detail(selected) if selected in touched else None
                self.app.call_from_thread(self.apply, snapshot, detail)
            elif events or stale:
                snapshot = self.fetch(day)
                detail = self.fetch_detail(selected)
                self.app.call_from_thread(self.apply_day, snapshot, detail)
            if events:
                self.app.call_from_thread(self.show_activity, events)
            self.post_message(DatabaseAnswered(READ))
        except Exception as error:  # noqa: BLE001 - the next poll reads again
            self.read_failed(error)
        finally:
            self.app.call_from_thread(self._poll_done)

    def patch(
        self, snapshot: DaySnapshot | None, events: list[Event], now: datetime
    ) -> tuple[DaySnapshot, set[int]] | None:
        """The day after `events` that touched only some slots' counts: re-read just
        those slots. None when the whole day must be read again."""
        if snapshot is None or not events or len(events) > PATCH_LIMIT:
            return None
        known = {s.id: s for s in snapshot.slots}
        touched: set[int] = set()
        for event in events:
            if event.kind not in COUNT_EVENTS:
                return None
            for slot_id in (event.slot_id, event.detail.get("from_slot_id")):
                if slot_id in known:
                    touched.add(slot_id)
        fresh = {s.id: s for s in self.engine.slot_summaries(touched, now=now)}
        slots = [fresh.get(s.id, s) for s in snapshot.slots]
        doctors = {known[i].doctor_id for i in touched}
        recounted = {d.doctor.id: d for d in self.engine.doctor_days(snapshot.day, doctors)}
        days = [recounted.get(d.doctor.id, d) for d in snapshot.days]
        queues = {k: q for k, q in snapshot.queues.items() if k not in doctors}
        queues.update((q.doctor_id, q) for q in self.engine.doctor_queues(snapshot.day, doctors))
        return DaySnapshot(snapshot.day, now, days, slots, events[-1].id, queues), touched

    def _poll_done(self) -> None:
        self._polling = False
        self._schedule_poll()

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, slot_id: int | None) -> None:
        try:
            detail = self.fetch_detail(slot_id)
        except Exception as error:  # noqa: BLE001
            self.read_failed(error)
            return
        self.app.call_from_thread(self._detail_loaded, slot_id, detail)

    def _detail_loaded(self, slot_id: int | None, detail: SlotDetail | None) -> None:
        if slot_id == self.selection.slot_id:
            self.apply_detail(detail)
