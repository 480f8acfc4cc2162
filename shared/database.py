"""Engine tuning: every database wait bounded (so a webhook answers within Twilio's 15 s
whatever the database does), no bound parameter in error messages (they carry personal
data), and SQLite in WAL where only transactions that write take the process's write turn.

SQLite transactions are decided at their first statement: a write (INSERT, UPDATE, DELETE,
DDL) or a SELECT ... FOR UPDATE begins IMMEDIATE with the write turn; a plain read begins
DEFERRED, without it, and never waits for a writer (WAL). A read transaction that later
locks starts again with the turn (it has written nothing); one that later writes is
upgraded in place. `will_write(session)` says a transaction will write before it reads.

SQLite commits wait for the disk (synchronous=FULL), but those of a webhook that wrote only
where a call is (`call_progress(session)`): see there.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy import exc
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session


@dataclass(frozen=True)
class Limits:
    """How long a database wait may last (seconds), and the pool's size."""
    lock_timeout: float = 3
    statement_timeout: float = 5
    connect_timeout: float = 3
    idle_in_transaction_timeout: float = 30
    pool_size: int = 10
    pool_timeout: float = 3

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(lock_timeout=config["DB_LOCK_TIMEOUT"],
                   statement_timeout=config["DB_STATEMENT_TIMEOUT"],
                   connect_timeout=config["DB_CONNECT_TIMEOUT"],
                   idle_in_transaction_timeout=config["DB_IDLE_IN_TRANSACTION_TIMEOUT"],
                   pool_size=config["DB_POOL_SIZE"], pool_timeout=config["DB_POOL_TIMEOUT"])


def engine_options(url: str, limits: Limits = Limits()) -> dict:
    """Extra create_engine arguments for the database at `url`."""
    # A failed INSERT would otherwise quote a citizen's name, CIN and complaint in the
    # exception text, hence in logs and error reports.
    options = {"hide_parameters": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": limits.lock_timeout, "check_same_thread": False}
        if url.rstrip("/") in ("sqlite:", "sqlite://") or ":memory:" in url:
            return options  # one in-memory database per connection: no pool to size
    elif url.startswith("postgresql"):
        options["connect_args"] = postgresql_connect_args(url, limits)
    # A connection for every thread that may want one at once: none waits for another's.
    return {**options, "pool_size": limits.pool_size, "max_overflow": 10,
            "pool_timeout": limits.pool_timeout}


def postgresql_connect_args(url: str, limits: Limits) -> dict:
    """libpq's connect timeout and the server-side timeouts, sent at connection time.
    `options` given in the URL (e.g. a search_path) are kept."""
    def ms(seconds: float) -> int:
        return max(1, round(seconds * 1000))
    settings = (f"-c lock_timeout={ms(limits.lock_timeout)} "
                f"-c statement_timeout={ms(limits.statement_timeout)} "
                f"-c idle_in_transaction_session_timeout="
                f"{ms(limits.idle_in_transaction_timeout)}")
    given = make_url(url).query.get("options")
    if isinstance(given, tuple):
        given = " ".join(given)
    return {
        # libpq counts whole seconds, at least 2.
        "connect_timeout": max(2, round(limits.connect_timeout)),
        "options": f"{given} {settings}" if given else settings,
    }


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
        if info.get(self.KEY):
            return
        if not self._lock.acquire(timeout=self.timeout):
            raise exc.OperationalError("BEGIN IMMEDIATE", {}, TimeoutError(
                f"database is locked: no write turn in {self.timeout} s"))
        info[self.KEY] = True

    def give_back(self, info: dict) -> None:
        if info.pop(self.KEY, False):
            self._lock.release()


# The state of a SQLite connection's transaction, in connection.info.
STATE = "sqlite_transaction"
PENDING, READING, WRITING = "pending", "reading", "writing"
LOCK_NEXT = "sqlite_lock_next"          # will_write(): the next statement locks
SAVEPOINTS = "sqlite_savepoints"        # how many are open
PROGRESS_NEXT = "sqlite_progress_next"  # call_progress(): for the transaction to begin
SYNCHRONOUS = "sqlite_synchronous"      # the connection's level now (FULL unless set)
UNSYNCED = "sqlite_unsynced_write"      # such a transaction wrote more than call progress
WAL_PATH = "sqlite_wal_path"
FULL, NORMAL = "FULL", "NORMAL"
# Rows that only say where a live call is (and the language its number chose): a power
# loss that takes the last of them takes the calls in progress with it anyway.
PROGRESS_TABLES = frozenset({"calls", "caller_preferences"})
WRITE_WORDS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})


