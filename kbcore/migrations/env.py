"""Alembic environment: run the migrations on the connection that ``Store.upgrade`` passes in."""

from __future__ import annotations

from alembic import context

from kbcore.db import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
