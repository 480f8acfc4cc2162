"""Background jobs in the database: enqueued with their cause, run, retried, given up."""
import datetime as dt
import time

from sqlalchemy import func
from sqlalchemy import select

from shared.extensions import db
from shared.jobs import RetryLater
from shared.jobs import Worker
from shared.jobs import backoff
from shared.jobs import enqueue
from shared.jobs import run_one
from shared.jobs import run_pending
from shared.models import Case
from shared.models import Job
from shared.models import utcnow
from shared.types import JobState
from tests.shared.helpers import file_case


def jobs_in(session):
    session.expire_all()
    return session.scalars(select(Job).order_by(Job.id)).all()


def run_due(session, app, **kwargs):
    """run_pending, after ending the test's own transaction (on SQLite an open transaction
    holds the write lock the worker needs)."""
    session.commit()
    return run_pending(app, **kwargs)


def run_one_due(session, app):
    session.commit()
    return run_one(app)


def make_due(session, item):
    item.run_after = utcnow() - dt.timedelta(seconds=1)
    session.commit()


# -- enqueue -------------------------------------------------------------------------------

def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(session, admin):
    case = file_case(session, admin)
    enqueue(session, "send_filed_sms", reference=case.reference)
    session.rollback()
    assert jobs_in(session) == []


def test_a_job_is_committed_with_its_cause(session, admin):
    case = file_case(session, admin)
    enqueue(session, "send_filed_sms", reference=case.reference)
    session.commit()
    [item] = jobs_in(session)
    assert (item.name, item.args, item.state, item.attempts) == (
        "send_filed_sms", {"reference": case.reference}, JobState.PENDING, 0)
    assert item.max_attempts == 50 and item.run_after <= utcnow()


def test_a_delay_puts_the_job_later(session):
    item = enqueue(session, "later", delay=dt.timedelta(minutes=10))
    session.commit()
    assert item.run_after > utcnow() + dt.timedelta(minutes=9)


def test_unique_key_enqueues_once(session):
    first = enqueue(session, "send_filed_sms", unique_key="sms:1", reference="1")
    again = enqueue(session, "send_filed_sms", unique_key="sms:1", reference="2")
    assert again is first  # same transaction
    session.commit()
    later = enqueue(session, "send_filed_sms", unique_key="sms:1", reference="3")
    session.commit()
    assert later.id == first.id
    other = enqueue(session, "send_filed_sms", unique_key="sms:2", reference="2")
    session.commit()
    assert [j.unique_key for j in jobs_in(session)] == ["sms:1", "sms:2"]
    assert jobs_in(session)[0].args == {"reference": "1"} and other.id != first.id


def test_unique_key_is_kept_even_after_the_job_ran(app, session, handlers):
    handlers["noop"] = lambda app: None
    enqueue(session, "noop", unique_key="once")
    session.commit()
    assert run_due(session, app) == 1
    enqueue(session, "noop", unique_key="once")
    session.commit()
    assert run_due(session, app) == 0
    assert len(jobs_in(session)) == 1


def test_enqueue_keeps_the_callers_pending_work(session, admin):
    case = file_case(session, admin)
    enqueue(session, "send_filed_sms", unique_key=f"sms:{case.reference}",
            reference=case.reference)
    enqueue(session, "send_filed_sms", unique_key=f"sms:{case.reference}",
            reference=case.reference)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    assert len(jobs_in(session)) == 1


# -- running -------------------------------------------------------------------------------

def test_run_pending_runs_a_registered_handler(app, session, handlers):
    calls = []
    handlers["greet"] = lambda app, who, times: calls.append((app.name, who, times))
    enqueue(session, "greet", who="Amina", times=2)
    enqueue(session, "greet", who="Youssef", times=1)
    session.commit()

    assert run_due(session, app) == 2
    assert calls == [("shared", "Amina", 2), ("shared", "Youssef", 1)]
    for item in jobs_in(session):
        assert item.state is JobState.DONE and item.attempts == 1
        assert item.finished_at is not None and item.last_error is None
    assert run_due(session, app) == 0 and run_one_due(session, app) is False


def test_a_handlers_writes_commit_with_the_job(app, session, admin, handlers):
    reference = file_case(session, admin).reference

    def describe(app, reference):
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        case.transcript = "transcrit"

    handlers["describe"] = describe
    enqueue(session, "describe", reference=reference)
    session.commit()
    run_due(session, app)
    session.expire_all()
    assert session.scalar(select(Case)).transcript == "transcrit"


def test_jobs_that_are_not_due_wait(app, session, handlers):
    handlers["noop"] = lambda app: None
    enqueue(session, "noop", delay=dt.timedelta(hours=1))
    session.commit()
    assert run_due(session, app) == 0
    assert jobs_in(session)[0].state is JobState.PENDING


def test_backoff_doubles_and_is_capped_at_a_few_hours():
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert backoff(30) == backoff(1000) == dt.timedelta(hours=3)


