"""`--trace FILE`: every token's day as JSON lines, for anyone who wants their own plots.

One line per token, in the order the tokens were made, and one per patient who
asked for a token and got none (`"status": "TURNED_AWAY"`), at the time it
happened. Times are ISO 8601 on the simulated clock, to the second; a step the
token never reached is null. `patient` names the same person in every variant of
a day (`D2:W7`: doctor 2's seventh walk-in), so traces of two policies can be
joined on it. No names: a trace is data, not a list of people.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any


def _at(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def timeline(
    patient: str,
    doctor: str,
    source: str,
    *,
    status: str,
    token: str | None = None,
    slot: str | None = None,
    booked: datetime | None = None,
    arrived: datetime | None = None,
    checked_in: datetime | None = None,
    called: datetime | None = None,
    completed: datetime | None = None,
    why: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "patient": patient,
        "token": token,
        "doctor": doctor,
        "source": source,
        "slot": slot,
        "status": status,
        "booked": _at(booked),
        "arrived": _at(arrived),
        "checkedIn": _at(checked_in),
        "called": _at(called),
        "completed": _at(completed),
        "waitFromArrival": _minutes(arrived, called),
        "consultMinutes": _minutes(called, completed),
    }
    if why is not None:
        row["why"] = why
    return row


def write_trace(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write the rows as JSON lines; returns how many."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
