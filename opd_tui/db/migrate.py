"""Bring any database up to the current schema with the migrations shipped here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from ..domain.errors import DatabaseUnavailable
from .connect import READ_ONLY
from .faults import database_name

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every schema revision this program has a migration for."""
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, create: bool = True) -> None:
    """Run pending migrations; a database already at `revision` is left alone.

    Refused (`DatabaseUnavailable`, nothing written): a schema made by a newer
    opd-tui, which this one cannot know how to read; with `create=False`, a
    database that has no schema yet.
    """
    target = head_revision() if revision == "head" else revision
    current = current_revision(engine)
    if current == target:
        return
    if current is not None and current not in known_revisions():
        raise DatabaseUnavailable(
            f"The database {database_name(engine.url)} was made by a newer opd-tui (schema "
            f"{current}); install that version (or newer) to open it."
        )
    if current is None and not create:
        raise DatabaseUnavailable(
            f"There is no OPD database in {database_name(engine.url)} yet; start the desk "
            "on it first: the desk creates it."
        )
    config = _config()
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # A migration may rebuild a table (Alembic's batch mode), which SQLite
            # refuses while foreign keys are enforced; the switch works only
            # outside a transaction, so it goes to the driver before BEGIN.
            _driver(connection).execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _driver(connection).execute("PRAGMA foreign_keys=ON")


def _driver(connection: Connection) -> Any:
    """The sqlite3 connection under SQLAlchemy's, for a switch SQLite takes only
    outside a transaction."""
    driver = connection.connection.driver_connection
    assert driver is not None
    return driver
