"""Recurring jobs: one job per period whatever the number of workers; a worker asks the
database at most once a minute; the web process's workers schedule, plain workers do not."""
import datetime as dt
import time

from sqlalchemy import select

from shared import jobs
from shared import schedule
from shared.models import Job


def test_a_period_has_one_job(app, session):
    now = dt.datetime(2026, 1, 1, 10, 5, tzinfo=dt.timezone.utc)
    schedule.enqueue_due(app, now)
    schedule.enqueue_due(app, now + dt.timedelta(minutes=30))  # the same hour
    session.rollback()
    names = sorted(session.scalars(select(Job.name)))
    assert names == ["deadlines", "retention"]
    schedule.enqueue_due(app, now + dt.timedelta(hours=1))
    session.rollback()
    assert sorted(session.scalars(select(Job.name))) == ["deadlines", "deadlines", "retention"]


def test_the_ticker_looks_once_a_minute(app, monkeypatch):
    calls = []
    monkeypatch.setattr(schedule, "enqueue_due", lambda app, now: calls.append(now))
    clock = [dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)]
    monkeypatch.setattr(schedule, "utcnow", lambda: clock[0])
    ticker = schedule.Ticker(app)
    ticker.tick()
    ticker.tick()
    clock[0] += dt.timedelta(seconds=59)
    ticker.tick()
    assert len(calls) == 1
    clock[0] += dt.timedelta(seconds=1)
    ticker.tick()
    assert len(calls) == 2


def test_only_scheduling_workers_tick(app, monkeypatch):
    ticks = []
    monkeypatch.setattr(schedule.Ticker, "tick", lambda self: ticks.append(self))
    monkeypatch.setattr(jobs, "run_one", lambda app: False)
    for scheduling in (False, True):
        worker = jobs.Worker(app, poll_seconds=0.01, schedule=scheduling)
        worker.start()
        deadline = time.monotonic() + 2
        while not ticks and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.stop()
        assert bool(ticks) is scheduling
