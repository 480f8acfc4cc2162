"""Engine tuning: SQLite in WAL with immediate transactions, so concurrent writers wait
their turn instead of failing with "database is locked"."""
import threading

from sqlalchemy import event
from sqlalchemy import exc
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def engine_options(url: str) -> dict:
    """Extra create_engine arguments for the database at `url`."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                 "check_same_thread": False}}
    return {"pool_size": 10, "max_overflow": 20}


class WriterTurns:
    """Hands SQLite's one write lock from thread to thread of this process as soon as it is
    free. Left to SQLite, waiting threads poll with sleeps of up to 100 ms (its busy
    handler), which under load turns into second-long, unfair waits. Other processes
    (a `flask jobs work`) still meet SQLite's busy timeout."""

    KEY = "holds_writer_turn"

    def __init__(self, timeout: float):
        self._lock = threading.Lock()
        self.timeout = timeout

    def take(self, info: dict) -> None:
        if not self._lock.acquire(timeout=self.timeout):
            raise exc.OperationalError("BEGIN IMMEDIATE", {}, TimeoutError(
                f"database is locked: no write turn in {self.timeout} s"))
        info[self.KEY] = True

    def give_back(self, info: dict) -> None:
        if info.pop(self.KEY, False):
            self._lock.release()


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

    turns = WriterTurns(SQLITE_BUSY_TIMEOUT_SECONDS)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A transaction that reads then writes must hold the write lock from the start,
        # or SQLite answers SQLITE_BUSY at once, whatever the busy timeout.
        turns.take(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            turns.give_back(connection.info)
            raise

    # The turn passes on when the transaction ends, however it ends.
    def on_end(connection):
        turns.give_back(connection.info)

    def on_pool_reset(_dbapi_connection, record, _reset_state):
        turns.give_back(record.info)

    def on_pool_release(_dbapi_connection, record, _exception=None):
        if record is not None:
            turns.give_back(record.info)

    event.listen(engine, "commit", on_end)
    event.listen(engine, "rollback", on_end)
    event.listen(engine.pool, "reset", on_pool_reset)
    for name in ("checkin", "close", "invalidate"):
        event.listen(engine.pool, name, on_pool_release)
