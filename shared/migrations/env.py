"""Alembic environment: runs on the connection handed over by shared/migrate.py."""
from alembic import context

from shared import models  # noqa: F401  (registers the tables)
from shared.extensions import db

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `flask db upgrade` (shared/migrate.py)")

context.configure(connection=connection, target_metadata=db.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
