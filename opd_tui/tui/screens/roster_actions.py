"""Doctors' weeks (rule 24) and an absent doctor's day handed over (rule 20).

The desk keeps the next 14 days generated from the rosters, for every doctor at
once: when it opens, and again once a day (a desk left running over midnight
makes the new fourteenth day). The roster editor and the handover are opened
from the doctors screen (`w`, `r`) or the command palette for the selected
doctor; each returns what to do, and it is done here in a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from textual import work

from ...domain.enums import MOVABLE, EventKind, TokenStatus
from ...domain.models import Doctor, Slot
from ...domain.vocabulary import event_word, status_word
from ..modals.reassign import Handover, Landing, ReassignModal
from ..modals.roster import DAYS_AHEAD, RosterEditor, WeekPlan, leave_text
from ..widgets import DatabaseAnswered, DatabaseFaulted
from ..widgets.fault_banner import COMMAND, READ
from .commands import DeskCommands, Outcome

#: How often the desk looks whether a new day wants generating, in seconds.
DAILY_CHECK_SECONDS = 60.0


def days_words(slots: list[Slot]) -> str:
    doctors = len({s.doctor_id for s in slots})
    days = len({s.start.date() for s in slots})
    return (f"{len(slots)} slot{'s' * (len(slots) != 1)} on {days} day{'s' * (days != 1)} "
            f"for {doctors} doctor{'s' * (doctors != 1)}")


class RosterActions(DeskCommands):
    """The 14 days kept generated; the roster editor; handing over a doctor's day."""

    #: The day the 14 days were last made from (None: not yet, or it failed).
    _days_made_on: date | None = None

    # -- the next 14 days -------------------------------------------------------------

    def keep_days_generated(self) -> None:
        """Make the coming days now, and look again once a minute for a new day."""
        self._make_days()
        self.set_interval(DAILY_CHECK_SECONDS, self._new_day_check)

    def _new_day_check(self) -> None:
        if self._days_made_on != self.now().date():
            self._make_days()

    @work(thread=True, exclusive=True, group="rosters", exit_on_error=False)
    def _make_days(self) -> None:
        today = self.now().date()
        try:
            made = self.engine.ensure_days(today + timedelta(days=DAYS_AHEAD - 1),
                                           now=self.command_now())
        except Exception as error:  # noqa: BLE001 - on the banner; tried again next minute
            self.post_message(DatabaseFaulted(error, COMMAND))
            return
        self._days_made_on = today
        self.post_message(DatabaseAnswered(COMMAND))
        if made:
            self.app.call_from_thread(
                self.desk.say, f"From the rosters: {days_words(made)} in the next {DAYS_AHEAD} days")
            self.app.call_from_thread(self.reload)

    # -- the roster editor --------------------------------------------------------------

    def action_week(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is not None:
            self.open_week(doctor)

    def open_week(self, doctor: Doctor, done: Callable[[], None] | None = None) -> None:
        """Read the doctor's week and leave, then open the roster editor on them."""
        self._read_week(doctor, done)

    @work(thread=True, group="rosters-read", exit_on_error=False)
    def _read_week(self, doctor: Doctor, done: Callable[[], None] | None) -> None:
        today = self.now().date()
        try:
            rosters = self.engine.rosters(doctor.id)
            leave = self.engine.leave_days(doctor.id, since=today)
        except Exception as error:  # noqa: BLE001
            self.post_message(DatabaseFaulted(error, READ))
            self.app.call_from_thread(self.command_failed, error)
            return
        self.post_message(DatabaseAnswered(READ))

        def saved(plan: WeekPlan | None) -> None:
            if plan is not None and plan.changed:
                self.save_week(plan, done)
            elif done is not None:
                done()

        self.app.call_from_thread(
            self.app.push_screen, RosterEditor(doctor, rosters, leave, today), saved)

    def save_week(self, plan: WeekPlan, done: Callable[[], None] | None = None) -> None:
        """Save what the editor changed, then make the days it gives."""
        doctor = plan.doctor

        def perform(now: datetime | None) -> Outcome:
            for week_day in plan.days:
                self.engine.set_roster(doctor.id, week_day.weekday, list(week_day.sessions),
                                       week_day.slot_minutes, week_day.capacity)
            for day in plan.leave_added:
                self.engine.set_leave(doctor.id, day, True)
            for day in plan.leave_removed:
                self.engine.set_leave(doctor.id, day, False)
            today = self.now().date()
            made = self.engine.ensure_days(today + timedelta(days=DAYS_AHEAD - 1), now=now)
            self._days_made_on = today
            words = [f"Dr {doctor.name}'s week saved"]
            words += [week_day.words() for week_day in plan.days]
            if plan.leave_added:
                words.append(f"leave {leave_text(plan.leave_added)}")
            if plan.leave_removed:
                words.append(f"no longer on leave {leave_text(plan.leave_removed)}")
            words.append(f"{days_words(made)} made" if made else "no new slots")
            kept = self._leave_with_slots(doctor, plan.leave_added)
            if kept:
                words.append(f"{leave_text(kept)} already had slots, which stay: hand them "
                             "over (r in Doctors) or close them")
            return "; ".join(words), None

        self.run_command(perform, then=done)

    def _leave_with_slots(self, doctor: Doctor, days: tuple[date, ...]) -> list[date]:
        """Leave days that were generated before the leave was set: their slots stay."""
        return [d for d in days if any(s.doctor_id == doctor.id for s in self.engine.day_slots(d))]

    # -- handing over a doctor's day ----------------------------------------------------

    def action_reassign(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is not None:
            self.hand_over(doctor)

    def hand_over(self, doctor: Doctor, done: Callable[[], None] | None = None) -> None:
        """Choose a colleague with a preview; confirmed, hand the day over."""
        self._read_colleagues(doctor, self.selection.day, done)

    @work(thread=True, group="reassign-read", exit_on_error=False)
    def _read_colleagues(self, doctor: Doctor, day: date,
                         done: Callable[[], None] | None) -> None:
        try:
            days = self.engine.doctor_days(day)
        except Exception as error:  # noqa: BLE001
            self.post_message(DatabaseFaulted(error, READ))
            self.app.call_from_thread(self.command_failed, error)
            return
        self.post_message(DatabaseAnswered(READ))
        colleagues = [d for d in days if d.doctor.id != doctor.id and d.doctor.active
                      and (doctor.department is None
                           or d.doctor.department == doctor.department)]

        def answered(handover: Handover | None) -> None:
            if handover is not None:
                self.reassign_day(handover, done)
            elif done is not None:
                done()

        modal = ReassignModal(doctor, day, colleagues,
                              lambda colleague: self.landings(doctor, colleague, day))
        self.app.call_from_thread(self.app.push_screen, modal, answered)

    def landings(self, doctor: Doctor, colleague: Doctor, day: date) -> list[Landing]:
        """Where each of the doctor's patients that day would go (in a worker): the
        engine's own reassign, rolled back."""
        now = self.now()
        slots = {s.id: s for s in self.engine.day_slots(day, now=now)}
        before = []
        for slot in sorted((s for s in slots.values() if s.doctor_id == doctor.id),
                           key=lambda s: s.start):
            if slot.end <= now:
                continue
            view = self.engine.slot_view(slot.id, now=now)
            before += [t for t in [*view.seated, *view.waitlist] if t.status in MOVABLE]
        after = {t.id: t for t in self.engine.reassign(doctor.id, colleague.id, day,
                                                       now=self.command_now(), preview=True)}
        landings = []
        # Shown by the time they hold now, then in the order the rules seat them.
        for token in sorted(before, key=lambda t: (slots[t.slot_id].start, t.priority, t.seq)):
            lands = after.get(token.id)
            landings.append(Landing(token, slots.get(token.slot_id), lands,
                                    slots.get(lands.slot_id) if lands else None))
        return landings

    def reassign_day(self, handover: Handover, done: Callable[[], None] | None = None) -> None:
        doctor, colleague = handover.doctor, handover.colleague

        def perform(now: datetime | None) -> Outcome:
            moved, _ = self.own(lambda: self.engine.reassign(
                doctor.id, colleague.id, handover.day, now=now))
            waiting = sum(1 for t in moved if t.status == TokenStatus.WAITLISTED)
            words = (f"Dr {doctor.name}'s day handed to Dr {colleague.name}: "
                     f"{len(moved)} patient{'s' * (len(moved) != 1)} {event_word(EventKind.MOVED)}")
            if waiting:
                words += f", {waiting} of them {status_word(TokenStatus.WAITLISTED)}"
            if len(moved) != handover.expected:
                words += f" ({handover.expected} in the preview: the day changed meanwhile)"
            return words, None

        self.run_command(perform, then=done)
