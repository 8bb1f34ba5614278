"""Alembic environment: runs on the connection `opd_tui.db.migrate` hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from opd_tui.db.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI
    raise SystemExit("run migrations through opd_tui.db.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two desks starting at once on a new database take turns upgrading it.
        connection.execute(text("SELECT pg_advisory_xact_lock(7400311)"))
    context.run_migrations()
