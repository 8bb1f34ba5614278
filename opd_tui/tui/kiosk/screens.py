"""The kiosk's screens: the board with its call to take a token, then one question
per screen (department, doctor, name, phone, confirm) and the slip.

Each screen answers to digits, arrows, Enter and Escape; Escape goes one step
back. Screens bind only their own keys (`inherit_bindings=False`): no tab
focus-hopping, no copy, nothing a patient could stumble into.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import date, datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...domain import inputs
from ...domain.models import NowServing
from .bigtext import BigText
from .board import NowServingBoard
from .booking import fault_reason
from .outlook import (
    WALK_IN,
    DoctorChoice,
    Outlook,
    Slip,
    WalkIn,
    ahead_words,
    dr,
    name_problem,
    phone_problem,
    read_outlook,
    room,
)

if TYPE_CHECKING:
    from .app import KioskApp

BACK = "ESC  go back"
BOARD_TITLE = "NOW SERVING"
#: The board's one line while its reads fail.
TROUBLE = "Cannot reach the database — tokens are paused; please ask at the desk"


class Masthead(Horizontal):
    """Hospital name, what this screen is for, and the time."""

    def __init__(self, title: str) -> None:
        super().__init__(id="masthead")
        self.title_text = title

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        yield Label(Content(app.hospital), id="hospital")
        yield Label(self.title_text, id="screen-title")
        yield Label(f"{app.clock():%H:%M}", id="clock")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def retitle(self, title: str) -> None:
        self.title_text = title
        self.query_one("#screen-title", Label).update(title)

    def tick(self) -> None:
        app: KioskApp = self.app  # type: ignore[assignment]
        self.query_one("#clock", Label).update(f"{app.clock():%H:%M}")


class KioskScreen(Screen[None], inherit_bindings=False):
    """A kiosk screen: Escape goes back one step, nothing else is inherited."""

    BINDINGS = [Binding("escape", "back", "Back", show=False)]
    #: A held screen stays through Escape and the idle timeout (see `notices`).
    HELD = False

    @property
    def kiosk(self) -> KioskApp:
        return self.app  # type: ignore[return-value]

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


# -- the start: the board and the call to take a token ------------------------


class StartScreen(KioskScreen):
    """What the hall sees: who is with each doctor, who is next, how to get a token."""

    BINDINGS = [
        Binding("enter", "take_token", "Take a token", show=False),
        Binding("space", "take_token", "Take a token", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="start")
        self.seen_event_id = -1
        self.board_day: date | None = None
        self._polling = False

    def compose(self) -> ComposeResult:
        yield Masthead(BOARD_TITLE)
        yield Label(TROUBLE, id="board-trouble")
        yield NowServingBoard(timer=self.kiosk.timer, id="board")
        with Center(id="call"):
            yield Label(Content.assemble("Press  ", (" ENTER ", "reverse"), "  to take a token"),
                        id="call-text")
            yield Label("Tokens are paused. Please ask at the desk.", id="call-paused")

    @property
    def board(self) -> NowServingBoard:
        return self.query_one(NowServingBoard)

    @property
    def paused(self) -> bool:
        """The board's last read failed: the banner is up."""
        return self.has_class("-paused")

    def on_mount(self) -> None:
        self._poll()

    def on_screen_resume(self) -> None:
        self.refresh_board()

    def action_take_token(self) -> None:
        self.kiosk.push_screen(DepartmentScreen(WalkIn()))

    # A self-rescheduling timer: a slow read never makes polls pile up. While the
    # database cannot be reached it tries again every `retry_interval`.
    def _schedule(self, delay: float) -> None:
        self.set_timer(delay, self._poll)

    def _poll(self) -> None:
        if self.app.screen is not self or self._polling:
            self._schedule(self.kiosk.poll_interval)
            return
        self._polling = True
        self.kiosk.keep_days_current()
        self._read_board(self.seen_event_id, self.board_day)

    def refresh_board(self) -> None:
        self.seen_event_id = -1

    @work(group="board", exit_on_error=False)
    async def _read_board(self, seen: int, shown_day: date | None) -> None:
        answered = False
        try:
            read = await asyncio.to_thread(self._read, seen, shown_day)
            if read is None:
                self.kiosk.show_out_of_service()
                return
            answered = True
            await self.show_board(*read)
        except Exception:  # noqa: BLE001 - whatever the database does, the board runs on
            self.show_trouble()
        finally:
            self._poll_done(answered)

    def _read(
        self, seen: int, shown_day: date | None
    ) -> tuple[list[NowServing] | None, int, date] | None:
        """The board's rows if anything changed since `seen` (else None rows), the last
        event id and the day; None when the database file is no longer the kiosk's."""
        kiosk = self.kiosk
        if kiosk.database_file is not None and not kiosk.database_file.intact():
            return None
        engine = kiosk.engine
        last = engine.last_event_id()
        day = kiosk.read_now().date()
        rows = None
        if last != seen or day != shown_day:
            # Only `day`'s tokens: a patient of an earlier day never shows (rule 17).
            rows = engine.now_serving(day=day, now=kiosk.engine_now())
        return rows, last, day

    def _poll_done(self, answered: bool) -> None:
        self._polling = False
        self._schedule(self.kiosk.poll_interval if answered else self.kiosk.retry_interval)

    async def show_board(
        self, rows: list[NowServing] | None, last_event_id: int, day: date
    ) -> None:
        self.remove_class("-paused")
        if rows is None:
            return
        self.seen_event_id = last_event_id
        self.board_day = day
        await self.board.show(rows)

    def show_trouble(self) -> None:
        self.add_class("-paused")

    @on(NowServingBoard.PageShown)
    def show_page_number(self, event: NowServingBoard.PageShown) -> None:
        title = BOARD_TITLE
        if event.pages > 1:
            title += f"  ·  page {event.page} of {event.pages}"
        self.query_one(Masthead).retitle(title)

    @on(NowServingBoard.TokensCalled)
    def ring_bell(self) -> None:
        """Once per refresh that called anyone, however many: the hall looks up."""
        self.app.bell()


