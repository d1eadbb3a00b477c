"""Alembic environment: migrations run on the connection the desk hands over (``store.upgrade``)."""

from __future__ import annotations

from alembic import context

from reopen_sim.desk.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
