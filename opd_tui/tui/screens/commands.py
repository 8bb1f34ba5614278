"""Running a desk command in a worker and saying what it did, in the desk's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import work

from ...domain.enums import EventKind, TokenStatus
from ...domain.models import Event
from ...errors import OPDError
from .live import LiveDay


def label(slot: Any) -> str:
    return f"{slot.start:%H:%M}-{slot.end:%H:%M}"


class DeskCommands(LiveDay):
    """A command runs in a worker; success is said and reloaded, an error is shown."""

    def run_command(
        self,
        perform: Callable[[datetime], tuple[str, int | None]],
        then: Callable[[], None] | None = None,
    ) -> None:
        """Run one engine command in a worker; say what happened; show the result."""
        self._run_command(perform, then)

    @work(thread=True, group="command", exit_on_error=False)
    def _run_command(
        self, perform: Callable[[datetime], tuple[str, int | None]], then: Callable[[], None] | None
    ) -> None:
        try:
            message, token_id = perform(self.now())
        except OPDError as error:
            self.app.call_from_thread(self.desk.say_error, str(error))
            return
        self.app.call_from_thread(self.desk.say, message)
        self.app.call_from_thread(self.after_command, token_id)
        if then is not None:
            self.app.call_from_thread(then)

    def after_command(self, token_id: int | None = None) -> None:
        self._select_token = token_id
        self.reload()

    def consequences(self, before: int, own: int | None) -> list[str]:
        """What a command did to other patients, from the events it wrote."""
        said = []
        for event in self.engine.events(after_id=before):
            if event.token_id is None or event.token_id == own:
                continue
            number = event.detail.get("number", "?")
            if event.kind == EventKind.BUMPED:
                if event.detail.get("status") == TokenStatus.WAITLISTED:
                    said.append(f"{number} waitlisted to make room")
                else:
                    said.append(f"{number} moved to {self._time(event)} to make room")
            elif event.kind == EventKind.PROMOTED:
                said.append(f"{number} promoted from the waitlist into {self._time(event)}")
            elif event.kind == EventKind.MOVED:
                where = "waitlisted on" if event.detail.get("status") == "WAITLISTED" else "moved to"
                said.append(f"{number} {where} {self._time(event)}")
            elif event.kind == EventKind.COMPLETED:
                said.append(f"{number} completed")
        return said

    def _time(self, event: Event) -> str:
        try:
            return f"{self.engine.slot(event.slot_id).start:%H:%M}" if event.slot_id else "?"
        except OPDError:
            return "?"

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