# -- one question per screen --------------------------------------------------


class StepScreen(KioskScreen):
    """A step of taking a token: a question, the place to answer, a problem line, keys."""

    TITLE_TEXT = "TAKE A TOKEN"
    QUESTION = ""
    HINT = ""

    def __init__(self, walk_in: WalkIn) -> None:
        super().__init__()
        self.walk_in = walk_in

    def compose(self) -> ComposeResult:
        yield Masthead(self.TITLE_TEXT)
        with Vertical(id="page"), Vertical(id="step"):
            yield Label(self.QUESTION, id="question")
            yield from self.answer()
            yield Static("", id="problem")
        yield Label(self.HINT, id="hint")

    def answer(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.query_one("#problem").display = False
        if self.app.is_headless:  # a blinking cursor makes snapshots flaky
            for box in self.query(Input):
                box.cursor_blink = False

    def say_problem(self, text: str | None) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(Content(text or ""))
        problem.display = bool(text)


class ChoiceScreen(StepScreen):
    """Choose from a list: arrows and Enter, or the number in front of a line."""

    HINT = "↑ ↓  choose     ENTER  continue     " + BACK
    BINDINGS = [Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)]

    def answer(self) -> ComposeResult:
        yield OptionList(id="choices")

    def action_pick(self, number: int) -> None:
        choices = self.query_one("#choices", OptionList)
        index = number - 1
        if index >= choices.option_count or choices.get_option_at_index(index).disabled:
            return
        choices.highlighted = index
        choices.action_select()


class DepartmentScreen(ChoiceScreen):
    QUESTION = "Which department do you need?"

    def __init__(self, walk_in: WalkIn) -> None:
        super().__init__(walk_in)
        self.outlook: Outlook | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#choices", OptionList).loading = True
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            outlook = read_outlook(self.kiosk.engine, self.kiosk.read_now())
        except Exception as error:  # noqa: BLE001 - the patient is told, the kiosk runs on
            self.app.call_from_thread(self.load_failed, fault_reason(error))
            return
        self.app.call_from_thread(self.show, outlook)

    def load_failed(self, reason: str) -> None:
        if self.is_current:  # not if the patient has gone back to the board meanwhile
            self.kiosk.ask_at_desk(reason)

    def show(self, outlook: Outlook) -> None:
        self.outlook = outlook
        choices = self.query_one("#choices", OptionList)
        choices.loading = False
        choices.clear_options()
        for n, department in enumerate(outlook.departments, start=1):
            doctors = outlook.in_department(department)
            open_ = [c for c in doctors if c.bookable]
            words = f"{len(doctors)} doctor{'s' if len(doctors) != 1 else ''}"
            choices.add_option(
                Option(
                    Content.assemble((f"{n}  ", "bold"), (department, "bold"),
                                     ("\n   " + words, "dim")),
                    id=f"department-{n}",
                    disabled=not open_,
                )
            )
            choices.add_option(None)  # a rule between choices (vertical padding is cropped)
        if not outlook.departments:
            self.say_problem(f"No doctors are taking {WALK_IN} patients now. Please ask at the desk.")
            return
        choices.highlighted = next(
            (i for i in range(choices.option_count) if not choices.get_option_at_index(i).disabled),
            None,
        )
        if choices.highlighted is None:
            self.say_problem("No doctor has a place left today. Please ask at the desk.")
        choices.focus()

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        assert self.outlook is not None
        department = self.outlook.departments[event.option_index]
        walk_in = WalkIn(department=department, outlook=self.outlook)
        self.kiosk.push_screen(DoctorScreen(walk_in))


