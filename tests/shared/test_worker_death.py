"""kill -9 of a real worker process in the middle of an SMS send (Twilio took the message,
its answer had not come): another worker runs the job once the lease expires, and the
citizen still gets one SMS."""
import signal
import time

from sqlalchemy import select

from shared import jobs
from shared import sms
from shared.models import Job
from shared.models import SmsMessage
from shared.types import JobState
from tests.shared.helpers import file_case

LEASE_SECONDS = 3
from tests.support.job_worker import start_job_worker


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_worker_killed_mid_send_leaves_one_sms_sent_by_the_next(
        app, session, admin, fake_twilio, config, tmp_path):
    config(JOB_LEASE_SECONDS=LEASE_SECONDS)
    case = file_case(session, admin)
    sms.schedule_filed_sms(session, case)
    session.commit()
    fake_twilio.stall_next, fake_twilio.stall_seconds = 1, 60  # Twilio takes it, answers late
    worker = start_job_worker(app, fake_twilio, tmp_path, LEASE_SECONDS)
    try:
        assert wait_for(lambda: len(fake_twilio.sent) == 1), "the worker sent nothing"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    item = session.scalar(select(Job))
    assert item.state is JobState.RUNNING and item.attempts == 1
    session.commit()

    assert wait_for(lambda: jobs.run_one(app)), "the dead worker's claim never expired"
    session.expire_all()
    item = session.scalar(select(Job))
    assert item.state is JobState.DONE and item.attempts == 2
    assert len(fake_twilio.sent) == 1
    assert session.scalar(select(SmsMessage.message_sid)) == fake_twilio.sent[0]["sid"]
