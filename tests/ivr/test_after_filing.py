"""What filing sets off: the SMS and the recordings, run as jobs against a fake Twilio API."""
from pathlib import Path

from sqlalchemy import select

from shared.extensions import db
from shared.jobs import run_pending
from shared.models import Job
from shared.types import JobState
from tests.ivr.conftest import LANDLINE
from tests.ivr.helpers import cases
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import record_name_mid_call


def jobs(app):
    with app.app_context():
        found = [(job.name, job.state, job.attempts) for job in
                 db.session.scalars(select(Job).order_by(Job.id))]
        return found


def test_a_mobile_caller_gets_the_reference_by_sms_in_their_language(app, caller, fake_twilio):
    file_by_phone(caller, language="fr")
    [case] = cases(app)
    assert run_pending(app) >= 1
    [sms] = fake_twilio.messages()
    assert sms["To"] == "+212612345678"
    assert case.reference in sms["Body"] and "L'administration doit vous répondre" in sms["Body"]
    assert case.reply_due_on.strftime("%d/%m/%Y") in sms["Body"]


def test_a_darija_caller_gets_a_darija_sms(app, caller, fake_twilio):
    file_by_phone(caller, language="ary")
    run_pending(app)
    [sms] = fake_twilio.messages()
    assert "الطلب ديالكم" in sms["Body"]


def test_a_landline_gets_no_sms(app, make_caller, fake_twilio):
    file_by_phone(make_caller(caller=LANDLINE))
    run_pending(app)
    assert fake_twilio.messages() == []
    assert "send_filed_sms" not in [name for name, _, _ in jobs(app)]


def test_a_failed_sms_is_retried_later(app, caller, fake_twilio):
    file_by_phone(caller)
    fake_twilio.fail_next = [500]
    run_pending(app)
    state = {name: (s, attempts) for name, s, attempts in jobs(app)}
    assert state["send_filed_sms"] == (JobState.PENDING, 1)
    assert fake_twilio.messages() == []


def test_recordings_are_stored_attached_then_deleted_at_twilio(app, caller, fake_twilio):
    file_by_phone(caller)
    description_sid = caller.last_recording_sid
    caller.recording_ready(description_sid)  # the status callback only wakes the same job
    run_pending(app)
    [case] = cases(app)
    description, name = Path(case.recording_path), Path(case.name_recording_path)
    assert description.read_bytes()[:4] == b"RIFF" and name.is_file()
    assert description.name == f"description-{description_sid}.wav"
    assert description.parent.name == case.reference
    assert fake_twilio.deleted_recordings == {description_sid, name.stem.split("-", 1)[1]}
    downloads = [r for r in fake_twilio.requests if r["method"] == "GET"]
    assert len(downloads) == 2 and all(r["auth_ok"] for r in downloads)
    assert [e.action for e in case.events].count("complete") == 2
    assert [state for name, state, _ in jobs(app) if name == "fetch_recording"] == [
        JobState.DONE, JobState.DONE]


def test_a_recording_of_a_call_hung_up_before_filing_is_deleted_not_kept(
        app, caller, fake_twilio):
    sid = record_name_mid_call(caller)
    run_pending(app)  # the call goes on: the job waits
    assert fake_twilio.deleted_recordings == set()
    caller.hang_up()
    with app.app_context():  # the retry is due now rather than after its backoff
        for job in db.session.scalars(select(Job)):
            job.run_after = job.created_at
        db.session.commit()
    run_pending(app)
    assert fake_twilio.deleted_recordings == {sid}
    assert cases(app) == []


def test_recordings_are_deleted_after_the_retention_period(app, caller, fake_twilio):
    import datetime as dt
    from ivr.recordings import purge_expired
    file_by_phone(caller)
    run_pending(app)
    [case] = cases(app)
    stored = Path(case.recording_path)
    with app.app_context():
        assert purge_expired(db.session, 365) == 0  # too young
        later = case.filed_at + dt.timedelta(days=366)
        assert purge_expired(db.session, 365, now=later) == 1
        db.session.commit()
    [case] = cases(app)
    assert not stored.exists() and case.recording_path is None
    assert case.name_recording_path is None
    assert case.events[-1].actor == "retention"