def test_a_failing_handler_is_retried_with_backoff_then_failed(app, session, admin, handlers):
    reference = file_case(session, admin).reference
    session.commit()
    attempts = []

    def flaky(app, reference):
        attempts.append(reference)
        db.session.scalar(select(Case)).transcript = "half done"
        raise ConnectionError("Twilio unreachable")

    handlers["flaky"] = flaky
    enqueue(session, "flaky", max_attempts=3, reference=reference)
    session.commit()

    for attempt in (1, 2):
        started = utcnow()
        assert run_due(session, app) == 1  # not due again at once: one run only
        [item] = jobs_in(session)
        assert item.state is JobState.PENDING and item.attempts == attempt
        assert "ConnectionError: Twilio unreachable" in item.last_error
        expected = started + backoff(attempt)
        assert expected - dt.timedelta(seconds=2) <= item.run_after <= expected + \
            dt.timedelta(seconds=2)
        assert item.finished_at is None
        make_due(session, item)

    assert run_due(session, app) == 1
    [item] = jobs_in(session)
    assert item.state is JobState.FAILED and item.attempts == 3
    assert item.finished_at is not None and "Twilio unreachable" in item.last_error
    assert len(attempts) == 3
    # A failed job's partial writes were rolled back each time, and it never runs again.
    assert session.scalar(select(Case)).transcript is None
    make_due(session, item)
    assert run_due(session, app) == 0


def test_retry_later_never_fails_the_job(app, session, handlers):
    handlers["not_yet"] = lambda app: (_ for _ in ()).throw(RetryLater("call still going"))
    item = enqueue(session, "not_yet", max_attempts=2)
    session.commit()
    for _ in range(4):
        assert run_due(session, app) == 1
        [item] = jobs_in(session)
        assert item.state is JobState.PENDING and "call still going" in item.last_error
        assert item.run_after > utcnow()
        make_due(session, item)


def test_waiting_does_not_use_up_the_attempts_of_a_real_failure(app, session, handlers):
    outcomes = [RetryLater("not yet")] * 3 + [RuntimeError("Twilio down")]

    def flaky(app):
        raise outcomes.pop(0)

    handlers["flaky"] = flaky
    item = enqueue(session, "flaky", max_attempts=2)
    session.commit()
    for _ in range(4):
        run_due(session, app)
        make_due(session, jobs_in(session)[0])
    [item] = jobs_in(session)
    assert item.state is JobState.PENDING and item.attempts == 1  # one real failure so far


def test_retry_later_then_success(app, session, handlers):
    tries = []

    def eventually(app):
        tries.append(1)
        if len(tries) < 3:
            raise RetryLater("not ready")

    handlers["eventually"] = eventually
    enqueue(session, "eventually")
    session.commit()
    for _ in range(3):
        run_due(session, app)
        make_due(session, jobs_in(session)[0])
    [item] = jobs_in(session)
    assert item.state is JobState.DONE and item.last_error is None and len(tries) == 3


def test_a_job_without_a_handler_fails_after_its_attempts(app, session, handlers):
    enqueue(session, "nobody_handles_this", max_attempts=1)
    session.commit()
    assert run_due(session, app) == 1
    [item] = jobs_in(session)
    assert item.state is JobState.FAILED and "no handler" in item.last_error


def test_run_pending_stops_at_its_limit(app, session, handlers):
    handlers["noop"] = lambda app: None
    for _ in range(5):
        enqueue(session, "noop")
    session.commit()
    assert run_due(session, app, limit=2) == 2
    assert run_due(session, app) == 3


# -- the worker thread ---------------------------------------------------------------------

def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_worker_runs_jobs_and_stops_cleanly(app, session, handlers):
    ran = []
    handlers["noop"] = lambda app, n: ran.append(n)
    worker = Worker(app, poll_seconds=0.05)
    worker.start()
    try:
        enqueue(session, "noop", n=1)
        session.commit()
        worker.wake.set()
        assert wait_for(lambda: ran == [1])
        enqueue(session, "noop", n=2)
        session.commit()
        assert wait_for(lambda: ran == [1, 2])  # found by polling
    finally:
        started = time.monotonic()
        worker.stop()
    assert not worker.is_alive() and time.monotonic() - started < 5
    assert wait_for(lambda: all(j.state is JobState.DONE for j in jobs_in(session)))


def test_the_worker_survives_a_failing_job(app, session, handlers):
    ran = []

    def boom(app):
        ran.append("boom")
        raise RuntimeError("boom")

    handlers["boom"] = boom
    handlers["noop"] = lambda app: ran.append("noop")
    enqueue(session, "boom", max_attempts=1)
    enqueue(session, "noop")
    session.commit()
    worker = Worker(app, poll_seconds=0.05)
    worker.start()
    try:
        assert wait_for(lambda: "noop" in ran)
    finally:
        worker.stop()
    assert not worker.is_alive()
    states = {j.name: j.state for j in jobs_in(session)}
    assert states == {"boom": JobState.FAILED, "noop": JobState.DONE}


def test_a_running_handler_does_not_hold_the_database(app, session, handlers):
    """While a handler runs (an SMS sent, a recording downloaded), other requests can still
    write: the worker keeps no transaction open around it (SQLite: no write lock held)."""
    import threading
    wrote = threading.Event()

    def other_request():
        with app.app_context():
            enqueue(db.session, "noop")
            db.session.commit()
            db.session.remove()
            wrote.set()

    def slow(app):
        writer = threading.Thread(target=other_request)
        writer.start()
        assert wrote.wait(5), "another writer was blocked while the handler ran"
        writer.join()

    handlers["slow"] = slow
    handlers["noop"] = lambda app: None
    enqueue(session, "slow", max_attempts=1)
    session.commit()
    assert run_one_due(session, app)
    states = [j.state for j in jobs_in(session)]
    assert states[0] is JobState.DONE and len(states) == 2
