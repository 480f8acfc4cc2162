"""Jobs under faults, on a frozen clock: a worker that died holding a claim, a handler that
runs long, failures over hours, permanent errors, waits that must end, errors kept masked."""
import datetime as dt
import threading

from sqlalchemy import select

from shared import jobs
from shared.extensions import db
from shared.jobs import PermanentError
from shared.jobs import RetryLater
from shared.jobs import claim
from shared.jobs import enqueue
from shared.jobs import run_one
from shared.models import Job
from shared.types import JobState

LEASE = dt.timedelta(seconds=30)


def the_job(session) -> Job:
    session.expire_all()
    [item] = session.scalars(select(Job)).all()
    session.commit()
    return item


def run(session, app) -> bool:
    session.commit()  # the test's own transaction ends: the worker needs the write lock
    return run_one(app)


def run_until_settled(session, app, clock, limit=200) -> int:
    """Run the job each time it is due until it is done or failed; how many runs."""
    for runs in range(1, limit + 1):
        assert run(session, app)
        item = the_job(session)
        if item.state is not JobState.PENDING:
            return runs
        clock.move_to(item.run_after)
    raise AssertionError("the job never settled")


# -- leases --------------------------------------------------------------------------------

def test_the_lease_is_the_configured_one_well_under_a_minute(app):
    assert jobs.lease_of(app.config) == LEASE


def test_a_job_claimed_by_a_worker_that_died_runs_once_its_lease_expires(
        app, session, handlers, clock):
    ran = []
    handlers["noop"] = lambda app: ran.append(1)
    enqueue(session, "noop")
    session.commit()
    assert claim(session, LEASE) is not None  # ... and its process was killed
    clock.advance(seconds=29)
    assert run(session, app) is False and ran == []  # still held
    clock.advance(seconds=2)
    assert run(session, app) is True and ran == [1]
    item = the_job(session)
    assert item.state is JobState.DONE and item.attempts == 2
    assert item.lease_token is None and item.lease_expires_at is None


def test_a_worker_that_lost_its_lease_cannot_finish_the_job(app, session, handlers, clock):
    enqueue(session, "noop")
    session.commit()
    stalled = claim(session, LEASE)  # a worker frozen past its lease
    clock.advance(seconds=31)
    second = claim(session, LEASE)
    assert second is not None and second.token != stalled.token
    jobs._finish(session, stalled)
    assert the_job(session).state is JobState.RUNNING  # the new claim holds it
    jobs._after_failure(session, stalled, RuntimeError("late"), app.config)
    item = the_job(session)
    assert item.state is JobState.RUNNING and item.last_error is None
    jobs._finish(session, second)
    assert the_job(session).state is JobState.DONE


def test_a_heartbeat_keeps_a_long_job_claimed(app, session, handlers, clock, monkeypatch):
    """A download that outlasts the lease: the heartbeat renews it, so no other worker
    takes the job meanwhile."""
    monkeypatch.setattr(jobs, "heartbeat_seconds", lambda lease: 0.01)
    runs, other_worker = [], []

    def lease_expires_at():
        with db.engine.connect() as connection:
            return connection.scalar(select(Job.lease_expires_at))

    def long_download(app):
        runs.append(1)
        if len(runs) > 1:
            return  # run by the other worker: the claim was lost
        for _ in range(3):
            clock.advance(seconds=20)
            renewed = clock.now + LEASE
            assert wait_for(lambda: lease_expires_at() >= renewed), "no heartbeat"
        thread = threading.Thread(target=lambda: other_worker.append(run_one(app)))
        thread.start()
        thread.join()

    handlers["long_download"] = long_download
    enqueue(session, "long_download")
    assert run(session, app)
    assert other_worker == [False] and runs == [1]
    item = the_job(session)
    assert item.state is JobState.DONE and item.attempts == 1


def wait_for(predicate, timeout=10.0):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


# -- retries over hours --------------------------------------------------------------------

