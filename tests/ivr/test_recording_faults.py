"""Recordings under faults: a RecordingUrl off Twilio's API host, a RecordingSid not of
Twilio's shape, Twilio failing or slow, a call whose end never came."""
import datetime as dt

import pytest
from sqlalchemy import select

from ivr import recordings
from shared import jobs
from shared import twilio_rest
from shared.extensions import db
from shared.models import Call
from shared.models import Job
from shared.types import JobState
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.ivr.helpers import cases
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import record_name_mid_call
from tests.support.fake_twilio import FakeTwilio

RECORDINGS = f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Recordings/"
GOOD_SID = "RE" + "0123456789abcdef" * 2


@pytest.fixture()
def elsewhere():
    """Another server, standing for a host that is not Twilio's: it must hear nothing."""
    with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as other:
        yield other


def recording_jobs(app) -> list[Job]:
    with app.app_context():
        found = list(db.session.scalars(
            select(Job).where(Job.name == "fetch_recording").order_by(Job.id)))
        db.session.expunge_all()
        return found


def without_sms(app):
    """Leave only the recordings' jobs, so Twilio's faults hit their requests."""
    with app.app_context():
        for item in db.session.scalars(select(Job).where(Job.name != "fetch_recording")):
            db.session.delete(item)
        db.session.commit()


def run_all_due(app):
    """Run what is due now, then each retry as if its time had come."""
    for _ in range(5):
        jobs.run_pending(app)
        with app.app_context():
            for item in db.session.scalars(select(Job).where(Job.state == JobState.PENDING)):
                item.run_after = item.created_at
            db.session.commit()


@pytest.mark.parametrize("url", [
    "https://api.twilio.com.evil.example/2010-04-01/Accounts/AC1/Recordings/RE1",
    "https://api.twilio.com@evil.example/2010-04-01/Accounts/AC1/Recordings/RE1",
    "https://user:secret@api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
    "http://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
    "https://evil.example/2010-04-01/Accounts/AC1/Recordings/RE1",
    "file:///etc/passwd",
    "",
])
def test_urls_off_twilios_api_host_are_refused(app_ctx, url):
    with pytest.raises(twilio_rest.ForeignUrl):
        twilio_rest.api_url(url)


def test_twilios_api_host_is_moved_to_the_configured_base(app_ctx, config):
    config(TWILIO_API_BASE="http://127.0.0.1:8099")
    assert twilio_rest.api_url("https://api.twilio.com:443" + RECORDINGS + "RE1.wav") == \
        "http://127.0.0.1:8099" + RECORDINGS + "RE1.wav"
    assert twilio_rest.api_url("http://127.0.0.1:8099" + RECORDINGS + "RE1") == \
        "http://127.0.0.1:8099" + RECORDINGS + "RE1"


def test_a_recording_url_elsewhere_is_neither_queued_nor_fetched(
        app, caller, fake_twilio, elsewhere, caplog):
    file_by_phone(caller)
    caller.post("/ivr/recording", {"RecordingSid": GOOD_SID, "RecordingStatus": "completed",
                                   "RecordingUrl": elsewhere.base_url + RECORDINGS + GOOD_SID},
                keep=False)
    assert GOOD_SID not in [j.args["recording_sid"] for j in recording_jobs(app)]
    assert "is not Twilio's API host" in caplog.text
    with app.app_context():  # one queued before this check existed
        jobs.enqueue(db.session, "fetch_recording", call_sid=caller.call_sid,
                     recording_sid=GOOD_SID,
                     recording_url=elsewhere.base_url + RECORDINGS + GOOD_SID)
        db.session.commit()
    run_all_due(app)
    [refused] = [j for j in recording_jobs(app) if j.args["recording_sid"] == GOOD_SID]
    assert refused.state is JobState.FAILED and refused.attempts == 1
    assert elsewhere.requests == []  # the credentials never went there