def writes(statement: str, context) -> bool:
    """Whether a statement writes (DML or DDL)."""
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in WRITE_WORDS


def locks(context) -> bool:
    """Whether a statement is a SELECT ... FOR UPDATE: SQLite does not render FOR UPDATE,
    but the compiled Select still carries it."""
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    return getattr(statement, "_for_update_arg", None) is not None


def will_write(session: Session | scoped_session | Connection) -> None:
    """Say that the transaction is going to write what it reads from now on. On SQLite its
    next statement then takes the write turn, as a SELECT ... FOR UPDATE does; what it read
    before may be older than what it reads next (as on PostgreSQL). No-op elsewhere."""
    connection = session if isinstance(session, Connection) else session.connection()
    if connection.dialect.name == "sqlite" and connection.info.get(STATE) != WRITING:
        connection.info[LOCK_NEXT] = True


def call_progress(session: Session | scoped_session | Connection) -> None:
    """Say that the transaction about to begin is an IVR webhook's: it writes where a call
    is (PROGRESS_TABLES) and maybe more (a case filed, a job). On SQLite it then commits
    without waiting for the disk (synchronous=NORMAL) when it wrote call progress only:
    that survives the process being killed, and the next durable commit (WAL frames are
    synced in order) or checkpoint puts it on disk; only a power loss in between takes
    it, when the calls in progress are cut anyway. If it wrote anything else, the WAL is
    synced before its commit returns, as under FULL (a case is on disk before its
    reference is read back), after the write turn is handed on: commits no longer queue
    behind each other's fsync. No-op on PostgreSQL, where commits do not wait for each
    other and every commit stays synchronous."""
    connection = session if isinstance(session, Connection) else session.connection()
    if connection.dialect.name == "sqlite" and connection.info.get(STATE) == PENDING:
        connection.info[PROGRESS_NEXT] = True


def written_table(context) -> str | None:
    """The table an ORM or Core INSERT/UPDATE/DELETE writes; None when unknown (text SQL)."""
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    table = getattr(statement, "table", None)
    return getattr(table, "name", None)


def sync_wal(info: dict) -> None:
    """fsync the database's write-ahead log: what synchronous=FULL does at each commit."""
    path = info.get(WAL_PATH)
    if path is None:
        return  # in memory
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def run(cursor, sql: str) -> None:
    """Run `sql` from an event listener, its errors wrapped as SQLAlchemy's would be (so
    "database is locked" is an OperationalError to whoever handles them)."""
    try:
        cursor.execute(sql)
    except sqlite3.Error as error:
        wrapped = exc.DBAPIError.instance(sql, None, error, sqlite3.Error,
                                          hide_parameters=True)
        raise wrapped from error