class DoctorScreen(ChoiceScreen):
    QUESTION = "Which doctor?"

    def __init__(self, walk_in: WalkIn) -> None:
        super().__init__(walk_in)
        assert walk_in.outlook is not None and walk_in.department is not None
        self.choices = walk_in.outlook.in_department(walk_in.department)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#question", Label).update(
            Content.assemble("Which doctor?  ", (self.walk_in.department or "", "dim"))
        )
        options = self.query_one("#choices", OptionList)
        now = self.walk_in.outlook.now if self.walk_in.outlook else self.kiosk.clock()
        for n, choice in enumerate(self.choices, start=1):
            options.add_option(
                Option(self.describe(n, choice, now), id=f"doctor-{choice.doctor.id}",
                       disabled=not choice.bookable)
            )
            options.add_option(None)
        options.highlighted = next((i for i, c in enumerate(self.choices) if c.bookable), None)
        options.focus()

    @staticmethod
    def describe(n: int, choice: DoctorChoice, now: datetime) -> Content:
        waiting = f"{choice.waiting} waiting"
        return Content.assemble(
            (f"{n}  ", "bold"),
            (dr(choice.doctor), "bold"),
            f"  ·  {room(choice.doctor)}",
            ("\n   " + choice.availability(now), "bold" if choice.next_free else ""),
            f"  ·  {waiting}",
        )

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        choice = self.choices[event.option_index]
        walk_in = WalkIn(department=self.walk_in.department, choice=choice,
                         outlook=self.walk_in.outlook)
        self.kiosk.push_screen(NameScreen(walk_in))


class NameScreen(StepScreen):
    QUESTION = "Please type your name"
    HINT = "ENTER  continue     " + BACK

    def answer(self) -> ComposeResult:
        yield Input(placeholder="Your name", id="name", value=self.walk_in.name or "")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    @on(Input.Submitted, "#name")
    def _submitted(self, event: Input.Submitted) -> None:
        assert self.walk_in.choice is not None
        problem = name_problem(self.walk_in.choice.doctor.id, event.value)
        self.say_problem(problem)
        if problem is None:
            walk_in = WalkIn(department=self.walk_in.department, choice=self.walk_in.choice,
                             name=event.value.strip(), outlook=self.walk_in.outlook)
            self.kiosk.push_screen(PhoneScreen(walk_in))

    @on(Input.Changed, "#name")
    def _changed(self) -> None:
        self.say_problem(None)


class PhoneScreen(StepScreen):
    QUESTION = "Your phone number (you may leave it empty)"
    HINT = "ENTER  continue     " + BACK

    def answer(self) -> ComposeResult:
        yield Input(placeholder="Phone number", id="phone", restrict=r"[0-9+\- ]*")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#phone", Input).focus()

    @on(Input.Submitted, "#phone")
    def _submitted(self, event: Input.Submitted) -> None:
        assert self.walk_in.choice is not None and self.walk_in.name is not None
        phone = inputs.tidy_ref(event.value)
        problem = phone_problem(self.walk_in.choice.doctor.id, self.walk_in.name, phone)
        self.say_problem(problem)
        if problem is None:
            walk_in = WalkIn(department=self.walk_in.department, choice=self.walk_in.choice,
                             name=self.walk_in.name, phone=phone, outlook=self.walk_in.outlook)
            self.kiosk.push_screen(ConfirmScreen(walk_in))

    @on(Input.Changed, "#phone")
    def _changed(self) -> None:
        self.say_problem(None)


class ConfirmScreen(StepScreen):
    QUESTION = "Is this right?"
    HINT = "ENTER  yes, give me my token     " + BACK
    BINDINGS = [Binding("enter", "confirm", "Take the token", show=False)]

    def answer(self) -> ComposeResult:
        walk_in = self.walk_in
        assert walk_in.choice is not None and walk_in.name is not None
        choice = walk_in.choice
        now = walk_in.outlook.now if walk_in.outlook else self.kiosk.clock()
        with Vertical(id="facts"):
            yield self.fact("Name", Content(walk_in.name), "confirm-name")
            yield self.fact("Phone", Content(walk_in.phone or "none"), "confirm-phone")
            yield self.fact("Doctor", Content(f"{dr(choice.doctor)}  ·  {room(choice.doctor)}"),
                            "confirm-doctor")
            yield self.fact("Time", Content(choice.availability(now)), "confirm-when")
        if choice.full:
            yield Static(
                "The doctor's places are all taken today. You will join the waiting list "
                "and be seated when a place frees up.",
                id="full-note",
            )

    @staticmethod
    def fact(label: str, value: Content, id: str) -> Horizontal:
        return Horizontal(
            Label(label, classes="fact-label"), Label(value, classes="fact-value", id=id),
            classes="fact",
        )

    def action_confirm(self) -> None:
        self.say_problem(None)
        self.kiosk.make_token(self.walk_in)

    def refused(self, problem: str) -> None:
        """The engine said no by its rules (nothing was booked): say why, stay here."""
        self.say_problem(problem)


