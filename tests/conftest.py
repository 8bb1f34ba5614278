"""Shared fixtures: engines on every backend, and the PostgreSQL database of this run.

PostgreSQL tests read a server URL from OPD_TEST_PG_URL. Each test run (each
xdist worker) creates a database of its own on that server and drops it at the
end, so runs never see each other's data; between tests its tables are emptied.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from opd_tui.engine import AllocationEngine

PG_ENV = "OPD_TEST_PG_URL"


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
