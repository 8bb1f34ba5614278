"""Where the database lives, how connections to it behave, and how it is opened.

SQLite: every write transaction starts with BEGIN IMMEDIATE, so two desks on one
file queue for the write lock instead of failing with "database is locked"
half-way through a booking or over-filling a slot from a stale read. Reads use a
plain deferred BEGIN and run beside writers (WAL).

PostgreSQL: READ COMMITTED; the engine locks the slot rows it touches.

Busy: a command waits for a locked database (SQLite's busy timeout, PostgreSQL's
lock timeout) and is retried, all within one budget of 15 seconds: inside
`waiting_budget`, each transaction's wait is cut to what is left of it.

Opening (`open_database`) turns every way a database cannot be used into a
`DatabaseError` naming it (its URL without password) before anything runs on it.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from ..domain.errors import DatabaseCorrupt, DatabaseReadOnly, DatabaseUnavailable
from .faults import database_fault, database_name, watch

APP_NAME = "opd-tui"
#: SPEC §3: a busy database is waited for up to this long in all, then DatabaseBusy.
BUSY_BUDGET_SECONDS = 15.0
#: The longest one statement waits for a lock (SQLite busy timeout, PostgreSQL
#: lock timeout); inside `waiting_budget` it is cut to what is left of the budget.
BUSY_TIMEOUT_MS = 15_000
#: Seconds to wait for a PostgreSQL server to answer a new connection.
CONNECT_TIMEOUT_S = 10
#: Connection option that marks a read-only transaction (deferred BEGIN).
READ_ONLY = "opd_read_only"
#: Connection info: this transaction began holding SQLite's write lock (BEGIN
#: IMMEDIATE), so what it reads cannot change before it commits.
WRITE_LOCKED = "opd_write_locked"
SQLITE_HEADER = b"SQLite format 3\x00"
#: The files SQLite keeps beside a database, holding its latest pages.
SIDE_FILES = ("-wal", "-shm", "-journal")
SUPPORTED = "sqlite:///path/to/opd.sqlite3 or postgresql+psycopg://user@host/dbname"

_deadline: ContextVar[float | None] = ContextVar("opd_busy_deadline", default=None)


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_url(name: str = "opd.sqlite3") -> str:
    """The embedded database in the user's data directory."""
    return f"sqlite:///{data_dir() / name}"


def is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and sqlite_file(url) is None


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, `file:` URIs included; None for a database in memory."""
    database = url.database or ""
    if url.query.get("uri") in ("true", "1") and database.startswith("file:"):
        if url.query.get("mode") == "memory":
            return None
        database = unquote(urlsplit(database).path)
    if database in ("", ":memory:"):
        return None
    return Path(database).expanduser()


# -- waiting for a busy database ------------------------------------------------


@contextmanager
def waiting_budget(seconds: float) -> Iterator[float]:
    """Every lock wait inside shares one deadline, `seconds` from now (or the
    enclosing block's): yields the deadline, in `time.monotonic()` seconds."""
    outer = _deadline.get()
    if outer is not None:
        yield outer
        return
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def _wait_ms() -> int:
    """How long the next statement may wait for a lock, in milliseconds.

    A first try has (within a few milliseconds) the whole budget: it keeps the
    connection's own timeout, so a command sends nothing extra to set it.
    """
    deadline = _deadline.get()
    if deadline is None:
        return BUSY_TIMEOUT_MS
    left = int((deadline - time.monotonic()) * 1000)
    return BUSY_TIMEOUT_MS if left >= BUSY_TIMEOUT_MS - 50 else max(1, left)


# -- SQLite ---------------------------------------------------------------------


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
    deadline = time.monotonic() + _wait_ms() / 1000
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
    path = sqlite_file(url)
    if path is None:
        # One shared connection: the default pool would give every thread its
        # own empty in-memory database.
        engine = create_engine(
            url,
            poolclass=StaticPool,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "isolation_level": None},
        )
    else:
        if url.database and url.database.startswith("~"):
            url = url.set(database=str(path))
        engine = create_engine(
            url,
            hide_parameters=True,
            connect_args={"isolation_level": None, "timeout": BUSY_TIMEOUT_MS / 1000},
        )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if path is not None:
            _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # noqa: ANN001
        # Within a command's budget the lock wait is cut to what is left of it
        # (straight to the driver: it is not part of the transaction).
        wait, info = _wait_ms(), connection.connection.info
        if info.get("busy_ms", BUSY_TIMEOUT_MS) != wait:
            connection.connection.driver_connection.execute(f"PRAGMA busy_timeout={wait}")
            info["busy_ms"] = wait
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
        info[WRITE_LOCKED] = not read_only

    return engine


