"""Benchmark of `opd-tui simulate compare` (issue 11, section Proofs).

    python tests/benchmarks/bench_compare.py [--doctors 10] [--seeds 20]
        [--vary capacity=8,10] [--workers 1,2]

Prints ONE JSON object on stdout (progress goes to stderr): the same comparison
(2 variants x 20 seeds x 10 doctors by default: 40 simulated days) played with
each number of worker processes, and for each

- ``seconds``: wall time of the whole comparison, worker start-up included;
- ``days_per_second``: simulated days finished per wall second;
- ``speed_up``: the one-worker time over this time;

plus ``same_output`` (every run printed the same bytes), the machine's CPUs and
load, and the target (issue 11: under 60 s on a 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

from opd_tui.simulation.compare import Comparison, run_comparison

TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doctors", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--vary", action="append", default=None,
                        help="as for compare (default capacity=8,10)")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    args = parser.parse_args()
    vary = args.vary or ["capacity=8,10"]
    comparison = Comparison.build({"doctors": args.doctors}, vary, seeds=args.seeds)
    days = len(comparison.tasks())
    runs: dict[str, Any] = {}
    outputs = []
    for workers in (int(w) for w in args.workers.split(",")):
        played = [0]

        def progress(_replication: object, workers: int = workers,
                     played: list[int] = played) -> None:
            played[0] += 1
            print(f"\r{workers} worker(s): {played[0]}/{days} days", end="", file=sys.stderr,
                  flush=True)

        started, cpu = time.perf_counter(), time.process_time()
        results = run_comparison(comparison, workers=workers, on_result=progress)
        seconds = time.perf_counter() - started
        print(file=sys.stderr)
        outputs.append(results.to_json())
        runs[f"workers_{workers}"] = {
            "seconds": round(seconds, 2),
            "days_per_second": round(days / seconds, 2),
            "main_process_cpu_seconds": round(time.process_time() - cpu, 2),
        }
    baseline = runs.get("workers_1", next(iter(runs.values())))["seconds"]
    for run in runs.values():
        run["speed_up"] = round(baseline / run["seconds"], 2)
        run["meets_target"] = run["seconds"] < TARGET_SECONDS
    figures = {
        "comparison": {"variants": [v.label for v in comparison.variants],
                       "seeds": args.seeds, "doctors": args.doctors, "days": days},
        **runs,
        "same_output": len(set(outputs)) == 1,
        "target_seconds": TARGET_SECONDS,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "command": "python tests/benchmarks/bench_compare.py " + " ".join(sys.argv[1:]),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