def test_failures_are_retried_over_the_whole_window_then_shown_as_failed(
        app, session, handlers, clock):
    handlers["twilio_down"] = lambda app: (_ for _ in ()).throw(ConnectionError("down"))
    enqueue(session, "twilio_down")
    started = clock.now
    runs = run_until_settled(session, app, clock)
    item = the_job(session)
    window = dt.timedelta(hours=app.config["JOB_RETRY_WINDOW_HOURS"])
    assert item.state is JobState.FAILED and item.attempts == runs
    assert window <= item.finished_at - started <= window + dt.timedelta(minutes=1)
    assert 15 <= runs <= 30  # about 11 in the first 3 hours, then one every 3 hours
    assert "ConnectionError: down" in item.last_error


def test_the_retry_window_is_configurable(app, session, handlers, clock, config):
    config(JOB_RETRY_WINDOW_HOURS=2)
    handlers["twilio_down"] = lambda app: (_ for _ in ()).throw(ConnectionError("down"))
    enqueue(session, "twilio_down")
    started = clock.now
    run_until_settled(session, app, clock)
    assert the_job(session).finished_at - started == dt.timedelta(hours=2)


def test_a_permanent_error_is_not_retried(app, session, handlers, clock):
    handlers["invalid_number"] = lambda app: (_ for _ in ()).throw(
        PermanentError("21211 invalid number"))
    enqueue(session, "invalid_number")
    assert run_until_settled(session, app, clock) == 1
    item = the_job(session)
    assert item.state is JobState.FAILED and item.attempts == 1


def test_a_wait_is_bounded_and_polled_less_and_less_often(app, session, handlers, clock):
    handlers["call_goes_on"] = lambda app: (_ for _ in ()).throw(
        RetryLater("the call goes on", max_wait=dt.timedelta(hours=4)))
    enqueue(session, "call_goes_on")
    started = clock.now
    polls = run_until_settled(session, app, clock)
    item = the_job(session)
    assert item.state is JobState.FAILED and "gave up waiting" in item.last_error
    assert dt.timedelta(hours=4) <= item.finished_at - started <= dt.timedelta(hours=4, minutes=5)
    assert polls < 80  # not 960 polls of 15 s
    assert item.attempts == 0  # waiting is no failure of the job's own


def test_failed_jobs_can_be_run_again_with_a_fresh_window(app, session, handlers, clock):
    twilio = {"up": False}

    def send(app):
        if not twilio["up"]:
            raise ConnectionError("down")

    handlers["send"] = send
    enqueue(session, "send")
    run_until_settled(session, app, clock)  # a whole window of outage
    assert [j.id for j in jobs.failed(session)] == [the_job(session).id]
    [again] = jobs.retry(session)
    session.commit()
    assert run(session, app)  # still down: tried again later, not failed at once
    item = the_job(session)
    assert item.state is JobState.PENDING and item.attempts == 1
    twilio["up"] = True
    clock.move_to(item.run_after)
    assert run(session, app)
    assert the_job(session).state is JobState.DONE and jobs.failed(session) == []


# -- errors kept masked --------------------------------------------------------------------

def test_twilio_error_text_is_masked_in_last_error_and_logs(app, session, handlers, clock,
                                                            caplog):
    handlers["sms"] = lambda app: (_ for _ in ()).throw(RuntimeError(
        "Unable to create record: The 'To' number +212612345678 is not a valid phone number"))
    enqueue(session, "sms")
    run(session, app)
    item = the_job(session)
    assert "612345678" not in item.last_error and "78 is not a valid" in item.last_error
    assert "612345678" not in caplog.text and "is not a valid" in caplog.text


def test_a_phone_number_percent_encoded_in_a_url_is_masked_too():
    import requests
    error = requests.ConnectionError(
        "HTTPSConnectionPool(host='api.twilio.com', port=443): Max retries exceeded with url: "
        "/2010-04-01/Accounts/AC1/Messages.json?To=%2B212612345678&PageSize=20")
    described = jobs.describe(error)
    assert "612345678" not in described and "ConnectionError" in described


def test_the_lease_and_the_retry_window_come_from_the_environment(tmp_path):
    from shared.config import load_config
    config = load_config(tmp_path, {"JOB_LEASE_SECONDS": "10", "JOB_RETRY_WINDOW_HOURS": "48"})
    assert (config["JOB_LEASE_SECONDS"], config["JOB_RETRY_WINDOW_HOURS"]) == (10, 48)
    defaults = load_config(tmp_path, {})
    assert (defaults["JOB_LEASE_SECONDS"], defaults["JOB_RETRY_WINDOW_HOURS"]) == (30, 36)
