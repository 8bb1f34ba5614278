"""Why every write transaction on SQLite starts with BEGIN IMMEDIATE: measured.

Runs the concurrency test's workload (4 spawned desks, each booking 110
patients with every source, some emergencies and cancels, into the same four
slots of two doctors) on a fresh SQLite file, several times, over three
setups of the same engine code:

- project:             opd_tui.db.connect (BEGIN IMMEDIATE for every write)
- sqlalchemy-default:  create_engine(url) as SQLAlchemy's docs start: pysqlite
                       opens its transaction at the first write, so a
                       booking's reads (is there a free seat?) run outside it
- deferred-begin:      a plain BEGIN around everything: a read snapshot that
                       another desk's commit makes stale fails its first write
                       with "database is locked", busy timeout or not

and prints one JSON object: per setup, the errors the desks saw, how many
"database is locked" failures happened (the engine retries them, so they cost
time instead of failing the booking; without that retry each is an error),
seats taken beyond capacity (not counting overbooked emergencies), runs in
which an invariant of SPEC §3 broke, and bookings per second.

    python tests/benchmarks/bench_begin_immediate.py [--runs 5] [--bookings 110]

tests/test_concurrency.py proves the same mechanisms deterministically.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _proc_workers as workers  # noqa: E402


def measure(setup: str, runs: int, bookings: int, desks: int) -> dict[str, object]:
    rows = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="opd-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'opd.sqlite3'}"
            plan = workers.prepare_day(url, bookings)
            rows.append(workers.audit(url, workers.run_desks(url, setup, plan, desks=desks)))
    return {
        "runs": runs,
        "requests_per_run": rows[0]["requests"],
        "errors": sum(r["errors"] for r in rows),
        "database_is_locked": [r["locked_seen"] for r in rows],
        "seats_over_capacity": [r["seats_over_capacity"] for r in rows],
        "duplicate_numbers": sum(r["duplicate_numbers"] for r in rows),
        "runs_with_broken_invariant": sum(1 for r in rows if r["invariant_broken"]),
        "first_broken_invariant": next(
            (r["invariant_broken"] for r in rows if r["invariant_broken"]), None
        ),
        "bookings_per_second": round(
            statistics.median(r["bookings_answered"] / r["seconds"] for r in rows), 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bookings", type=int, default=110, help="per desk")
    parser.add_argument("--desks", type=int, default=4)
    args = parser.parse_args()
    result = {
        "workload": f"{args.desks} desks x {args.bookings} bookings (+ ~12% cancels), "
                    "2 doctors x 2 slots of capacity 20, SQLite file",
        **{setup: measure(setup, args.runs, args.bookings, args.desks)
           for setup in workers.ENGINE_SETUPS},
    }
    text = json.dumps(result, indent=2)
    # Lists of per-run counts on one line each.
    print(re.sub(r"\[\s+([\d,\s]+?)\s+\]", lambda m: f"[{' '.join(m.group(1).split())}]", text))


if __name__ == "__main__":
    main()
