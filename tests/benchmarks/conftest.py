"""The benchmarks are scripts run by hand (`python tests/benchmarks/bench_engine.py`),
never part of the test run: nothing in this folder is collected."""

collect_ignore_glob = ["*.py"]
