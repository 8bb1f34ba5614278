"""Child-process body of the API's concurrency test (spawned, so importable here):
an engine process booking beside the HTTP clients, by the database's clock."""

from __future__ import annotations

import random
import traceback
from typing import Any

from opd_tui.engine import AllocationEngine

SOURCES = ["WALKIN", "ONLINE", "FOLLOWUP", "PAID", "ONLINE", "WALKIN"]


def engine_desk(url: str, number: int, slots: list[tuple[int, int]], bookings: int,
                barrier: Any, results: Any) -> None:
    report: dict[str, Any] = {"desk": f"engine-{number}", "tokens": [], "cancelled": [],
                              "errors": []}
    try:
        engine = AllocationEngine.open(url)
        rng = random.Random(1000 + number)
        mine: list[int] = []
        barrier.wait(timeout=60)
        for n in range(bookings):
            try:
                if mine and rng.random() < 0.1:
                    token = engine.cancel(mine.pop(rng.randrange(len(mine))))
                    report["cancelled"].append(token.id)
                    continue
                slot_id, doctor_id = rng.choice(slots)
                name = f"Engine{number} Patient {n}"
                if rng.random() < 0.05:
                    token = engine.emergency(doctor_id, name, slot_id)
                else:
                    token = engine.book(slot_id, name, rng.choice(SOURCES))
                report["tokens"].append([token.id, token.number])
                mine.append(token.id)
            except Exception as error:  # noqa: BLE001 - every failure is reported
                report["errors"].append(f"{type(error).__name__}: {error}")
        engine.close()
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc())
    results.put(report)
