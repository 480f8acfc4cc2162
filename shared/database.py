"""Engine tuning: SQLite in WAL with immediate transactions, so concurrent writers wait
their turn instead of failing with "database is locked"."""
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def engine_options(url: str) -> dict:
    """Extra create_engine arguments for the database at `url`."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                 "check_same_thread": False}}
    return {"pool_size": 10, "max_overflow": 20}


def tune_engine(engine: Engine) -> None:
    """Apply the SQLite pragmas and the BEGIN IMMEDIATE recipe (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy issue BEGIN itself (pysqlite's own BEGIN is deferred and
        # emitted too late), then turn on WAL and durable commits.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A transaction that reads then writes must hold the write lock from the start,
        # or SQLite answers SQLITE_BUSY at once, whatever the busy timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
