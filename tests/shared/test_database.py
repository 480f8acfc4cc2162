"""Engine tuning: WAL, write turns taken only by transactions that write (SQLite), no bound
parameters in database errors, and every database wait bounded."""
import logging
import threading
import time

import pytest
from sqlalchemy import Column
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import create_engine
from sqlalchemy import exc
from sqlalchemy import select
from sqlalchemy import text

from shared import database
from shared.models import Case
from tests.shared.helpers import CIN
from tests.shared.helpers import file_case


LIMITS = database.Limits(lock_timeout=1)


@pytest.fixture()
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'turns.db'}",
                           **database.engine_options("sqlite://", LIMITS))
    database.tune_engine(engine, LIMITS)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def test_the_database_is_in_wal_with_durable_commits(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


T = Table("t", MetaData(), Column("n", Integer))


def test_writers_of_one_process_take_turns_and_lose_nothing(engine):
    def write(n):
        for _ in range(20):
            with engine.begin() as connection:
                database.will_write(connection)  # it reads, then writes what it read
                value = connection.execute(text("SELECT count(*) FROM t")).scalar()
                connection.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": value})
    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        values = connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all()
    # Each read-then-write saw every earlier write: no two transactions overlapped.
    assert values == list(range(160))


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_turn_passes_on_however_a_transaction_ends(engine, end):
    connection = engine.connect()
    connection.begin()
    connection.execute(text("INSERT INTO t (n) VALUES (1)"))
    getattr(connection, end)()
    if end != "close":
        connection.close()
    started = time.monotonic()
    with engine.begin() as other:  # would wait for the turn if it were not given back
        other.execute(text("INSERT INTO t (n) VALUES (2)"))
    assert time.monotonic() - started < 0.5


def test_a_second_writer_of_the_same_thread_fails_instead_of_hanging(engine):
    with engine.begin() as first:
        first.execute(text("INSERT INTO t (n) VALUES (1)"))
        with pytest.raises(exc.OperationalError, match="database is locked"):
            with engine.begin() as second:
                second.execute(text("INSERT INTO t (n) VALUES (2)"))


def test_a_read_is_not_blocked_by_a_writer_holding_the_turn(engine):
    with engine.begin() as writer:
        writer.execute(text("INSERT INTO t (n) VALUES (1)"))  # holds the turn
        # With the turn taken by every transaction, this would wait 1 s, then fail.
        with engine.connect() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
            assert reader.execute(select(T)).all() == []


def test_a_read_then_a_write_takes_the_turn_when_it_writes(engine):
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
        connection.execute(text("INSERT INTO t (n) VALUES (1)"))
        with pytest.raises(exc.OperationalError, match="database is locked"):
            with engine.begin() as other:
                other.execute(text("INSERT INTO t (n) VALUES (2)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t")).scalars().all() == [1]


def test_a_read_for_update_begins_with_the_turn(engine):
    with engine.begin() as locker:
        locker.execute(select(T).with_for_update())
        with pytest.raises(exc.OperationalError, match="database is locked"):
            with engine.begin() as other:
                other.execute(text("INSERT INTO t (n) VALUES (2)"))


def read_then_write_after_another_commit(engine, lock_first):
    with engine.begin() as connection:
        if lock_first:
            lock_first(connection)
        count = connection.execute(text("SELECT count(*) FROM t")).scalar()
        if not lock_first:  # with a lock, the other writer would wait for this one
            with engine.begin() as other:
                other.execute(text("INSERT INTO t (n) VALUES (0)"))
        connection.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": count + 1})


def test_an_unlocked_read_then_write_fails_rather_than_lose_an_update(engine):
    """SQLite's BUSY_SNAPSHOT: the caller should have locked first."""
    with pytest.raises(exc.OperationalError, match="database is locked"):
        read_then_write_after_another_commit(engine, lock_first=None)


@pytest.mark.parametrize("lock", [database.will_write,
                                  lambda connection: connection.execute(
                                      select(T).with_for_update())])
def test_a_transaction_that_locks_first_reads_what_it_writes_over(engine, lock):
    read_then_write_after_another_commit(engine, lock_first=lock)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t")).scalars().all() == [1]


def test_postgresql_gets_its_timeouts_at_connection_time_and_keeps_url_options():
    limits = database.Limits(lock_timeout=2, statement_timeout=4.5, connect_timeout=3,
                             idle_in_transaction_timeout=30, pool_size=40, pool_timeout=3)
    options = database.engine_options(
        "postgresql+psycopg://u@h/db?options=-csearch_path%3Dbench", limits)
    assert options["connect_args"] == {
        "connect_timeout": 3,
        "options": "-csearch_path=bench -c lock_timeout=2000 -c statement_timeout=4500 "
                   "-c idle_in_transaction_session_timeout=30000"}
    assert (options["pool_size"], options["pool_timeout"]) == (40, 3)
    assert options["hide_parameters"] is True


def test_a_database_error_names_no_personal_data(app_ctx, session, admin, caplog):
    """A forced integrity error (a reference drawn twice) on the app's own engine."""
    first = file_case(session, admin, description="Plainte de Fatima Zahra sur la CNSS")
    session.commit()
    twin = Case(**{column.key: getattr(first, column.key)
                   for column in Case.__table__.columns if column.key != "id"})
    session.add(twin)
    with pytest.raises(exc.IntegrityError) as raised:
        try:
            session.flush()
        except exc.IntegrityError:
            logging.getLogger("test").exception("filing failed")
            raise
    session.rollback()
    for personal in ("Fatima Zahra", CIN, "12 rue Oqba", "Plainte de"):
        assert personal not in str(raised.value)
        assert personal not in caplog.text
    assert "hidden due to hide_parameters" in str(raised.value)


def test_a_read_transaction_that_then_locks_reads_what_was_committed_meanwhile(engine):
    """As after PostgreSQL's FOR UPDATE: the locked read is current, and the write that
    follows succeeds (the read transaction started again, having written nothing)."""
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
        with engine.begin() as other:
            other.execute(text("INSERT INTO t (n) VALUES (1)"))
        assert connection.execute(select(T).with_for_update()).all() == [(1,)]
        connection.execute(text("INSERT INTO t (n) VALUES (2)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


CALLS = Table("calls", MetaData(), Column("n", Integer))  # a call-progress table's name


@pytest.fixture()
def fsyncs(engine, monkeypatch):
    """The files fsync'd by the app's own code (SQLite's own syncs are not seen)."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE calls (n INTEGER)"))
    synced = []
    real = database.os.fsync

    def fsync(descriptor):
        synced.append(database.os.readlink(f"/proc/self/fd/{descriptor}"))
        real(descriptor)
    monkeypatch.setattr(database.os, "fsync", fsync)
    return synced


def synchronous(connection) -> int:
    return connection.exec_driver_sql("PRAGMA synchronous").scalar()


def test_a_call_progress_transaction_commits_without_waiting_for_the_disk(engine, fsyncs):
    with engine.connect() as connection:
        with connection.begin():
            database.call_progress(connection)
            connection.execute(CALLS.insert().values(n=1))
            assert synchronous(connection) == 1  # NORMAL: no fsync at its commit
        with connection.begin():
            connection.execute(T.insert().values(n=2))
            assert synchronous(connection) == 2  # the next one waits for the disk again
    assert fsyncs == []


def test_a_call_progress_transaction_that_writes_more_is_synced_before_it_returns(engine,
                                                                                fsyncs):
    """Anything but call progress (a case, a job) is on disk when its commit returns,
    as under synchronous=FULL: the write-ahead log is synced."""
    with engine.connect() as connection:
        with connection.begin():
            database.call_progress(connection)
            connection.execute(CALLS.insert().values(n=1))
            connection.execute(T.insert().values(n=1))
        assert fsyncs and fsyncs[-1].endswith("turns.db-wal")
        with connection.begin():
            database.call_progress(connection)
            connection.execute(CALLS.insert().values(n=2))
    assert len(fsyncs) == 1
