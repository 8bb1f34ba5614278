"""Headless benchmark of the kiosk's now-serving board on a busy day.

    python tests/benchmarks/bench_kiosk.py [--doctors 12] [--size 120x40] [--rounds 20]

The desk next door calls the next patient for one doctor; the figure is the
time from that call to the called number on the board (target: within a
second; the board checks the event log every 0.4 s). Also printed: the time
from starting the kiosk until the board is on screen.
Not a pass/fail test: figures to compare across changes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench_desk import DAY, busy_day

from opd_tui.engine import AllocationEngine
from opd_tui.tui.kiosk import KioskApp
from opd_tui.tui.kiosk.bigtext import BigText
from opd_tui.tui.kiosk.board import DoctorCard

#: Mid-morning: every doctor's 09:00 to 10:30 patients may be called.
NOW = datetime(2025, 3, 10, 10, 30)


def check_in_everyone(url: str) -> list[int]:
    engine = AllocationEngine.open(url)
    for slot in engine.day_slots(DAY):
        if slot.start <= NOW:
            for token in engine.slot_view(slot.id, now=NOW).seated:
                engine.check_in(token.id, now=NOW)
    doctor_ids = [d.id for d in engine.doctors()]
    engine.close()
    return doctor_ids


async def measure(url: str, doctor_ids: list[int], size: tuple[int, int], rounds: int) -> dict:
    desk = AllocationEngine.open(url)
    app = KioskApp(AllocationEngine.open(url), clock=lambda: NOW, idle_seconds=600)
    latencies: list[float] = []
    started = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        while not app.screen.query(DoctorCard):
            await asyncio.sleep(0.002)
        await pilot.pause()
        opened = time.perf_counter() - started
        shown_ids = [int(c.id.removeprefix("doctor-")) for c in app.screen.query(DoctorCard)]
        for n in range(rounds):
            doctor_id = shown_ids[n % len(shown_ids)]
            card = app.screen.query_one(f"#doctor-{doctor_id}", DoctorCard)
            called_at = time.perf_counter()
            called = await asyncio.to_thread(desk.call_next, doctor_id, NOW)
            if called is None:
                continue
            while card.query_one(BigText).text != called.number:
                await asyncio.sleep(0.002)
                if time.perf_counter() - called_at > 5:
                    raise RuntimeError("the board did not show the call within 5 s")
            latencies.append(time.perf_counter() - called_at)
            await pilot.pause()
    app.engine.close()
    desk.close()
    return {"open": opened, "latency": latencies, "cards": len(shown_ids)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--doctors", type=int, default=12)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        busy_day(url, args.doctors)
        doctor_ids = check_in_everyone(url)
        result = asyncio.run(measure(url, doctor_ids, (width, height), args.rounds))
    values = result["latency"]
    print(f"busy day: {args.doctors} doctors, every patient due by 10:30 checked in; "
          f"terminal {width}x{height}, {result['cards']} doctors on the board")
    print(f"open kiosk until the board is on screen: {result['open'] * 1000:7.1f} ms")
    print(f"desk calls next -> number on the board:  median "
          f"{statistics.median(values) * 1000:6.1f} ms, worst {max(values) * 1000:6.1f} ms "
          f"over {len(values)} calls  (target < 1000 ms; poll every 0.4 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