def tune_engine(engine: Engine, limits: Limits = Limits()) -> None:
    """Apply the SQLite pragmas and transactions described below (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        # Autocommit at the driver: the listeners below issue BEGIN themselves (pysqlite's
        # own BEGIN is deferred, emitted too late, and never IMMEDIATE). Then WAL (readers
        # never wait for the writer) and durable commits.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={FULL}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(limits.lock_timeout * 1000)}")
        path = cursor.execute("PRAGMA database_list").fetchone()[2]
        if path:
            record.info[WAL_PATH] = f"{path}-wal"
        cursor.close()

    turns = WriterTurns(limits.lock_timeout)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Nothing is sent yet: the first statement decides how the transaction begins.
        connection.info[STATE] = PENDING

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(connection, cursor, statement, _parameters, context, _executemany):
        info = connection.info
        state = info.get(STATE)
        writing = writes(statement, context)
        if state is not None and state != WRITING:
            if state == PENDING:
                set_synchronous(info, cursor, NORMAL if info.pop(PROGRESS_NEXT, False)
                                else FULL)
            begin(info, cursor, state, info.pop(LOCK_NEXT, False) or locks(context), writing)
        if writing and info.get(SYNCHRONOUS) == NORMAL \
                and written_table(context) not in PROGRESS_TABLES:
            info[UNSYNCED] = True
        count_savepoints(info, statement)

    def set_synchronous(info, cursor, level: str) -> None:
        # Only between transactions (SQLite refuses inside one): before each BEGIN.
        if info.get(SYNCHRONOUS, FULL) != level:
            run(cursor, f"PRAGMA synchronous={level}")
            info[SYNCHRONOUS] = level

    def begin(info, cursor, state, locking: bool, writing: bool) -> None:
        if not locking and not writing:
            if state == PENDING:
                run(cursor, "BEGIN")  # deferred: no lock, a snapshot at the first read
                info[STATE] = READING
            return
        turns.take(info)
        try:
            if state == PENDING:
                # It writes: it holds the write lock from the start, so what it reads
                # is what it writes over.
                run(cursor, "BEGIN IMMEDIATE")
            elif locking and not info.get(SAVEPOINTS):
                # A read transaction that now locks has written nothing: it starts again
                # with the lock, and what it reads from now on is current, as after
                # PostgreSQL's FOR UPDATE.
                run(cursor, "COMMIT")
                run(cursor, "BEGIN IMMEDIATE")
            # Else a read transaction writes (or locks inside a savepoint, which a new
            # start would lose): SQLite upgrades it, or says BUSY_SNAPSHOT if another
            # commit came since its first read (the caller should have locked first: a
            # FOR UPDATE read or will_write).
        except Exception:
            turns.give_back(info)
            raise
        info[STATE] = WRITING

    def count_savepoints(info, statement: str) -> None:
        # SQLAlchemy never uses a savepoint again once rolled back to.
        if statement.startswith("SAVEPOINT "):
            info[SAVEPOINTS] = info.get(SAVEPOINTS, 0) + 1
        elif statement.startswith(("RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")):
            info[SAVEPOINTS] = info.get(SAVEPOINTS, 0) - 1

    # The turn passes on when the transaction ends, however it ends.
    def end(info: dict) -> None:
        for key in (STATE, LOCK_NEXT, SAVEPOINTS, PROGRESS_NEXT, UNSYNCED):
            info.pop(key, None)
        turns.give_back(info)

    def on_commit(connection):
        # Commit here rather than after this event (SQLAlchemy's own commit then finds
        # nothing to do): the next writer gets the turn once SQLite has committed (and, at
        # FULL, synced), not while it commits, when its BEGIN IMMEDIATE would sleep in
        # SQLite's busy handler. A call-progress transaction that wrote more syncs the WAL
        # after handing on the turn: its own answer waits for the disk, the next writer not.
        info = connection.info
        unsynced = info.get(STATE) == WRITING and info.get(UNSYNCED)
        if info.get(STATE) in (READING, WRITING):
            connection.exec_driver_sql("COMMIT")
        end(info)
        if unsynced:
            sync_wal(info)  # more than call progress: on disk before the commit returns

    def on_rollback(connection):
        end(connection.info)

    def on_pool_reset(_dbapi_connection, record, _reset_state):
        end(record.info)

    def on_pool_release(_dbapi_connection, record, _exception=None):
        if record is not None:
            end(record.info)

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    event.listen(engine.pool, "reset", on_pool_reset)
    for name in ("checkin", "close", "invalidate"):
        event.listen(engine.pool, name, on_pool_release)
