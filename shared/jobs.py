"""Background jobs kept in the database (a transactional outbox).

A job is enqueued in the same transaction as what caused it (a case filed -> its SMS), so
it exists exactly when the cause does. A worker (a thread in the web process by default,
or `flask jobs work` as its own process) claims due jobs, runs them and retries failures
with exponential backoff. PostgreSQL claims with SKIP LOCKED so several workers share.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import will_write
from .extensions import db
from .models import Job
from .models import utcnow
from .types import JobState

log = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[..., None]] = {}
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600
STALE_RUNNING = dt.timedelta(minutes=15)
RETRY_LATER_DELAY = dt.timedelta(seconds=15)
RETRY_LATER_MAX_AGE = dt.timedelta(days=1)


class RetryLater(Exception):
    """A job asks to run again later without counting as a failure of its own."""


def job(name: str):
    """Register a job handler: `@job("send_sms") def send_sms(app, **args)`."""
    def register(fn):
        HANDLERS[name] = fn
        return fn
    return register


def enqueue(session: Session, name: str, unique_key: str | None = None,
            delay: dt.timedelta = dt.timedelta(0), max_attempts: int = 8, **args) -> Job:
    """Add a job to the caller's transaction; with `unique_key`, only once ever."""
    if unique_key is not None:
        will_write(session)  # SQLite: the look-up is current, and the insert then its own
        existing = session.scalar(select(Job).where(Job.unique_key == unique_key))
        if existing is not None:
            return existing
    item = Job(name=name, args=args, unique_key=unique_key, run_after=utcnow() + delay,
               max_attempts=max_attempts, state=JobState.PENDING, attempts=0)
    if unique_key is None:
        session.add(item)
        return item
    # Two transactions may enqueue the same key at once (a webhook and its retry): the
    # second insert waits for the first, then fails in its own savepoint only, and the
    # job the first wrote is returned instead of failing the caller's whole transaction.
    session.flush()  # the caller's own pending changes, outside the savepoint
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        existing = session.scalar(select(Job).where(Job.unique_key == unique_key))
        if existing is None:
            raise
        return existing
    return item


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1),
                                    BACKOFF_MAX_SECONDS))


def _claim(session: Session) -> tuple[int, str, dict] | None:
    now = utcnow()
    query = (select(Job)
             .where(((Job.state == JobState.PENDING) & (Job.run_after <= now))
                    | ((Job.state == JobState.RUNNING) & (Job.run_after <= now - STALE_RUNNING)))
             .order_by(Job.run_after, Job.id).limit(1))
    # PostgreSQL: workers skip each other's jobs; SQLite: the claim holds the write turn.
    query = query.with_for_update(skip_locked=True)
    item = session.scalar(query)
    if item is None:
        session.rollback()
        return None
    item.state, item.attempts, item.run_after = JobState.RUNNING, item.attempts + 1, now
    # Read before the commit expires them: reloading after it would open a transaction
    # that lasts as long as the handler (on SQLite, the write lock held all that time).
    claimed = (item.id, item.name, dict(item.args or {}))
    session.commit()
    return claimed


def run_one(app) -> bool:
    """Claim and run one due job; False when none is due."""
    with app.app_context():
        session = db.session
        claimed = _claim(session)
        if claimed is None:
            return False
        job_id, name, args = claimed
        handler = HANDLERS.get(name)
        try:
            if handler is None:
                raise LookupError(f"no handler for job {name!r}")
            handler(app, **args)
        except Exception as exc:
            session.rollback()
            _after_failure(session.get(Job, job_id, with_for_update=True), exc)
        else:
            item = session.get(Job, job_id, with_for_update=True)
            item.state, item.finished_at, item.last_error = JobState.DONE, utcnow(), None
        session.commit()
        return True


def _after_failure(item: Job, exc: Exception) -> None:
    """Schedule the job again, or give it up: a RetryLater waits without using an attempt,
    but not forever (a status callback that never came); a failure backs off."""
    item.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    if isinstance(exc, RetryLater):
        item.attempts -= 1
        give_up = utcnow() - item.created_at > RETRY_LATER_MAX_AGE
        delay = RETRY_LATER_DELAY
    else:
        give_up = item.attempts >= item.max_attempts
        delay = backoff(item.attempts)
    if give_up:
        item.state, item.finished_at = JobState.FAILED, utcnow()
        log.error("job %s #%s failed for good: %s", item.name, item.id, item.last_error)
    else:
        item.state, item.run_after = JobState.PENDING, utcnow() + delay
        level = logging.INFO if isinstance(exc, RetryLater) else logging.WARNING
        log.log(level, "job %s #%s not done (attempt %s), tried again later: %s",
                item.name, item.id, item.attempts, item.last_error)


def run_pending(app, limit: int = 1000) -> int:
    """Run due jobs until none is left (or `limit`); returns how many ran."""
    count = 0
    while count < limit and run_one(app):
        count += 1
    return count


class Worker(threading.Thread):
    """Polls for due jobs; started in the web process unless JOB_WORKER=none."""

    def __init__(self, app, poll_seconds: float = 1.0):
        super().__init__(name="jobs-worker", daemon=True)
        self.app, self.poll_seconds = app, poll_seconds
        self.stopping = threading.Event()
        self.wake = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                ran = run_one(self.app)
            except Exception:
                log.exception("job worker error")
                ran = False
            if not ran:
                self.wake.wait(self.poll_seconds)
                self.wake.clear()

    def stop(self):
        self.stopping.set()
        self.wake.set()
        self.join(timeout=10)