@pytest.mark.parametrize("sid", [
    "../../../../etc/cron.d/x", "RE123", "RE" + "g" * 32, "re" + "0" * 32,
    "RE" + "0" * 32 + "/../../x", "RE" + "0" * 33, "CA" + "0" * 32,
])
def test_a_recording_sid_not_of_twilios_shape_is_refused(app, caller, fake_twilio, sid):
    file_by_phone(caller)
    url = "https://api.twilio.com" + RECORDINGS + sid
    caller.post("/ivr/recording", {"RecordingSid": sid, "RecordingStatus": "completed",
                                   "RecordingUrl": url}, keep=False)
    assert sid not in [j.args["recording_sid"] for j in recording_jobs(app)]
    with app.app_context():
        with pytest.raises(recordings.RefusedRecording):
            recordings.fetch_recording(app, caller.call_sid, sid, url)
        with pytest.raises(recordings.RefusedRecording):
            recordings.store("1234567890", "description", sid, b"RIFF")
    assert not [r for r in fake_twilio.requests if sid in r["path"]]


def test_a_failing_download_is_tried_again_and_a_missing_one_is_not(
        app, caller, fake_twilio):
    file_by_phone(caller)
    caller.recording_ready(caller.last_recording_sid)
    without_sms(app)
    fake_twilio.fail_next = [503, 404]  # the two downloads: one fails, one is gone
    jobs.run_pending(app)
    states = sorted((j.state.value, j.attempts) for j in recording_jobs(app))
    assert states == [("failed", 1), ("pending", 1)]
    run_all_due(app)
    states = sorted((j.state.value, j.attempts) for j in recording_jobs(app))
    assert states == [("done", 2), ("failed", 1)]


def test_a_download_slower_than_the_timeout_is_tried_again(
        app, caller, fake_twilio, monkeypatch):
    monkeypatch.setattr(twilio_rest, "READ_TIMEOUT_SECONDS", 0.3)
    file_by_phone(caller)
    without_sms(app)
    fake_twilio.stall_next = 1
    jobs.run_pending(app)
    assert sorted(j.state.value for j in recording_jobs(app)) == ["done", "pending"]
    run_all_due(app)
    assert [j.state for j in recording_jobs(app)] == [JobState.DONE, JobState.DONE]
    [case] = cases(app)
    assert case.recording_path and case.name_recording_path


def test_a_recording_already_deleted_at_twilio_is_no_failure(app_ctx, fake_twilio):
    fake_twilio.fail_next = [404]
    recordings.delete_at_twilio(GOOD_SID)
    fake_twilio.fail_next = [400]
    with pytest.raises(twilio_rest.TwilioRejected):
        recordings.delete_at_twilio(GOOD_SID)


def name_recorded_mid_call(app, caller) -> tuple[str, Job]:
    """The caller's name is recorded and ready at Twilio while the call goes on: its SID,
    and the job that waits for the call's end to store it."""
    sid = record_name_mid_call(caller)
    jobs.run_pending(app)
    [waiting] = recording_jobs(app)
    return sid, waiting


def test_a_call_whose_end_never_came_stops_being_waited_for(app, caller, fake_twilio):
    sid, waiting = name_recorded_mid_call(app, caller)
    assert waiting.state is JobState.PENDING and waiting.attempts == 0  # the call goes on
    with app.app_context():  # ... and its status callback was lost: 5 hours later
        call = db.session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        call.started_at -= dt.timedelta(hours=5)
        db.session.commit()
    run_all_due(app)
    assert [j.state for j in recording_jobs(app)] == [JobState.DONE]
    assert fake_twilio.deleted_recordings == {sid}


def test_filing_the_case_wakes_the_recording_waiting_for_it(app, caller, fake_twilio):
    """The name's recording waits for the call's case (or end); the webhook that files the
    case makes it due at once, not at its next poll, and queues the description's."""
    sid, waiting = name_recorded_mid_call(app, caller)
    assert waiting.run_after > waiting.created_at  # polls again later: nothing filed yet
    turn = caller.record(20)  # the description: the case is filed
    assert "case_filed" in turn.keys
    woken = next(job for job in recording_jobs(app) if job.args["recording_sid"] == sid)
    assert woken.run_after < waiting.run_after  # due now
    assert len(recording_jobs(app)) == 2


def test_the_end_of_a_call_wakes_its_waiting_recordings(app, caller, fake_twilio):
    sid, waiting = name_recorded_mid_call(app, caller)
    assert waiting.run_after > waiting.created_at  # polls again later: the call goes on
    caller.hang_up()
    [woken] = recording_jobs(app)
    assert woken.run_after < waiting.run_after  # due now, not at its next poll
    jobs.run_pending(app)
    assert [j.state for j in recording_jobs(app)] == [JobState.DONE]
    assert fake_twilio.deleted_recordings == {sid}
