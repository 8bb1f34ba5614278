"""Running a desk command in a worker and saying what it did, in the desk's words.

What a command did to other patients (a bump, a promotion, a move) comes from the
events its own transaction wrote (`AllocationEngine.consequences`), so a change
another desk makes at the same moment is never reported as this desk's.

A refusal by the rules is said as "Not done"; a fault of the database or the
clock goes on the banner, which stays until a command gets through. A command
that waits on a busy database for more than a moment says so on the banner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from textual import work
from textual.worker import Worker, WorkerState, get_current_worker

from ...domain.enums import EventKind, TokenStatus
from ...domain.models import Event
from ...domain.vocabulary import event_word, status_word
from ...errors import OPDError
from ..widgets import DatabaseAnswered, DatabaseFaulted
from ..widgets.fault_banner import COMMAND, WAIT_NOTICE_SECONDS, fault_of, is_fault
from .journal import Journal
from .live import LiveDay

R = TypeVar("R")

#: Words of the sentences that tell what a command did to other patients.
WAITLISTED = status_word(TokenStatus.WAITLISTED)
MOVED = event_word(EventKind.MOVED)
#: What a command reports: the sentence to say, and the token to select after.
Outcome = tuple[str, int | None]


def label(slot: Any) -> str:
    return f"{slot.start:%H:%M}-{slot.end:%H:%M}"


class DeskCommands(LiveDay):
    """A command runs in a worker; success is said and reloaded, an error is shown."""

    def __init__(self) -> None:
        super().__init__()
        #: This desk's own correctable actions, for `u` (correction_actions).
        self.journal = Journal()

    def run_command(
        self,
        perform: Callable[[datetime | None], Outcome],
        then: Callable[[], None] | None = None,
    ) -> None:
        """Run one engine command in a worker; say what happened; show the result.
        `perform` gets the command's `now` (`command_now`)."""
        worker = self._run_command(perform, then)
        self.set_timer(WAIT_NOTICE_SECONDS, lambda: self._notice_wait(worker))

    @work(thread=True, group="command", exit_on_error=False)
    def _run_command(
        self, perform: Callable[[datetime | None], Outcome], then: Callable[[], None] | None
    ) -> None:
        worker = get_current_worker()
        try:
            message, token_id = perform(self.command_now())
        except Exception as error:  # noqa: BLE001 - shown, never a crash
            self.app.call_from_thread(self.command_failed, error)
            return
        finally:
            self.app.call_from_thread(self._command_finished, worker)
        self.post_message(DatabaseAnswered(COMMAND))
        self.app.call_from_thread(self.desk.say, message)
        self.app.call_from_thread(self.after_command, token_id)
        if then is not None:
            self.app.call_from_thread(then)

    def command_failed(self, error: BaseException) -> None:
        if is_fault(error):
            self.post_message(DatabaseFaulted(error, COMMAND))
            self.desk.say_error(f"Not done: {fault_of(error, COMMAND).title.lower()}")
        else:
            self.desk.say_error(str(error))

    def _notice_wait(self, worker: Worker[Any]) -> None:
        if worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            self._waiting.add(worker)
            self.banner.set_waiting(True)

    def _command_finished(self, worker: Worker[Any]) -> None:
        self._waiting.discard(worker)
        self.banner.set_waiting(bool(self._waiting))

    def after_command(self, token_id: int | None = None) -> None:
        if token_id is not None:
            self.select_later(token_id)
        self.reload()

    # -- what a command did ---------------------------------------------------

    def own(self, command: Callable[[], R]) -> tuple[R, list[Event]]:
        """Run one engine command; with it, the events its own transaction wrote."""
        with self.engine.consequences() as done:
            result = command()
        events = list(done)
        self.journal.record(events, result)
        return result, events

    def consequences(self, events: list[Event], own: int | None) -> list[str]:
        """What a command did to other patients, from the events it wrote."""
        said = []
        for event in events:
            if event.token_id is None or event.token_id == own:
                continue
            number = event.detail.get("number", "?")
            waitlisted = event.detail.get("status") == TokenStatus.WAITLISTED
            if event.kind == EventKind.BUMPED:
                if waitlisted:
                    said.append(f"{number} {WAITLISTED} to make room")
                else:
                    said.append(f"{number} {MOVED} to {self._time(event)} to make room")
            elif event.kind == EventKind.PROMOTED:
                said.append(f"{number} {event_word(EventKind.PROMOTED)} from the waitlist "
                            f"into {self._time(event)}")
            elif event.kind == EventKind.MOVED:
                where = f"{WAITLISTED} on" if waitlisted else f"{MOVED} to"
                said.append(f"{number} {where} {self._time(event)}")
            elif event.kind == EventKind.COMPLETED:
                said.append(f"{number} {event_word(EventKind.COMPLETED)}")
        return said

    def _time(self, event: Event) -> str:
        """The start of the event's slot: from the day on show, else read."""
        if event.slot_id is None:
            return "?"
        shown = self.snapshot.slots if self.snapshot is not None else []
        slot = next((s for s in shown if s.id == event.slot_id), None)
        if slot is not None:
            return f"{slot.start:%H:%M}"
        try:
            return f"{self.engine.slot(event.slot_id).start:%H:%M}"
        except OPDError:
            return "?"  # the command got through; a failed read only costs the time

    @staticmethod
    def sentence(first: str, more: list[str]) -> str:
        return "; ".join([first, *more])

    def _said(self, perform: Callable[[dict[str, Any]], tuple[Any, str]]) -> Callable[
        [dict[str, Any]], tuple[Any, str]
    ]:
        """A form's command that also tells the desk what happened, once it succeeds."""

        def run(values: dict[str, Any]) -> tuple[Any, str]:
            result, message = perform(values)
            self.app.call_from_thread(self.desk.say, message)
            return result, message

        return run

    def _after_form(self, result: Any) -> None:
        if result is not None:
            self.after_command()
