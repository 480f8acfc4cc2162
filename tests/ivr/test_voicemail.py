"""A message left for the agents (after hours, a full queue, too long a wait) is filed like any
case from the caller's number: read back, texted, and open to follow-up from that number."""
import pytest
from sqlalchemy import select

from shared.extensions import db
from shared.jobs import run_pending
from shared.models import Job
from shared.types import CaseStatus
from tests.ivr.conftest import LANDLINE
from tests.ivr.conftest import MOBILE
from tests.ivr.helpers import call_row
from tests.ivr.helpers import cases
from tests.ivr.helpers import digits_read
from tests.ivr.helpers import to_main_menu

CLOSED_HOURS = "mon-sun 00:00-00:01"


def leave_voicemail(caller, language="ary"):
    """After hours: 0 for an agent, 1 for a message, the message; returns the read-back."""
    to_main_menu(caller, language)
    turn = caller.press("0")
    assert turn.keys == ["agent_unavailable", "offer_voicemail_or_callback"]
    assert turn.find("Enqueue") is None and turn.find("Hangup") is None
    assert caller.press("1").keys == ["ask_voicemail"]
    return caller.record(40)


def sms_jobs(app):
    with app.app_context():
        return [job.args for job in db.session.scalars(
            select(Job).where(Job.name == "send_filed_sms"))]


def test_after_hours_a_voicemail_is_filed_read_back_texted_and_followed_up(
        app, make_caller, config, fake_twilio):
    config(OPENING_HOURS=CLOSED_HOURS)
    caller = make_caller(MOBILE)
    turn = leave_voicemail(caller)
    [case] = cases(app)
    assert case.citizen_phone == MOBILE
    assert turn.keys[:2] == ["voicemail_saved", "case_filed"]
    assert digits_read(turn) == case.reference
    assert {"reply_due", "sms_will_follow"} <= set(turn.keys)
    assert turn.keys[-1] == "repeat_reference"
    assert digits_read(caller.press("1")) == case.reference  # 1 repeats it
    assert case.status is CaseStatus.RECEIVED and case.administration is None
    assert {"administration", "description", "name"} <= set(case.pending_fields)
    assert "phone" not in case.pending_fields
    assert call_row(app, caller.call_sid).outcome == "voicemail"

    # The public API knows it too, with no service yet and nothing personal.
    answer = app.test_client().get(f"/open311/v2/requests/{case.reference}.json")
    assert answer.status_code == 200
    [record] = answer.get_json()
    assert record["service_request_id"] == case.reference
    assert record["service_code"] is None and record["service_name"] is None
    assert MOBILE[-4:] not in answer.get_data(as_text=True)

    assert sms_jobs(app) == [{"reference": case.reference}]
    run_pending(app)
    [sms] = fake_twilio.messages()
    assert sms["To"] == MOBILE and case.reference in sms["Body"]

    follower = make_caller(MOBILE)  # a later call from the same number
    to_main_menu(follower, "ary")
    follower.press("4")
    turn = follower.press(case.reference)
    assert turn.keys[0] == "status_received"  # no last-4 check: it is the caller's number
    assert "ask_phone_last4" not in turn.keys


@pytest.mark.parametrize("how", ["queue-full", "leave"])
def test_a_voicemail_from_the_queue_keeps_the_callers_number(app, caller, how):
    to_main_menu(caller, "fr")
    caller.press("0")
    assert caller.queue_result(how).keys[0] == "agent_unavailable"
    caller.press("1")
    caller.record(30)
    [case] = cases(app)
    assert case.citizen_phone == MOBILE and sms_jobs(app) == [{"reference": case.reference}]


def test_a_voicemail_from_a_landline_is_read_back_without_sms(app, make_caller, config):
    config(OPENING_HOURS=CLOSED_HOURS)
    turn = leave_voicemail(make_caller(LANDLINE), "fr")
    [case] = cases(app)
    assert case.citizen_phone == LANDLINE and digits_read(turn) == case.reference
    assert "sms_will_follow" not in turn.keys and sms_jobs(app) == []


def test_a_voicemail_without_caller_id_leaves_the_phone_to_an_agent(app, make_caller, config):
    config(OPENING_HOURS=CLOSED_HOURS)
    turn = leave_voicemail(make_caller("anonymous"), "fr")
    [case] = cases(app)
    assert case.citizen_phone is None and "phone" in case.pending_fields
    assert digits_read(turn) == case.reference and sms_jobs(app) == []


def test_a_voicemail_reference_is_never_read_unless_stored(app, caller, config, monkeypatch):
    config(OPENING_HOURS=CLOSED_HOURS)
    to_main_menu(caller, "fr")
    caller.press("0")
    caller.press("1")

    def failing_commit():
        raise RuntimeError("the database went away")
    monkeypatch.setattr(db.session, "commit", failing_commit)
    turn = caller.record(40)
    monkeypatch.undo()
    assert turn.keys == ["technical_problem", "goodbye"] and digits_read(turn, "goodbye") == ""
    assert cases(app) == [] and sms_jobs(app) == []
