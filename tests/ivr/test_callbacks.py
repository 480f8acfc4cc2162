"""The webhooks of a callback's call (to the agent's softphone): signed by Twilio or 403 with
nothing written; the dial names the citizen's number only for the call made for the current
take; a bad query string is a 400, an unknown callback a polite hang-up."""
import datetime as dt

import pytest
from sqlalchemy import func
from sqlalchemy import select

from shared import callbacks
from shared.extensions import db
from shared.models import AccessLogEntry
from shared.models import CallbackRequest
from shared.models import User
from shared.models import utcnow
from shared.types import Role
from tests.ivr.conftest import MOBILE

AGENT_CALL = "CA" + "a" * 32
WEBHOOKS = ("/ivr/callback/dial", "/ivr/callback/done", "/ivr/callback/status")


@pytest.fixture()
def taken(app):
    """A callback request taken by an agent, whose softphone call is AGENT_CALL: (id, agent)."""
    with app.app_context():
        agent = User(username="salma", display_name="Salma", role=Role.AGENT, languages=[])
        agent.set_password("correct horse 3737")
        db.session.add(agent)
        db.session.flush()
        row = CallbackRequest(phone=MOBILE, language="fr", agent_id=agent.id, taken_at=utcnow(),
                              agent_call_sid=AGENT_CALL)
        db.session.add(row)
        db.session.commit()
        return row.id, agent.id


def softphone(make_caller, agent_id, sid=AGENT_CALL):
    return make_caller(caller="3737", called=f"client:agent-{agent_id}", call_sid=sid)


def logged(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AccessLogEntry))


def row(app, callback_id) -> CallbackRequest:
    with app.app_context():
        found = db.session.get(CallbackRequest, callback_id)
        db.session.expunge_all()
        return found


def test_the_dial_names_the_citizens_number_with_the_lines_caller_id(app, make_caller, taken,
                                                                      config):
    callback_id, agent_id = taken
    config(CALLBACK_CALLER_ID="+212537373737")
    turn = softphone(make_caller, agent_id).post(f"/ivr/callback/dial?callback={callback_id}")
    assert turn.status == 200 and turn.root.tag == "Response"
    assert turn.find("Dial").get("callerId") == "+212537373737"
    assert [n.text for n in turn.root.iter("Number")] == [MOBILE]
    assert logged(app) == 1


@pytest.mark.parametrize("path", WEBHOOKS)
@pytest.mark.parametrize("signature", [None, "bm90IGEgc2lnbmF0dXJl"])
def test_unsigned_or_badly_signed_webhooks_are_refused_and_change_nothing(
        app, client, taken, path, signature):
    callback_id, agent_id = taken
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post(f"{path}?callback={callback_id}", headers=headers, data={
        "CallSid": AGENT_CALL, "To": f"client:agent-{agent_id}", "DialCallStatus": "completed",
        "CallStatus": "completed"})
    assert response.status_code == 403
    assert MOBILE not in response.text
    assert logged(app) == 0
    assert row(app, callback_id).agent_id == agent_id and row(app, callback_id).done_at is None


@pytest.mark.parametrize("path", WEBHOOKS)
@pytest.mark.parametrize("query", ["", "?callback=", "?callback=abc", "?callback=0",
                                   "?callback=-1", "?callback=" + "9" * 40])
def test_a_bad_callback_id_is_a_400(make_caller, taken, path, query):
    turn = softphone(make_caller, taken[1]).post(path + query, {"DialCallStatus": "completed"})
    assert turn.status == 400


def test_an_unknown_callback_is_hung_up(make_caller, taken):
    turn = softphone(make_caller, taken[1]).post("/ivr/callback/dial?callback=999999")
    assert turn.find("Hangup") is not None and turn.find("Dial") is None


def test_a_call_that_is_not_the_takes_dials_nobody(app, make_caller, taken):
    callback_id, agent_id = taken
    other = softphone(make_caller, agent_id, sid="CA" + "b" * 32)
    turn = other.post(f"/ivr/callback/dial?callback={callback_id}")
    assert turn.find("Dial") is None and MOBILE not in turn.xml
    other.post(f"/ivr/callback/done?callback={callback_id}", {"DialCallStatus": "no-answer"})
    assert row(app, callback_id).attempts == 0 and logged(app) == 0


def test_before_its_call_is_noted_only_the_takers_softphone_dials(app, make_caller, taken):
    """Twilio may fetch the dial before the console has stored the call's SID."""
    callback_id, agent_id = taken
    with app.app_context():
        db.session.get(CallbackRequest, callback_id).agent_call_sid = None
        db.session.commit()
    stranger = softphone(make_caller, agent_id + 1, sid="CA" + "c" * 32)
    assert stranger.post(f"/ivr/callback/dial?callback={callback_id}").find("Dial") is None
    turn = softphone(make_caller, agent_id, sid="CA" + "c" * 32).post(
        f"/ivr/callback/dial?callback={callback_id}")
    assert turn.find("Dial/Number").text == MOBILE


def test_a_take_never_settled_lapses_after_twilios_longest_call(app, make_caller, taken):
    callback_id, _agent = taken
    with app.app_context():
        db.session.get(CallbackRequest, callback_id).taken_at -= dt.timedelta(hours=4, minutes=1)
        db.session.commit()
        assert [r.id for r in callbacks.waiting(db.session, 10)] == [callback_id]
        assert callbacks.count_waiting(db.session) == 1
