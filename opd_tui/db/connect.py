"""Where the database lives and how connections to it behave.

SQLite: every write transaction starts with BEGIN IMMEDIATE, so two desks on one
file queue for the write lock instead of failing with "database is locked"
half-way through a booking or over-filling a slot from a stale read. Reads use a
plain deferred BEGIN and run beside writers (WAL).

PostgreSQL: READ COMMITTED; the engine locks the slot rows it touches.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

APP_NAME = "opd-tui"
BUSY_TIMEOUT_MS = 10_000
#: Connection option that marks a read-only transaction (deferred BEGIN).
READ_ONLY = "opd_read_only"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_url(name: str = "opd.sqlite3") -> str:
    """The embedded database in the user's data directory."""
    return f"sqlite:///{data_dir() / name}"


def is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _create_private_file(path: Path) -> None:
    """A new database file readable by its owner only: it holds patient names."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch a file to WAL, waiting out other desks that open it at the same moment.

    The switch needs the file to itself, and SQLite answers "locked" at once
    instead of calling the busy handler when two connections race for it.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_engine(url: URL) -> Engine:
    if is_memory(url):
        # One shared connection: the default pool would give every thread its
        # own empty in-memory database.
        engine = create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False, "isolation_level": None},
        )
    else:
        assert url.database is not None
        _create_private_file(Path(url.database).expanduser())
        engine = create_engine(
            url,
            connect_args={"isolation_level": None, "timeout": BUSY_TIMEOUT_MS / 1000},
        )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not is_memory(url):
            _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # noqa: ANN001
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: URL) -> Engine:
    return create_engine(url, isolation_level="READ COMMITTED", pool_pre_ping=True)


def connect(url: str | URL | None) -> Engine:
    """A SQLAlchemy engine for `url` (default: the embedded SQLite file)."""
    parsed = make_url(url or default_url())
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return _postgres_engine(parsed)
    return create_engine(parsed)
