"""`opd-tui`: the desk (default), the kiosk, the simulation, the clock and the report.

Screens are imported only when a screen is asked for, so `simulate --headless`
runs without loading Textual. Every command opens its database before anything
starts, and an `OPDError` (a database that cannot be opened, a busy or
read-only one, a refusal) ends it with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import __version__
from .domain.errors import InvalidInput, OPDError

if TYPE_CHECKING:
    from .engine import AllocationEngine

DB_HELP = "SQLAlchemy URL of the database (default: $OPD_DB_URL, else the local SQLite file)"
#: Exit status of a command that ended on an `OPDError`.
FAILED = 2


def _db_url(args: argparse.Namespace) -> str | None:
    return getattr(args, "db", None) or os.environ.get("OPD_DB_URL") or None


def say(message: object) -> None:
    """One line on stderr, whatever the message holds."""
    print(f"opd-tui: {' '.join(str(message).split())}", file=sys.stderr)


def open_engine(url: str | None, *, create: bool = True) -> AllocationEngine:
    """The engine on `url`, its notices (a file made private) said on stderr."""
    from .engine import AllocationEngine

    engine = AllocationEngine.open(url, create=create)
    for notice in engine.notices:
        say(notice)
    return engine


def _run_desk(args: argparse.Namespace) -> int:
    from .tui.desk import run_desk

    return run_desk(_db_url(args), demo=args.demo)


def _run_kiosk(args: argparse.Namespace) -> int:
    from .tui.kiosk import run_kiosk

    pin = args.exit_pin or os.environ.get("OPD_KIOSK_EXIT_PIN")
    return run_kiosk(_db_url(args), exit_pin=pin)


def _run_simulate(args: argparse.Namespace) -> int:
    from .commands.simulate import run_simulate

    if args.db:
        # A database named on the command line is opened (and its faults told,
        # one line, without its password) here, as every command does.
        open_engine(args.db).close()
    return int(run_simulate(args) or 0)


# -- opd-tui clock --------------------------------------------------------------


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}"


def _span(delta: timedelta) -> str:
    seconds = int(abs(delta).total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h {minutes % 60} min" if hours < 48 else f"{hours // 24} days {hours % 24} h"


def _confirmed(question: str) -> bool:
    """Asked on the terminal; no terminal, no answer: --yes is the way to say yes."""
    if not sys.stdin.isatty():
        raise InvalidInput("--reset asks first and there is no terminal to answer on; "
                           "add --yes to reset without asking.")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _run_clock(args: argparse.Namespace) -> int:
    engine = open_engine(_db_url(args), create=False)
    try:
        reading = engine.clock_reading()
        source = "the database server" if engine.dialect == "postgresql" else "this computer"
        print(f"Hospital clock: {_when(reading.reference)}  ({source})")
        if reading.stored is None:
            print("Stored clock:   none yet (no command has run)")
        else:
            drift = reading.stored - reading.reference
            where = "ahead" if drift > timedelta(0) else "behind"
            told = f"{_span(drift)} {where}" if abs(drift) >= timedelta(seconds=1) else "the same"
            print(f"Stored clock:   {_when(reading.stored)}  (the latest command's time: {told})")
        if reading.ahead:
            print("The stored clock is more than 10 minutes ahead: commands that take the "
                  "hospital's time are refused until it is reset (opd-tui clock --reset).")
        if not args.reset:
            return 0
        if not args.yes and not _confirmed(
            f"Reset the stored clock to {_when(reading.reference)}?"
        ):
            print("Left as it was.")
            return 1
        print(f"Stored clock reset to {_when(engine.reset_clock())}.")
        return 0
    finally:
        engine.close()


# -- opd-tui report ---------------------------------------------------------------


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day; type it as YYYY-MM-DD") from None


def _run_report(args: argparse.Namespace) -> int:
    from .domain.report_text import csv_text, table_text

    engine = open_engine(_db_url(args), create=False)
    try:
        day = args.day or engine.clock().date()
        report = engine.day_report(day)
    finally:
        engine.close()
    sys.stdout.write(csv_text(report) if args.csv else table_text(report))
    return 0


# -- the command line -------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opd-tui", description="Token desk of a hospital out-patient department."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)
    parser.add_argument(
        "--demo", action="store_true", help="open a separate demo database with a believable day"
    )
    parser.set_defaults(handler=_run_desk)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    # A command's own --db must not undo `opd-tui --db URL COMMAND`.
    own_db: dict[str, Any] = {"metavar": "URL", "help": DB_HELP, "default": argparse.SUPPRESS}

    desk = commands.add_parser("desk", help="the reception desk (the default)")
    desk.add_argument("--db", **own_db)
    desk.add_argument("--demo", action="store_true", help="open the demo database")
    desk.set_defaults(handler=_run_desk)

    kiosk = commands.add_parser("kiosk", help="walk-in tokens and the now-serving board")
    kiosk.add_argument("--db", **own_db)
    kiosk.add_argument(
        "--exit-pin", metavar="PIN",
        help="PIN that closes the kiosk; prefer $OPD_KIOSK_EXIT_PIN, since a PIN given "
        "here shows in `ps` to every user of this computer",
    )
    kiosk.set_defaults(handler=_run_kiosk)

    from .commands.simulate import configure_parser

    simulate = commands.add_parser("simulate", help="play a synthetic OPD day, live or headless")
    configure_parser(simulate)
    simulate.set_defaults(handler=_run_simulate)

    clock = commands.add_parser(
        "clock", help="show the hospital's clock and the stored clock; --reset sets it back",
        description="Show the hospital's reference clock beside the engine's stored clock "
        "(the latest command's time). A stored clock more than 10 minutes ahead stops "
        "commands that take the hospital's time until it is reset.",
    )
    clock.add_argument("--db", **own_db)
    clock.add_argument("--reset", action="store_true",
                       help="set the stored clock back to the hospital's clock (asks first)")
    clock.add_argument("--yes", action="store_true", help="with --reset: do not ask")
    clock.set_defaults(handler=_run_clock)

    report = commands.add_parser(
        "report", help="the day's report: per doctor, per source and in total",
        description="Tokens, seen, no-shows, cancelled, expired, unseen, bumped, promoted, "
        "overbooked slots, waits from check-in to call, consultation times and utilisation, "
        "computed from the event log (a past day's report never changes).",
    )
    report.add_argument("--db", **own_db)
    report.add_argument("--day", type=_day, metavar="YYYY-MM-DD", help="the day (default: today)")
    report.add_argument("--csv", action="store_true",
                        help="CSV: a row per doctor, then per source, then the total")
    report.set_defaults(handler=_run_report)

    from .commands.serve import configure as configure_api  # serve, api-key

    configure_api(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # here, where a reader that went away is handled
        return code
    except OPDError as error:
        say(error)
        return FAILED
    except BrokenPipeError:
        # The reader went away (`opd-tui simulate --json | head`): stop quietly,
        # and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
