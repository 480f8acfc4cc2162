"""The citizen gets one SMS per event, whatever Twilio does: fails (5xx), stalls past the
client's timeout, refuses a number for good, or the worker dies in the middle of a send."""
import pytest
from sqlalchemy import select

from shared import jobs
from shared import sms
from shared import twilio_rest
from shared.extensions import db
from shared.models import Job
from shared.models import SmsMessage
from shared.types import JobState
from tests.shared.helpers import PHONE
from tests.shared.helpers import file_case


class Crash(BaseException):
    """The process dies here (nothing after it runs, nothing catches it)."""


@pytest.fixture()
def reference(session, admin):
    """A case filed from a mobile, its SMS queued."""
    case = file_case(session, admin)
    sms.schedule_filed_sms(session, case)
    session.commit()
    return case.reference


@pytest.fixture()
def short_timeout(monkeypatch, fake_twilio):
    """A client that waits 0.3 s for an answer, and a fake that stalls for 3 s."""
    monkeypatch.setattr(twilio_rest, "READ_TIMEOUT_SECONDS", 0.3)
    fake_twilio.stall_seconds = 3


def run(session, app) -> bool:
    session.commit()
    return jobs.run_one(app)


def the_job(session) -> Job:
    session.expire_all()
    item = session.scalar(select(Job).where(Job.name == "send_filed_sms"))
    session.commit()
    return item


def run_again(session, app, clock) -> bool:
    clock.move_to(the_job(session).run_after)
    return run(session, app)


def stored_sid(session) -> str | None:
    session.expire_all()
    sid = session.scalar(select(SmsMessage.message_sid))
    session.commit()
    return sid


def message_posts(fake) -> list[dict]:
    return [r for r in fake.requests if r["method"] == "POST" and "/Messages" in r["path"]]


def test_the_sms_is_sent_once_and_its_sid_kept(app, session, reference, fake_twilio):
    assert run(session, app)
    [message] = fake_twilio.sent
    assert message["to"] == PHONE and reference in message["body"]
    assert the_job(session).state is JobState.DONE and stored_sid(session) == message["sid"]
    asked = len(fake_twilio.requests)
    with app.app_context():
        sms.send_filed_sms(app, reference)  # the same event again: Twilio is not even asked
    assert len(fake_twilio.requests) == asked and len(fake_twilio.sent) == 1


def test_twilio_answering_after_the_timeout_still_sends_one_sms(
        app, session, reference, fake_twilio, short_timeout, clock):
    fake_twilio.stall_next = 1
    assert run(session, app)
    item = the_job(session)
    assert item.state is JobState.PENDING and "Timeout" in item.last_error
    assert len(fake_twilio.sent) == 1  # Twilio took it all the same
    assert run_again(session, app, clock)
    assert the_job(session).state is JobState.DONE
    assert len(fake_twilio.sent) == 1 and len(message_posts(fake_twilio)) == 1
    assert stored_sid(session) == fake_twilio.sent[0]["sid"]


def test_a_failing_twilio_is_tried_again_and_sends_one_sms(
        app, session, reference, fake_twilio, clock):
    fake_twilio.fail_next = [500, 503]
    assert run(session, app)
    assert the_job(session).state is JobState.PENDING and fake_twilio.sent == []
    assert run_again(session, app, clock)  # the lookup fails (503): nothing sent blind
    assert the_job(session).state is JobState.PENDING and fake_twilio.sent == []
    assert run_again(session, app, clock)
    assert the_job(session).state is JobState.DONE and len(fake_twilio.sent) == 1


def test_a_worker_killed_after_twilio_took_the_sms_sends_no_second_one(
        app, session, reference, fake_twilio, clock, monkeypatch):
    session.commit()
    dead = jobs.claim(session, jobs.lease_of(app.config))
    with monkeypatch.context() as patch, app.app_context():
        patch.setattr(sms, "_store_sid", lambda *args: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            sms.send_filed_sms(app, **dead.args)  # killed before the SID was written
        db.session.remove()
    assert len(fake_twilio.sent) == 1 and stored_sid(session) is None
    assert run(session, app) is False  # its claim still holds
    clock.advance(seconds=31)
    assert run(session, app)
    assert the_job(session).state is JobState.DONE and the_job(session).attempts == 2
    assert len(fake_twilio.sent) == 1 and stored_sid(session) == fake_twilio.sent[0]["sid"]


def test_a_worker_killed_before_twilio_heard_of_it_sends_the_sms(
        app, session, reference, fake_twilio, clock, monkeypatch):
    fake_twilio.send({"To": PHONE, "From": "3737", "Body": "an earlier, other SMS"})
    session.commit()
    dead = jobs.claim(session, jobs.lease_of(app.config))
    with monkeypatch.context() as patch, app.app_context():
        patch.setattr(twilio_rest, "client", lambda: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            sms.send_filed_sms(app, **dead.args)  # the attempt is on record, then death
        db.session.remove()
    clock.advance(seconds=31)
    assert run(session, app)
    assert the_job(session).state is JobState.DONE
    assert [m["body"] for m in fake_twilio.sent][0] == "an earlier, other SMS"
    assert len(fake_twilio.sent) == 2 and reference in fake_twilio.sent[1]["body"]


@pytest.mark.parametrize("code", [21211, 21610, 21614])
def test_a_number_refused_for_good_is_not_tried_again(
        app, session, reference, fake_twilio, clock, code):
    fake_twilio.reject_messages = [code]
    assert run(session, app)
    item = the_job(session)
    assert item.state is JobState.FAILED and item.attempts == 1
    assert f"code {code}" in item.last_error
    assert "612345678" not in item.last_error  # Twilio's text quotes the number: masked
    clock.advance(hours=1)
    assert run(session, app) is False and len(message_posts(fake_twilio)) == 1


def test_a_refused_sms_can_be_sent_again_once_fixed(app, session, reference, fake_twilio):
    fake_twilio.reject_messages = [21610]  # the citizen had sent STOP, then START
    run(session, app)
    jobs.retry(session)
    assert run(session, app)
    assert the_job(session).state is JobState.DONE and len(fake_twilio.sent) == 1


def test_every_rest_call_has_a_connect_and_a_read_timeout(app_ctx):
    assert twilio_rest.client().http_client.timeout == (
        twilio_rest.CONNECT_TIMEOUT_SECONDS, twilio_rest.READ_TIMEOUT_SECONDS)


def test_wrong_credentials_are_tried_again_not_given_up(
        app, session, reference, fake_twilio, config, clock):
    """A 401 is the account's fault, not the citizen's: once an operator fixes the token,
    the SMS goes out without anyone re-running it."""
    config(TWILIO_AUTH_TOKEN="a-token-being-rotated")
    assert run(session, app)
    item = the_job(session)
    assert item.state is JobState.PENDING and "401" in item.last_error
    config(TWILIO_AUTH_TOKEN=fake_twilio.auth_token)
    assert run_again(session, app, clock)
    assert the_job(session).state is JobState.DONE and len(fake_twilio.sent) == 1


def test_a_twilio_without_the_message_list_still_gets_the_sms_sent(
        app, session, reference, fake_twilio, clock):
    """A stand-in for Twilio that cannot list messages (404): better a possible second SMS
    than none; a lookup that fails for a while (5xx) waits instead (see above)."""
    fake_twilio.fail_next = [500, 404]  # the send fails, then the lookup is not there
    assert run(session, app)
    assert run_again(session, app, clock)
    assert the_job(session).state is JobState.DONE and len(fake_twilio.sent) == 1
