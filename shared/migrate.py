"""Schema migrations with Alembic, driven from the app's own engine."""
from pathlib import Path

from alembic import command
from alembic.config import Config

from .extensions import db

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(revision: str = "head") -> None:
    """Bring the schema of the app's database to `revision` (in an app context)."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The app's statement timeout (a few seconds, for webhooks) is no limit for
            # building an index; its lock timeout still keeps a migration from queueing
            # the live traffic behind it.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        command.upgrade(alembic_config(connection), revision)


def revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    with db.engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