# -- PostgreSQL -----------------------------------------------------------------


def _postgres_engine(url: URL) -> Engine:
    lock_timeout = f"-c lock_timeout={BUSY_TIMEOUT_MS}"
    options = url.query.get("options")
    if isinstance(options, tuple):
        options = " ".join(options)
    connect_args: dict[str, Any] = {
        "options": f"{options} {lock_timeout}" if options else lock_timeout
    }
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    engine = create_engine(
        url,
        isolation_level="READ COMMITTED",
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args=connect_args,
    )

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # noqa: ANN001
        wait = _wait_ms()
        if wait < BUSY_TIMEOUT_MS:  # a retry: only what is left of the budget
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")

    return engine


def connect(url: str | URL | None) -> Engine:
    """A SQLAlchemy engine for `url` (default: the embedded SQLite file)."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(parsed)
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = _postgres_engine(parsed)
    else:
        raise DatabaseUnavailable(
            f"{database_name(parsed)} is a kind of database opd-tui does not work on "
            f"({backend}); use {SUPPORTED}."
        )
    watch(engine)
    return engine


# -- opening, with every check first ----------------------------------------------


def _masked(text: str) -> str:
    """`text` with anything that looks like a password (`user:secret@`) hidden."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def parse_url(url: str | URL | None) -> URL:
    """`url` (default: the embedded file) parsed, or DatabaseUnavailable."""
    if isinstance(url, URL):
        return url
    text = url or default_url()
    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        raise DatabaseUnavailable(
            f"{_masked(text)!r} is not a database URL; give one like {SUPPORTED}."
        ) from None


def open_database(url: str | URL | None, *, create: bool = True) -> tuple[Engine, list[str]]:
    """A checked engine for `url` (default: the embedded file) and notices of what
    was put right on the way (a file others could read, made private).

    Refused with a `DatabaseError` naming the database: a URL that is not one, a
    kind of database or driver this program lacks, a file that is not a
    database or cannot be read, a folder a new file cannot be made in, a server
    that cannot be reached, and (SQLite's quick check) a damaged file. With
    `create=False` a file that does not exist is refused, and nothing is made.
    """
    parsed = parse_url(url)
    name = database_name(parsed)
    engine = _engine_for(parsed, name)  # before any file is made: the driver may be missing
    path = sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
    try:
        notices: list[str] = []
        if path is not None:  # a read-only URI (mode=ro) can make nothing either
            notices = _prepare_file(path, name, create=create and parsed.query.get("mode") != "ro")
        _check(engine, name, quick_check=path is not None)
    except DBAPIError as error:
        engine.dispose()
        raise _opening_fault(error, name, path) from None
    except BaseException:
        engine.dispose()
        raise
    return engine, notices


def _engine_for(url: URL, name: str) -> Engine:
    try:
        return connect(url)
    except NoSuchModuleError:
        raise DatabaseUnavailable(
            f"{name} names a kind of database or driver opd-tui does not know "
            f"({url.drivername}); use {SUPPORTED}."
        ) from None
    except ImportError:
        raise DatabaseUnavailable(
            f"The driver for {name} ({url.drivername}) is not installed; use {SUPPORTED}."
        ) from None
    except ArgumentError:
        raise DatabaseUnavailable(
            f"{name} cannot be used as a database URL; give one like {SUPPORTED}."
        ) from None


