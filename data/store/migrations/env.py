"""Alembic environment: runs migrations on the connection handed over by ``data.storage``."""
from alembic import context

from data.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through data.storage.migrate(), which supplies a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
