"""SQLite tuning: WAL, immediate transactions, and write turns handed from thread to thread."""
import threading
import time

import pytest
from sqlalchemy import create_engine
from sqlalchemy import exc
from sqlalchemy import text

from shared import database


@pytest.fixture()
def engine(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_SECONDS", 1)
    engine = create_engine(f"sqlite:///{tmp_path / 'turns.db'}",
                           **database.engine_options("sqlite://"))
    database.tune_engine(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def test_the_database_is_in_wal_with_durable_commits(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_writers_of_one_process_take_turns_and_lose_nothing(engine):
    def write(n):
        for _ in range(20):
            with engine.begin() as connection:
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


def test_a_second_transaction_of_the_same_thread_fails_instead_of_hanging(engine):
    with engine.begin():
        with pytest.raises(exc.OperationalError, match="database is locked"):
            with engine.begin():
                pass
