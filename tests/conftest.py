"""Shared fixtures: engines on every backend, and the PostgreSQL database of this run;
how long a run is: Hypothesis profiles, slow tests, xdist workers.

PostgreSQL tests read a server URL from OPD_TEST_PG_URL. Each test run (each
xdist worker) creates a database of its own on that server and drops it at the
end, so runs never see each other's data; between tests its tables are emptied.

Two lengths of run:
- the README's `python -m pytest -n auto`: minutes. Tests marked `slow` (the
  multi-process races, the crash test, scale tests) are skipped, and Hypothesis
  uses its `default` profile (few examples, the stateful test's too).
- the full proof, as `.ci/run` does after the above:
  `HYPOTHESIS_PROFILE=ci python -m pytest -n auto --slow -m "slow or hypothesis"`.
  `--slow` (or OPD_SLOW=1) runs the slow tests; HYPOTHESIS_PROFILE picks the
  profile (`default` when unset, `ci` for the full number of examples). A test
  that runs Hypothesis without @given (run_state_machine_as_test) is marked
  `hypothesis` by hand so that the second run takes it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from opd_tui.engine import AllocationEngine

PG_ENV = "OPD_TEST_PG_URL"
SLOW_ENV = "OPD_SLOW"

# -- Hypothesis: short by default, the full proof in CI -----------------------------
# No deadline in either: a loaded machine makes examples slow, not wrong. Tests
# take their budget from the loaded profile (settings().max_examples), never a
# number of their own, so HYPOTHESIS_PROFILE=ci lengthens every one of them.
_NO_TIMING = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("default", max_examples=10, stateful_step_count=30, **_NO_TIMING)
settings.register_profile("ci", max_examples=150, stateful_step_count=40, print_blob=True,
                          **_NO_TIMING)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# -- slow tests: skipped unless asked for ------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False,
                     help=f"also run tests marked slow (or set {SLOW_ENV}=1)")


def _slow_wanted(config: pytest.Config) -> bool:
    return bool(config.getoption("--slow")) or os.environ.get(SLOW_ENV, "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _slow_wanted(config):
        return
    skip = pytest.mark.skip(reason=f"slow: run with --slow or {SLOW_ENV}=1 (.ci/run does)")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: two workers a core. Most of a TUI test is Textual's pilot sleeping
    until the app is idle, so one worker a core leaves the cores half idle."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    return 2 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                else (os.cpu_count() or 1))


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test does may touch the user's real OPD database."""
    home = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("OPD_DB_URL", raising=False)


@pytest.fixture
def engine() -> Iterator[AllocationEngine]:
    eng = AllocationEngine.open("sqlite:///:memory:")
    yield eng
    eng.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'opd.sqlite3'}"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A database of this run's own on the test server, dropped at the end."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    name = f"opd_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure means no server to use
        admin.dispose()
        pytest.skip(f"PostgreSQL at {PG_ENV} is not usable: {error}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    eng = create_engine(make_url(url))
    with eng.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('alembic_version', 'engine_clock')"
            )
        ).scalars().all()
        if tables:
            listed = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
        has_clock = conn.execute(text("SELECT to_regclass('engine_clock')")).scalar()
        if has_clock:
            conn.execute(text("UPDATE engine_clock SET now = NULL"))
    eng.dispose()


@pytest.fixture
def pg_url(pg_server_url: str) -> str:
    """The run's PostgreSQL database, emptied for this test."""
    AllocationEngine.open(pg_server_url).close()
    _empty_postgres(pg_server_url)
    return pg_server_url


@pytest.fixture(params=["sqlite-file", "postgres"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL on each durable backend: a SQLite file and PostgreSQL."""
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'opd.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def backend_engine(backend_url: str) -> Iterator[AllocationEngine]:
    eng = AllocationEngine.open(backend_url)
    yield eng
    eng.close()