def _prepare_file(path: Path, name: str, *, create: bool) -> list[str]:
    """Check an existing file (a database, readable, private) or make a new one."""
    if not path.exists():
        if not create:
            raise DatabaseUnavailable(
                f"There is no database at {name}; check the URL (--db or OPD_DB_URL), "
                "or start the desk on it first: the desk creates it."
            )
        try:
            _create_private_file(path)
        except OSError as error:
            raise _cannot_create(error, name, path) from None
        return []
    if path.is_dir():
        raise DatabaseUnavailable(f"{name} is a folder, not a database file; give the file's path.")
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise DatabaseUnavailable(
            f"Cannot read the database {name}: {error.strerror or 'no access'}. Run opd-tui "
            "as the user who owns the file, or ask IT to let this user read and write it."
        ) from None
    if not head and not create:
        raise DatabaseUnavailable(
            f"The file of {name} is empty: there is no database in it yet; start the desk "
            "on it first: the desk creates it."
        )
    if head and head != SQLITE_HEADER:
        raise DatabaseUnavailable(
            f"{name} is not a database file (it holds something else); check the path."
        )
    return _make_private(path)


def _cannot_create(error: OSError, name: str, path: Path) -> Exception:
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DatabaseReadOnly(
            f"Cannot create the database {name}: the folder {path.parent} cannot be written "
            "to. Give a path in a folder this user can write to (--db)."
        )
    return DatabaseUnavailable(
        f"Cannot create the database {name}: {error.strerror or error}. Check the path (--db)."
    )


def _make_private(path: Path) -> list[str]:
    """Take away others' access to a database and its side files; say so once."""
    loose = []
    for file in [path, *(path.with_name(path.name + end) for end in SIDE_FILES)]:
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            loose.append((file, mode))
    if not loose:
        return []
    failed = None
    for file, mode in loose:
        try:
            os.chmod(file, mode & 0o700)
        except OSError as error:
            failed = error
    if failed is not None:
        modes = ", ".join(f"{file.name} {mode:04o}" for file, mode in loose)
        notice = (
            f"{path} can be read by other users ({modes}) and could not be made private "
            f"({failed.strerror}); ask IT to make it readable by its owner only (chmod 600)."
        )
        return [notice]
    tightened = ", ".join(f"{file.name} {mode:04o} -> {mode & 0o700:04o}" for file, mode in loose)
    notice = f"Made {path} readable by its owner only ({tightened}): it holds patients' names."
    return [notice]


def _check(engine: Engine, name: str, *, quick_check: bool) -> None:
    """Connect once (so a fault shows now, not at the first booking); on a SQLite
    file, run SQLite's quick integrity check."""
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        if not quick_check:
            return
        with conn.begin():
            found = conn.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if found != ["ok"]:
        first = " ".join(str(found[0]).split())[:120] if found else "no answer"
        raise DatabaseCorrupt(
            f"The database {name} is damaged (SQLite's check found: {first}). Stop using it "
            "and restore it from a backup (or ask IT to repair it)."
        )


def _opening_fault(error: DBAPIError, name: str, path: Path | None) -> Exception:
    fault = database_fault(error, name)
    cannot_open = str(getattr(error.orig, "sqlite_errorname", "")).startswith("SQLITE_CANTOPEN")
    if (
        (cannot_open or isinstance(fault, DatabaseReadOnly))
        and path is not None
        and path.exists()
        and not os.access(path.parent, os.W_OK)
    ):
        return DatabaseReadOnly(
            f"Cannot open the database {name}: its folder {path.parent} cannot be written "
            "to, and SQLite keeps its journal files beside the database. Let this user "
            "write to the folder."
        )
    return fault or DatabaseUnavailable(
        f"Cannot open the database {name}; check the URL and that the database is reachable."
    )