# -- the slip -----------------------------------------------------------------


class SlipScreen(KioskScreen):
    """The patient's token: the number in big letters and where and when to go."""

    BINDINGS = [
        Binding("enter", "done", "Done", show=False),
        Binding("escape", "done", "Done", show=False),
    ]

    def __init__(self, slip: Slip) -> None:
        super().__init__(id="slip")
        self.slip = slip

    def compose(self) -> ComposeResult:
        slip = self.slip
        yield Masthead("YOUR TOKEN")
        with Vertical(id="page"), Vertical(id="slip-card"):
            yield Label("Your token number", id="slip-heading")
            yield BigText(slip.token.number, max_scale=2, id="slip-number")
            with Vertical(id="facts"):
                yield ConfirmScreen.fact(
                    "Doctor", Content(dr(slip.doctor)), "slip-doctor")
                yield ConfirmScreen.fact("Room", Content(slip.doctor.room or "ask at the desk"),
                                         "slip-room")
                when = (f"{slip.slot.start:%H:%M} - {slip.slot.end:%H:%M}" if slip.slot
                        else "Ask at the desk")
                yield ConfirmScreen.fact("Slot", Content(when), "slip-slot")
                if slip.waitlisted:
                    yield ConfirmScreen.fact("Status", Content("Waiting list"), "slip-eta")
                else:
                    eta = f"about {slip.eta:%H:%M}" if slip.eta else "ask at the desk"
                    yield ConfirmScreen.fact("Your time", Content(eta), "slip-eta")
                yield ConfirmScreen.fact("Ahead", Content(ahead_words(slip)), "slip-ahead")
            yield Static(self.advice(), id="slip-advice")
        yield Label("Please note your number.     ENTER  done", id="hint")

    def advice(self) -> str:
        if self.slip.waitlisted:
            return ("All places are taken for now: you are on the waiting list. "
                    "Watch the board; the desk seats you as soon as a place frees up.")
        return "Please wait in the hall and watch the board for your number."

    def action_done(self) -> None:
        self.kiosk.return_to_start()


# -- the staff's way out --------------------------------------------------------


class ExitPinScreen(ModalScreen[bool], inherit_bindings=False):
    """Staff only: the exit PIN closes the kiosk. Wrong tries are limited."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, pin: str) -> None:
        super().__init__(id="exit-pin")
        self._pin = pin

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-box"):
            yield Label("Staff: exit PIN", id="pin-title")
            # A PIN of digits takes only digits; any other PIN, any characters.
            digits = r"[0-9]*" if self._pin.isdigit() else None
            yield Input(password=True, restrict=digits, id="pin")
            yield Static("", id="pin-problem")
            yield Label("ENTER  close the kiosk     ESC  cancel", id="pin-hint")

    def on_mount(self) -> None:
        box = self.query_one("#pin", Input)
        if self.app.is_headless:
            box.cursor_blink = False
        if self.kiosk.pin_locked_minutes():
            self.show_locked()
        else:
            box.focus()

    @property
    def kiosk(self) -> KioskApp:
        return self.app  # type: ignore[return-value]

    @on(Input.Submitted, "#pin")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.kiosk.pin_locked_minutes():
            return
        if hmac.compare_digest(event.value.encode(), self._pin.encode()):
            self.dismiss(True)
            return
        event.input.value = ""
        self.query_one("#pin-problem", Static).update("Wrong PIN.")
        if self.kiosk.note_wrong_pin():
            self.show_locked()

    def show_locked(self) -> None:
        """Too many wrong PINs: say for how long the exit is locked, take no more."""
        minutes = self.kiosk.pin_locked_minutes()
        self.add_class("-locked")
        box = self.query_one("#pin", Input)
        box.value = ""
        box.display = False
        self.query_one("#pin-problem", Static).update(
            f"Too many wrong PINs. The exit is locked for "
            f"{minutes} minute{'s' if minutes != 1 else ''}."
        )
        self.query_one("#pin-hint", Label).update("ESC  close")

    def action_cancel(self) -> None:
        self.dismiss(False)
