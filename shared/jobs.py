"""Background jobs kept in the database (a transactional outbox).

A job is enqueued in the same transaction as what caused it (a case filed -> its SMS), so
it exists exactly when the cause does. A worker (a thread in the web process by default,
or `flask jobs work` as its own process) claims a due job under a short lease, renewed
by a heartbeat while the handler runs: a job claimed by a process that died is taken
again once its lease expires (JOB_LEASE_SECONDS). Failures are retried with exponential
backoff over a window of hours (JOB_RETRY_WINDOW_HOURS); permanent errors are not
retried. Failed jobs stay visible (`flask jobs failed`) and can be run again
(`flask jobs retry`). PostgreSQL claims with SKIP LOCKED so several workers share.

Each package registers its handlers at app start (`register(app, name, handler)`).
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import traceback
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote_plus

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import will_write
from .extensions import db
from .logs import mask_personal_data
from .models import Job
from .models import utcnow
from .types import JobState

log = logging.getLogger(__name__)
Handler = Callable[..., None]
EXTENSION = "jobs"  # app.extensions["jobs"]: {job name: handler}
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3 * 3600
# A job that waits (RetryLater) is polled often at first, then every few minutes.
WAIT_DELAY_MIN = dt.timedelta(seconds=15)
WAIT_DELAY_MAX = dt.timedelta(minutes=5)
DEFAULT_MAX_WAIT = dt.timedelta(hours=1)
ERROR_MAX_CHARS = 2000


class RetryLater(Exception):
    """A job asks to run again later without counting as a failure of its own, for at most
    `max_wait` from its first wait; past that it fails (visibly, and can be re-run)."""

    def __init__(self, reason: str, max_wait: dt.timedelta = DEFAULT_MAX_WAIT):
        super().__init__(reason)
        self.max_wait = max_wait


class PermanentError(Exception):
    """A failure that trying again cannot mend (an invalid number): never retried."""


@dataclass(frozen=True)
class Claim:
    """What a worker holds of a claimed job; the token proves the claim is still its own."""
    id: int
    name: str
    args: dict
    token: str


def register(app, name: str, handler: Handler) -> None:
    """Make `handler(app, **args)` run the jobs called `name` in this app."""
    app.extensions.setdefault(EXTENSION, {})[name] = handler


def handlers(app) -> dict[str, Handler]:
    return app.extensions.setdefault(EXTENSION, {})


def enqueue(session: Session, name: str, unique_key: str | None = None,
            delay: dt.timedelta = dt.timedelta(0), max_attempts: int = 50, **args) -> Job:
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
    """5 s, 10 s, 20 s ... doubling up to a few hours."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** min(attempts - 1, 30),
                                    BACKOFF_MAX_SECONDS))


def wait_delay(waited: dt.timedelta) -> dt.timedelta:
    """A quarter of the time waited so far, between 15 s and 5 min: a call that ends soon
    is noticed soon, and a long wait costs a few dozen polls, not thousands."""
    return min(max(waited / 4, WAIT_DELAY_MIN), WAIT_DELAY_MAX)


def lease_of(config) -> dt.timedelta:
    return dt.timedelta(seconds=config["JOB_LEASE_SECONDS"])


def heartbeat_seconds(lease: dt.timedelta) -> float:
    """Renew three times per lease: one late heartbeat does not lose the claim."""
    return lease.total_seconds() / 3


def claim(session: Session, lease: dt.timedelta) -> Claim | None:
    """Take the next due job (or one whose claim expired) under a fresh lease."""
    now = utcnow()
    query = (select(Job)
             .where(((Job.state == JobState.PENDING) & (Job.run_after <= now))
                    | ((Job.state == JobState.RUNNING) & (Job.lease_expires_at <= now)))
             .order_by(Job.run_after, Job.id).limit(1))
    # PostgreSQL: workers skip each other's jobs; SQLite: the claim holds the write turn.
    query = query.with_for_update(skip_locked=True)
    item = session.scalar(query)
    if item is None:
        session.rollback()
        return None
    if item.state is JobState.RUNNING:
        log.warning("job %s #%s: the claim of a worker that stopped expired; run again",
                    item.name, item.id)
    item.state, item.attempts = JobState.RUNNING, item.attempts + 1
    item.lease_token, item.lease_expires_at = secrets.token_hex(16), now + lease
    # Read before the commit expires them: reloading after it would open a transaction
    # that lasts as long as the handler (on SQLite, the write lock held all that time).
    claimed = Claim(item.id, item.name, dict(item.args or {}), item.lease_token)
    session.commit()
    return claimed


def renew(engine: Engine, claimed: Claim, lease: dt.timedelta) -> bool:
    """Push the claim's lease forward; False when the claim is no longer this worker's."""
    with engine.begin() as connection:
        result = connection.execute(
            update(Job)
            .where(Job.id == claimed.id, Job.lease_token == claimed.token,
                   Job.state == JobState.RUNNING)
            .values(lease_expires_at=utcnow() + lease))
    return result.rowcount == 1


