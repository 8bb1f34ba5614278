"""Headless benchmark of the desk on a busy day: 60 doctors x 16 slots.

    python tests/benchmarks/bench_desk.py [--doctors 60] [--size 200x60] [--rounds 20]

Prints:
- open: from starting the app until the grid shows the day (target < 0.5 s);
- refresh after one event: another desk books one token; the time from the
  desk's poll reading that event to the changed cell on screen (read the day,
  update the widgets by diff, paint), median and worst of several rounds
  (target < 50 ms);
- latency: booking at the other desk to the cell on screen, which adds the
  poll interval (0.4 s) on top.
Not a pass/fail test: figures to compare across changes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path

from opd_tui.engine import AllocationEngine
from opd_tui.tui.desk import DeskApp

DAY = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 8, 0)
SOURCES = ["ONLINE"] * 5 + ["FOLLOWUP"] * 3 + ["PAID"] * 2 + ["WALKIN"] * 3


def busy_day(url: str, doctors: int, seed: int = 1) -> list[int]:
    """Every doctor 09:00-17:00 by 30 minutes (16 slots of 6); most seats taken."""
    rng = random.Random(seed)
    engine = AllocationEngine.open(url)
    slot_ids = []
    for n in range(doctors):
        doctor = engine.add_doctor(f"Doctor Number {n}", f"D{n:03d}", f"Dept {n % 8}", f"{100 + n}")
        slots = engine.generate_slots(doctor.id, DAY, clock_time(9), clock_time(17), 30, 6)
        slot_ids += [s.id for s in slots]
    for slot_id in slot_ids:
        for i in range(rng.choice([3, 5, 6, 6, 7, 8])):
            engine.book(slot_id, f"Patient {slot_id}-{i}", rng.choice(SOURCES), now=NOW)
    engine.close()
    return slot_ids


async def measure(url: str, slot_ids: list[int], size: tuple[int, int], rounds: int) -> dict:
    engine = AllocationEngine.open(url)
    other = AllocationEngine.open(url)
    app = DeskApp(engine, clock=lambda: NOW, advance=False)
    timings: dict[str, list[float]] = {"refresh": [], "fetch": [], "paint": [], "latency": []}
    started = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        desk = app.desk
        while desk.snapshot is None or desk.grid.row_count == 0:
            await asyncio.sleep(0.002)
        await pilot.pause()
        opened = time.perf_counter() - started

        original_apply = desk.apply
        marks: dict[str, float] = {}

        def timed_apply(snapshot, detail):  # noqa: ANN001, ANN202
            marks["apply"] = time.perf_counter()
            original_apply(snapshot, detail)

        original_fetch, original_patch = desk.fetch, desk.patch

        def timed_fetch(day):  # noqa: ANN001, ANN202
            marks.setdefault("fetch", time.perf_counter())
            return original_fetch(day)

        def timed_patch(snapshot, events, now):  # noqa: ANN001, ANN202
            if events:
                marks.setdefault("fetch", time.perf_counter())
            return original_patch(snapshot, events, now)

        original_paint = desk._compositor_refresh

        def timed_paint() -> None:
            original_paint()
            if "apply" in marks and "painted" not in marks:
                marks["painted"] = time.perf_counter()

        desk.apply = timed_apply  # type: ignore[method-assign]
        desk.fetch = timed_fetch  # type: ignore[method-assign]
        desk.patch = timed_patch  # type: ignore[method-assign]
        desk._compositor_refresh = timed_paint  # type: ignore[method-assign]
        rng = random.Random(7)
        visible = desk.grid.doctor_ids[:10]
        targets = [s for s in slot_ids if engine.slot(s).doctor_id in visible]
        for n in range(rounds):
            slot_id = rng.choice(targets)
            marks.clear()
            booked = time.perf_counter()
            await asyncio.to_thread(other.book, slot_id, f"Bench {n}", "PAID", None, NOW)
            event_id = other.last_event_id()
            while desk.last_event_id < event_id:
                await asyncio.sleep(0.001)
                if time.perf_counter() - booked > 5:
                    raise RuntimeError("the desk did not show the booking within 5 s")
            while "painted" not in marks:  # the frame with the changed cell
                await asyncio.sleep(0.001)
            shown = marks["painted"]
            timings["fetch"].append(marks["apply"] - marks["fetch"])
            timings["paint"].append(shown - marks["apply"])
            timings["refresh"].append(shown - marks["fetch"])
            timings["latency"].append(shown - booked)
            await pilot.pause()
    other.close()
    engine.close()
    return {"open": opened, **timings}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--doctors", type=int, default=60)
    parser.add_argument("--size", default="200x60")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        t0 = time.perf_counter()
        slot_ids = busy_day(url, args.doctors)
        engine = AllocationEngine.open(url)
        tokens = sum(engine.day_summary(DAY).by_status.values())
        engine.close()
        print(
            f"busy day: {args.doctors} doctors x 16 slots, {tokens} tokens "
            f"(built in {time.perf_counter() - t0:.1f} s); terminal {width}x{height}"
        )
        result = asyncio.run(measure(url, slot_ids, (width, height), args.rounds))

    def ms(values: list[float]) -> str:
        return (
            f"median {statistics.median(values) * 1000:6.1f} ms, worst {max(values) * 1000:6.1f} ms"
        )

    print(
        f"open desk until the day is on screen: {result['open'] * 1000:7.1f} ms  (target < 500 ms)"
    )
    print(f"refresh after one event (read+show+paint): {ms(result['refresh'])}  (target < 50 ms)")
    print(f"  of which reading what changed:           {ms(result['fetch'])}")
    print(f"  of which updating by diff and painting:  {ms(result['paint'])}"
          "  (includes waiting for the next frame)")
    print(f"other desk books -> cell on screen:        {ms(result['latency'])}  (poll every 0.4 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
