"""The kiosk in the OPD hall: `opd-tui kiosk [--db URL] [--exit-pin PIN]`."""

from __future__ import annotations

import os
import sys

from ...engine import AllocationEngine
from .app import IDLE_SECONDS, KioskApp

__all__ = ["KioskApp", "run_kiosk"]

IDLE_ENV = "OPD_KIOSK_IDLE_SECONDS"


def idle_seconds() -> float:
    """$OPD_KIOSK_IDLE_SECONDS, else the default; never below 5 seconds."""
    try:
        return max(5.0, float(os.environ.get(IDLE_ENV, IDLE_SECONDS)))
    except ValueError:
        return IDLE_SECONDS


def run_kiosk(url: str | None, exit_pin: str | None) -> int:
    """Open the kiosk on `url` (default: the local file). Without an exit PIN it
    cannot be closed from its keyboard: stop it with SIGTERM (`kill PID`)."""
    # The kiosk never makes a database: a mistyped --db is refused (one line on the
    # command line), not a new empty hall with no doctors.
    engine = AllocationEngine.open(url, create=False)
    for notice in engine.notices:
        print(f"opd-tui: {notice}", file=sys.stderr)
    # TEXTUAL_ALLOW_SIGNALS would let ctrl+c / ctrl+z reach the process as signals.
    os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)
    if not exit_pin:
        print(
            f"opd-tui kiosk: no exit PIN (--exit-pin or OPD_KIOSK_EXIT_PIN); it cannot be "
            f"closed from the keyboard. Stop it with: kill {os.getpid()}",
            file=sys.stderr,
        )
    app = KioskApp(engine, exit_pin=exit_pin, idle_seconds=idle_seconds())
    try:
        app.run()
    finally:
        engine.close()
    return app.return_code or 0
