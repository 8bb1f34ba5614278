"""The database's own faults, in words the desk (and the IT person) can act on.

SQLite and PostgreSQL report a locked file, a full disk, a dropped connection
or a damaged file as driver errors. `database_fault` turns each into the
`DatabaseError` that says what happened to which database and what to do.
Messages name the database by its URL without password and never quote a
statement or its parameters, so no patient's name or phone reaches a screen, a
log line or a traceback (every engine also has `hide_parameters`).

`watch(engine)` marks every driver error of an engine with the database it came
from, so code that only sees the error (the retry loop) can still name it.
"""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import DBAPIError, OperationalError

from ..domain.errors import (
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseReadOnly,
    DatabaseUnavailable,
)

#: What an unmarked error is called (an error from outside a watched engine).
SOME_DATABASE = "the database"
_MARK = "opd_database"

#: PostgreSQL: serialization failure, deadlock, lock timeout. Run again.
_PG_CONTENDED = {"40001", "40P01", "55P03"}
#: PostgreSQL: the server went away, is shutting down or not yet up.
_PG_GONE = {"57P01", "57P02", "57P03", "53300"}
_PG_READ_ONLY = {"25006"}
_PG_FULL = {"53100"}
_PG_CORRUPT = {"XX001", "XX002"}

#: Why a PostgreSQL connection was refused, from libpq's words to the desk's.
_CONNECT_REASONS = (
    ("connection refused", "the server refused the connection"),
    ("timeout expired", "the server did not answer in time"),
    ("could not translate host name", "the server's name is unknown"),
    ("name or service not known", "the server's name is unknown"),
    ("password authentication failed", "the user name or password was not accepted"),
    ("no password supplied", "the server wants a password"),
    ("does not exist", "the server has no such database or user"),
    ("no pg_hba.conf entry", "the server does not let this computer in"),
    ("too many connections", "the server has too many connections open"),
    ("the database system is starting up", "the server is still starting"),
    ("the database system is shutting down", "the server is shutting down"),
)


def database_name(url: URL | str) -> str:
    """How a message names a database: its URL without the password."""
    if isinstance(url, str):
        return url
    return url.render_as_string(hide_password=True)


def watch(engine: Engine) -> None:
    """Mark every driver error of `engine` with the database's name."""
    name = database_name(engine.url)

    @event.listens_for(engine, "handle_error")
    def _mark(context: ExceptionContext) -> None:
        if context.sqlalchemy_exception is not None:
            setattr(context.sqlalchemy_exception, _MARK, name)


def named(error: DBAPIError) -> str:
    """The database `error` came from (as `watch` marked it)."""
    return getattr(error, _MARK, SOME_DATABASE)


def _sqlite_code(error: DBAPIError) -> str:
    return getattr(error.orig, "sqlite_errorname", "") or ""


def _sqlstate(error: DBAPIError) -> str:
    return getattr(error.orig, "sqlstate", None) or ""


def _driver_text(error: DBAPIError) -> str:
    return str(error.orig).lower()


def is_contended(error: DBAPIError) -> bool:
    """A busy or locked database, or a transaction that lost a race: run it again."""
    code = _sqlite_code(error)
    if code:
        return code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    if _sqlstate(error) in _PG_CONTENDED:
        return True
    text = _driver_text(error)
    return "database is locked" in text or "database is busy" in text


def is_lost_connection(error: DBAPIError) -> bool:
    """The connection dropped (server restart, network, administrator)."""
    return bool(error.connection_invalidated) or _sqlstate(error) in {"57P01", "57P02"}


def lost_before_commit(error: DBAPIError) -> bool:
    """The connection dropped while a statement ran, not while committing: the
    server rolled the transaction back, so running it again cannot do it twice."""
    return is_lost_connection(error) and error.statement is not None


def connect_reason(error: DBAPIError) -> str:
    """Why a connection could not be made, in a few plain words."""
    text = _driver_text(error)
    for words, reason in _CONNECT_REASONS:
        if words in text:
            return reason
    return "the server did not accept the connection"


def busy(database: str, seconds: float | None = None) -> DatabaseBusy:
    """Still locked when the time for waiting ran out."""
    waited = f" for {seconds:.0f} seconds" if seconds else ""
    return DatabaseBusy(
        f"The database {database} stayed busy{waited} (another desk is holding it); "
        "nothing was changed. Please try again."
    )


def database_fault(error: DBAPIError, database: str | None = None) -> DatabaseError | None:
    """The `DatabaseError` a driver error means, or None when it is not a fault of
    the database (a constraint the engine turns into a refusal of its own, or a bug).

    `database` defaults to the name `watch` marked the error with. Raise the
    result `from None`: the driver's error is not part of what the desk sees.
    """
    db = database or named(error)
    code, state, text = _sqlite_code(error), _sqlstate(error), _driver_text(error)
    if code.startswith("SQLITE_READONLY") or state in _PG_READ_ONLY or "readonly database" in text:
        return DatabaseReadOnly(
            f"The database {db} is read-only; nothing was changed. Check that the file and "
            "its folder can be written to (or that the server accepts writes)."
        )
    if code.startswith("SQLITE_FULL") or state in _PG_FULL or "disk is full" in text:
        return DatabaseUnavailable(
            f"The disk holding the database {db} is full; nothing was changed. "
            "Free some space on it, then try again."
        )
    if (code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or state in _PG_CORRUPT
            or "malformed" in text or "file is not a database" in text):
        return DatabaseCorrupt(
            f"The database {db} is damaged; nothing was changed. Stop using it and "
            "restore it from a backup (or ask IT to repair it)."
        )
    if is_contended(error):
        return busy(db)
    if code.startswith("SQLITE_CANTOPEN"):
        return DatabaseUnavailable(
            f"Cannot open the database {db}; check that the file and its folder exist "
            "and can be read and written."
        )
    if code.startswith("SQLITE_IOERR"):
        return DatabaseUnavailable(
            f"The disk holding the database {db} failed to read or write; nothing was "
            "changed. Check the disk, then try again."
        )
    if is_lost_connection(error):
        if error.statement is None and error.connection_invalidated:
            return DatabaseUnavailable(
                f"The connection to the database {db} was lost while a change was being "
                "saved; it may or may not have been made. Look it up before trying again."
            )
        return DatabaseUnavailable(
            f"The connection to the database {db} was lost and could not be made again; "
            "nothing was changed. Check the database server and the network."
        )
    if state in _PG_GONE or state.startswith("08") or (
        error.statement is None and not code and isinstance(error, OperationalError)
    ):
        return DatabaseUnavailable(
            f"Cannot reach the database {db}: {connect_reason(error)}. Check that the "
            "server is running and the URL is right."
        )
    return None