class Heartbeat:
    """Renews a claim's lease from its own thread while the handler runs (a long recording
    download), on its own connection. Not joined on exit: a last beat after the job ended
    matches no claim and changes nothing."""

    def __init__(self, engine: Engine, claimed: Claim, lease: dt.timedelta):
        self.engine, self.claimed, self.lease = engine, claimed, lease
        self.stopped = threading.Event()

    def __enter__(self):
        threading.Thread(target=self._beat, name=f"job-{self.claimed.id}-heartbeat",
                         daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()

    def _beat(self):
        while not self.stopped.wait(heartbeat_seconds(self.lease)):
            try:
                if not renew(self.engine, self.claimed, self.lease):
                    log.warning("job #%s: lease lost while running", self.claimed.id)
                    return
            except Exception:
                log.exception("job #%s: lease not renewed", self.claimed.id)


def run_one(app) -> bool:
    """Claim and run one due job; False when none is due."""
    with app.app_context():
        session = db.session
        lease = lease_of(app.config)
        claimed = claim(session, lease)
        if claimed is None:
            return False
        handler = handlers(app).get(claimed.name)
        try:
            with Heartbeat(db.engine, claimed, lease):
                if handler is None:
                    raise LookupError(f"no handler for job {claimed.name!r}")
                handler(app, **claimed.args)
        except Exception as exc:
            session.rollback()
            _after_failure(session, claimed, exc, app.config)
        else:
            _finish(session, claimed)
        return True


def _finish(session: Session, claimed: Claim) -> None:
    """Mark the job done with the handler's writes, if the claim is still this worker's."""
    done = session.execute(
        update(Job).where(Job.id == claimed.id, Job.lease_token == claimed.token)
        .values(state=JobState.DONE, finished_at=utcnow(), last_error=None,
                lease_token=None, lease_expires_at=None))
    if done.rowcount != 1:
        session.rollback()
        log.warning("job %s #%s finished after its lease was lost: left to its new claim",
                    claimed.name, claimed.id)
        return
    session.commit()


def describe(exc: BaseException) -> str:
    """The error as kept in `jobs.last_error` and logs: one line, personal data masked
    (Twilio's messages quote the phone number they refused; a connection error quotes the
    URL, whose query may hold it percent-encoded: To=%2B212...)."""
    text = unquote_plus("".join(traceback.format_exception_only(exc)).strip())
    return mask_personal_data(text)[:ERROR_MAX_CHARS]


def _after_failure(session: Session, claimed: Claim, exc: Exception, config) -> None:
    """Schedule the job again, or give it up: a RetryLater waits without using an attempt,
    up to its own limit; a permanent error is given up at once; any other failure backs
    off, within the retry window."""
    item = session.scalar(select(Job).where(Job.id == claimed.id,
                                            Job.lease_token == claimed.token)
                          .with_for_update())
    if item is None:
        session.rollback()
        log.warning("job %s #%s failed after its lease was lost: left to its new claim",
                    claimed.name, claimed.id)
        return
    now = utcnow()
    item.last_error = describe(exc)
    item.lease_token = item.lease_expires_at = None
    if isinstance(exc, RetryLater):
        item.attempts -= 1
        item.waiting_since = item.waiting_since or now
        waited = now - item.waiting_since
        give_up, delay = waited >= exc.max_wait, wait_delay(waited)
        if give_up:
            item.last_error = f"gave up waiting after {waited}: {item.last_error}"
    elif isinstance(exc, PermanentError):
        give_up, delay = True, dt.timedelta(0)
    else:
        item.failing_since = item.failing_since or now
        window_ends = item.failing_since + dt.timedelta(hours=config["JOB_RETRY_WINDOW_HOURS"])
        give_up = item.attempts >= item.max_attempts or now >= window_ends
        delay = min(backoff(item.attempts), window_ends - now)  # a last try at the end
    if give_up:
        item.state, item.finished_at = JobState.FAILED, now
        log.error("job %s #%s failed for good after %s attempts (`flask jobs retry %s` runs "
                  "it again): %s", item.name, item.id, item.attempts, item.id, item.last_error)
    else:
        item.state, item.run_after = JobState.PENDING, now + delay
        level = logging.INFO if isinstance(exc, RetryLater) else logging.WARNING
        log.log(level, "job %s #%s not done (attempt %s), tried again in %s: %s",
                item.name, item.id, item.attempts, delay, item.last_error)
    session.commit()


def run_pending(app, limit: int = 1000) -> int:
    """Run due jobs until none is left (or `limit`); returns how many ran."""
    count = 0
    while count < limit and run_one(app):
        count += 1
    return count


def failed(session: Session) -> list[Job]:
    """Jobs given up, newest first."""
    return list(session.scalars(select(Job).where(Job.state == JobState.FAILED)
                                .order_by(Job.finished_at.desc(), Job.id.desc())))


def retry(session: Session, ids: list[int] | None = None) -> list[Job]:
    """Make failed jobs (those of `ids`, or all) due now with fresh attempts and windows."""
    query = select(Job).where(Job.state == JobState.FAILED)
    if ids is not None:
        query = query.where(Job.id.in_(ids))
    items = list(session.scalars(query.order_by(Job.id)))
    for item in items:
        item.state, item.run_after, item.finished_at = JobState.PENDING, utcnow(), None
        item.attempts, item.failing_since, item.waiting_since = 0, None, None
    return items


class Worker(threading.Thread):
    """Polls for due jobs; started in the web process unless JOB_WORKER=none."""

    def __init__(self, app, poll_seconds: float = 1.0, schedule: bool = False):
        super().__init__(name="jobs-worker", daemon=True)
        self.app, self.poll_seconds = app, poll_seconds
        # With `schedule`, it also enqueues the recurring jobs when due (shared/schedule.py).
        self.schedule = schedule
        self.stopping = threading.Event()
        self.wake = threading.Event()

    def run(self):
        from .schedule import ticker
        while not self.stopping.is_set():
            if self.schedule:
                ticker(self.app).tick()
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
