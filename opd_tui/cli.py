"""`opd-tui`: the desk (default), the kiosk, and the simulation.

Screens are imported only when a screen is asked for, so `simulate --headless`
runs without loading Textual.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__

DB_HELP = "SQLAlchemy URL of the database (default: $OPD_DB_URL, else the local SQLite file)"


def _db_url(args: argparse.Namespace) -> str | None:
    return args.db or os.environ.get("OPD_DB_URL") or None


def _run_desk(args: argparse.Namespace) -> int:
    from .tui.desk import run_desk

    return run_desk(_db_url(args), demo=args.demo)


def _run_kiosk(args: argparse.Namespace) -> int:
    from .tui.kiosk import run_kiosk

    pin = args.exit_pin or os.environ.get("OPD_KIOSK_EXIT_PIN")
    return run_kiosk(_db_url(args), exit_pin=pin)


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

    desk = commands.add_parser("desk", help="the reception desk (the default)")
    desk.add_argument("--db", metavar="URL", help=DB_HELP)
    desk.add_argument("--demo", action="store_true", help="open the demo database")
    desk.set_defaults(handler=_run_desk)

    kiosk = commands.add_parser("kiosk", help="walk-in tokens and the now-serving board")
    kiosk.add_argument("--db", metavar="URL", help=DB_HELP)
    kiosk.add_argument(
        "--exit-pin", metavar="PIN", help="PIN that closes the kiosk (or $OPD_KIOSK_EXIT_PIN)"
    )
    kiosk.set_defaults(handler=_run_kiosk)

    from .simulation.cli import configure_parser

    simulate = commands.add_parser("simulate", help="play a synthetic OPD day, live or headless")
    configure_parser(simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # here, where a reader that went away is handled
        return code
    except BrokenPipeError:
        # The reader went away (`opd-tui simulate --json | head`): stop quietly,
        # and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
