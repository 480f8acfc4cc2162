"""Recurring jobs: the deadline check (hourly) and retention (daily) are ordinary jobs
enqueued once per period, whatever the number of workers: each period's job has the unique
key `every:<name>:<period number>`, so the first worker to enqueue it wins and the others
find it there. Workers that run jobs (the in-process threads, `flask jobs work`) call
`tick` as they poll; it looks at the database once a minute at most."""
from __future__ import annotations

import datetime as dt
import logging
import threading

from .extensions import db
from .models import utcnow

log = logging.getLogger(__name__)
EXTENSION = "schedule"  # app.extensions["schedule"]: {job name: period}
CHECK_EVERY = dt.timedelta(minutes=1)


def every(app, name: str, period: dt.timedelta | None) -> None:
    """Run the job `name` once per `period` (None or zero: never on its own)."""
    if period:
        app.extensions.setdefault(EXTENSION, {})[name] = period


def periods(app) -> dict[str, dt.timedelta]:
    return app.extensions.get(EXTENSION, {})


def slot(now: dt.datetime, period: dt.timedelta) -> int:
    """The number of the period `now` falls in (counted from the epoch)."""
    return int(now.timestamp() // period.total_seconds())


def enqueue_due(app, now: dt.datetime | None = None) -> None:
    """Enqueue this period's job of every recurring job (once: a key per period)."""
    from .jobs import enqueue  # jobs' workers call this module
    now = now or utcnow()
    with app.app_context():
        session = db.session
        for name, period in periods(app).items():
            enqueue(session, name, unique_key=f"every:{name}:{slot(now, period)}",
                    max_attempts=5)
        session.commit()


class Ticker:
    """Calls `enqueue_due` at most once per CHECK_EVERY for all the threads of a process."""

    def __init__(self, app):
        self.app = app
        self.next_check = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        self.lock = threading.Lock()

    def tick(self) -> None:
        now = utcnow()
        with self.lock:
            if now < self.next_check:
                return
            self.next_check = now + CHECK_EVERY
        try:
            enqueue_due(self.app, now)
        except Exception:
            log.exception("recurring jobs not enqueued (tried again in a minute)")


def ticker(app) -> Ticker:
    """The process's one ticker for `app`."""
    return app.extensions.setdefault("schedule_ticker", Ticker(app))
