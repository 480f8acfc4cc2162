"""Calling a citizen back: an available agent clicks "Call back", Twilio is asked once to
ring that agent's softphone, whose call dials the citizen from the line's number; the
Dial's outcome closes the request (answered), counts an attempt (no-answer, busy, failed;
unreachable after CALLBACK_MAX_ATTEMPTS) or releases it; Twilio failing or stalling
releases it and the agent is told; the list and the board follow."""
import logging
import threading
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from console import board
from console import states
from console.claims import holds_a_call
from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from shared import access_log
from shared.callbacks import CHANGED
from shared.extensions import db
from shared.models import AccessLogEntry
from shared.models import CallbackRequest
from shared.models import User
from shared.types import Role
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.console.calls import MOBILE
from tests.console.calls import events
from tests.console.calls import new_caller
from tests.console.calls import queue_at_once
from tests.console.test_claim import claim
from tests.console.test_claim import make_available
from tests.console.test_claim import state_of
from tests.ivr.helpers import to_main_menu

JSON = {"Accept": "application/json"}
CLOSED_HOURS = "mon-sun 00:00-00:01"


@pytest.fixture()
def agents(make_user):
    return make_user("salma", Role.AGENT), make_user("karim", Role.AGENT)


def new_request(app, phone=MOBILE, language="ary") -> int:
    with app.app_context():
        row = CallbackRequest(phone=phone, language=language)
        db.session.add(row)
        db.session.commit()
        return row.id


def stored(app, callback_id) -> CallbackRequest:
    with app.app_context():
        row = db.session.get(CallbackRequest, callback_id)
        db.session.expunge_all()
        return row


def call_back(browser, callback_id, **headers):
    return browser.post(f"/console/callbacks/{callback_id}/call", data={},
                        headers=headers or JSON)


def agent_leg(app, created: dict) -> Caller:
    """Twilio's call to the agent's softphone, posting its webhooks as Twilio would."""
    form = created["form"]
    return Caller(FlaskTransport(app.test_client()), PUBLIC_BASE_URL, TEST_AUTH_TOKEN,
                  caller=form["From"], called=form["To"], call_sid=created["sid"],
                  account_sid=TEST_ACCOUNT_SID)


def callbacks_waiting(app) -> int:
    with app.app_context():
        count = board.snapshot(db.session)["kpis"]["callbacks_waiting"]
        db.session.rollback()
        return count


def listed(browser, callback_id) -> bool:
    return f'data-callback-id="{callback_id}"' in browser.get("/console/").text


def dial(app, fake_twilio, browser, callback_id):
    """Click, then the agent answers their softphone: (its call, the TwiML answered)."""
    assert call_back(browser, callback_id).get_json()["ok"]
    leg = agent_leg(app, fake_twilio.created_calls[-1])
    return leg, leg.post(fake_twilio.created_calls[-1]["form"]["Url"])


def dialled_while_watched(app, fake_twilio, agent, watcher, logged_in, socket_client):
    """A new request that `agent` (made available) calls back and answers, `watcher`'s
    console listening from then on: (its id, the agent's browser, the watcher's socket, the
    agent's leg, its TwiML)."""
    make_available(app, agent)
    callback_id = new_request(app)
    browser = logged_in(agent)
    other = socket_client(logged_in(watcher))
    leg, turn = dial(app, fake_twilio, browser, callback_id)
    other.get_received()
    return callback_id, browser, other, leg, turn


def dial_ends(leg, turn, status):
    return leg.post(turn.find("Dial").get("action"), {"DialCallStatus": status,
                                                     "DialCallSid": "CA" + "d" * 32})


def test_call_back_rings_the_agents_softphone_which_dials_the_citizen_from_the_line(
        app, fake_twilio, agents, logged_in, socket_client, caplog):
    caplog.set_level(logging.DEBUG)
    salma, karim = agents
    make_available(app, salma)
    callback_id = new_request(app)
    browser = logged_in(salma)
    other = socket_client(logged_in(karim))
    other.get_received()
    assert listed(browser, callback_id) and callbacks_waiting(app) == 1

    response = call_back(browser, callback_id)

    body = response.get_json()
    assert body["ok"] and body["error"] is None and "sonne" in body["message"], body
    [created] = fake_twilio.created_calls
    form = created["form"]
    assert form["To"] == f"client:agent-{salma.id}"
    assert form["From"] == "3737"
    for name, path in (("Url", "/ivr/callback/dial"), ("StatusCallback", "/ivr/callback/status")):
        url = urlsplit(form[name])
        assert (f"{url.scheme}://{url.netloc}", url.path) == (PUBLIC_BASE_URL, path)
        assert parse_qs(url.query) == {"callback": [str(callback_id)]}
    assert form["Method"] == form["StatusCallbackMethod"] == "POST"
    row = stored(app, callback_id)
    assert (row.agent_id, row.agent_call_sid, row.done_at) == (salma.id, created["sid"], None)
    assert state_of(app, salma) == "on_call"
    assert [e["id"] for e in events(other, CHANGED) if e["state"] == "taken"] == [callback_id]
    assert not listed(logged_in(karim), callback_id)
    assert callbacks_waiting(app) == 0
    assert holds_a_call_now(app, salma)

    turn = agent_leg(app, created).post(form["Url"])

    dialed = turn.find("Dial")
    assert dialed.get("callerId") == "3737"
    assert turn.find("Dial/Number").text == MOBILE
    action = urlsplit(dialed.get("action"))
    assert (action.path, parse_qs(action.query)) == ("/ivr/callback/done",
                                                     {"callback": [str(callback_id)]})
    with app.app_context():
        [entry] = db.session.scalars(select(AccessLogEntry)).all()
        assert (entry.kind, entry.user_id, entry.target) == (
            access_log.CALLBACK, salma.id, f"callback:{callback_id}")
        assert entry.query_hash == access_log.keyed_hash(MOBILE)
    # Nothing personal in what was logged, nor in the URLs Twilio was given.
    assert "12345678" not in caplog.text
    assert "12345678" not in str(fake_twilio.requests)


def holds_a_call_now(app, user) -> bool:
    with app.app_context():
        held = holds_a_call(db.session, user.id)
        db.session.rollback()
        return held


def test_an_answered_callback_is_done_and_leaves_the_list_and_the_board(
        app, fake_twilio, agents, logged_in, socket_client, wrapup_timers, config):
    salma, karim = agents
    config(AGENT_WRAPUP_SECONDS=30)
    callback_id, browser, other, leg, turn = dialled_while_watched(
        app, fake_twilio, salma, karim, logged_in, socket_client)

    assert dial_ends(leg, turn, "completed").find("Hangup") is not None

    row = stored(app, callback_id)
    assert row.done_at is not None and row.handled_by_id == salma.id
    assert (row.outcome, row.attempts, row.agent_id) == ("answered", 0, None)
    assert [e["state"] for e in events(other, CHANGED)] == ["closed"]
    assert not listed(browser, callback_id)
    assert callbacks_waiting(app) == 0
    assert state_of(app, salma) == "wrap_up" and wrapup_timers == [(salma.id, 30)]
    # Twilio's retry of the action, then the call's end, change nothing.
    dial_ends(leg, turn, "no-answer")
    leg.hang_up()
    again = stored(app, callback_id)
    assert (again.outcome, again.attempts, again.done_at) == ("answered", 0, row.done_at)


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_an_unanswered_callback_counts_an_attempt_and_waits_again(
        app, fake_twilio, agents, logged_in, socket_client, status):
    salma, karim = agents
    callback_id, browser, other, leg, turn = dialled_while_watched(
        app, fake_twilio, salma, karim, logged_in, socket_client)

    dial_ends(leg, turn, status)

    row = stored(app, callback_id)
    assert (row.attempts, row.done_at, row.outcome, row.agent_id) == (1, None, None, None)
    assert row.last_attempt_at is not None and row.handled_by_id == salma.id
    [event] = events(other, CHANGED)
    assert event["state"] == "waiting"
    assert event["item"]["id"] == callback_id and event["item"]["attempts"] == 1
    assert event["item"]["phone"].endswith("78") and "1234" not in event["item"]["phone"]
    page = browser.get("/console/").text
    assert f'data-callback-id="{callback_id}"' in page
    assert callbacks_waiting(app) == 1
    assert state_of(app, salma) == "available"
    # Twilio retrying the action counts nothing more.
    dial_ends(leg, turn, status)
    assert stored(app, callback_id).attempts == 1


def test_after_the_last_attempt_allowed_the_callback_is_closed_as_unreachable(
        app, fake_twilio, agents, logged_in, socket_client, config):
    salma, karim = agents
    config(CALLBACK_MAX_ATTEMPTS=2)
    make_available(app, salma)
    callback_id = new_request(app)
    browser = logged_in(salma)
    dial_ends(*dial(app, fake_twilio, browser, callback_id), "no-answer")
    assert stored(app, callback_id).done_at is None
    other = socket_client(logged_in(karim))
    other.get_received()

    dial_ends(*dial(app, fake_twilio, browser, callback_id), "busy")

    row = stored(app, callback_id)
    assert (row.attempts, row.outcome) == (2, "unreachable") and row.done_at is not None
    assert [e["state"] for e in events(other, CHANGED)] == ["taken", "closed"]
    assert not listed(browser, callback_id)
    assert callbacks_waiting(app) == 0
    assert call_back(browser, callback_id).get_json()["error"] == "taken"
    assert len(fake_twilio.created_calls) == 2


def test_two_agents_at_once_make_one_call(app, fake_twilio, agents, logged_in):
    browsers = [(user, logged_in(user)) for user in agents]
    for round_number in range(4):
        for user in agents:
            make_available(app, user)
        callback_id = new_request(app, f"+21266123456{round_number}")
        start = threading.Barrier(len(browsers))
        errors = {}

        def click(user, browser):
            start.wait()
            errors[user.id] = call_back(browser, callback_id).get_json()["error"]

        threads = [threading.Thread(target=click, args=pair) for pair in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert sorted(errors.values(), key=str) == [None, "taken"], errors
        winner = next(user_id for user_id, error in errors.items() if error is None)
        assert stored(app, callback_id).agent_id == winner
        made = [c for c in fake_twilio.created_calls
                if f"callback={callback_id}" in c["form"]["Url"]]
        assert [c["form"]["To"] for c in made] == [f"client:agent-{winner}"]
        # The winner never picked up: free again for the next round.
        agent_leg(app, made[0]).post(made[0]["form"]["StatusCallback"],
                                     {"CallStatus": "no-answer"})


@pytest.mark.parametrize("failure", ["error", "stall"])
def test_when_twilio_fails_the_callback_is_released_and_the_agent_told(
        app, fake_twilio, agents, logged_in, socket_client, config, failure):
    salma, karim = agents
    make_available(app, salma)
    config(CLAIM_TWILIO_TIMEOUT_SECONDS=1)
    fake_twilio.misbehave_next(failure)
    callback_id = new_request(app)
    other = socket_client(logged_in(karim))
    other.get_received()

    response = call_back(logged_in(salma), callback_id)

    assert response.status_code == 200
    body = response.get_json()
    assert body["error"] == "not_connected" and "de retour dans la liste" in body["message"]
    row = stored(app, callback_id)
    assert (row.agent_id, row.taken_at, row.agent_call_sid, row.attempts) == (None, None, None, 0)
    assert [e["state"] for e in events(other, CHANGED)] == ["taken", "waiting"]
    assert state_of(app, salma) == "available"
    assert callbacks_waiting(app) == 1
    if failure == "stall":  # Twilio did place the call, too late: it dials nobody
        [late] = fake_twilio.created_calls
        turn = agent_leg(app, late).post(late["form"]["Url"])
        assert turn.find("Hangup") is not None and turn.find("Dial") is None, turn.xml
        with app.app_context():
            assert db.session.scalars(select(AccessLogEntry)).all() == []
    fake_twilio.stall_next = 0
    make_available(app, karim)
    assert call_back(logged_in(karim), callback_id).get_json()["ok"]


def test_without_javascript_the_agent_is_told_on_the_agent_page(app, fake_twilio, agents,
                                                                 logged_in):
    make_available(app, agents[0])
    callback_id = new_request(app)
    browser = logged_in(agents[0])
    response = call_back(browser, callback_id, Accept="text/html")
    assert response.status_code == 303 and response.location.endswith("/console/")
    assert "Votre téléphone sonne" in browser.get("/console/").text


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OFFICER, Role.ADMIN])
def test_only_agents_call_back(app, fake_twilio, make_user, logged_in, officer_admin_id, role):
    callback_id = new_request(app)
    user = make_user("someone", role, administration_id=officer_admin_id)
    assert call_back(logged_in(user), callback_id).status_code == 403
    assert fake_twilio.created_calls == [] and stored(app, callback_id).agent_id is None


def test_a_supervisor_sees_the_callbacks_without_the_button(app, supervisor, logged_in):
    callback_id = new_request(app)
    page = logged_in(supervisor).get("/console/").text
    assert f'data-callback-id="{callback_id}"' in page and 'data-testid="call-back"' not in page


@pytest.mark.parametrize("state", ["paused", "offline", "wrap_up"])
def test_an_agent_who_is_not_available_cannot_call_back(app, fake_twilio, agent, logged_in,
                                                        state):
    callback_id = new_request(app)
    browser = logged_in(agent)
    if state != "offline":
        make_available(app, agent)
        with app.app_context():
            states.change(db.session, db.session.get(User, agent.id), state,
                          reason="break" if state == "paused" else None, wrapup_seconds=60)
            db.session.commit()
    assert call_back(browser, callback_id).get_json()["error"] == "not_available"
    assert fake_twilio.created_calls == [] and stored(app, callback_id).agent_id is None


def test_an_agent_on_a_call_cannot_call_back_nor_claim_while_calling_back(
        app, fake_twilio, agents, logged_in):
    salma = agents[0]
    make_available(app, salma)
    browser = logged_in(salma)
    caller = queue_at_once(new_caller(app, "+212661234567"))
    assert claim(browser, caller.call_sid).get_json()["ok"]
    make_available(app, salma)
    first = new_request(app)
    assert call_back(browser, first).get_json()["error"] == "busy"
    caller.hang_up()
    make_available(app, salma)
    assert call_back(browser, first).get_json()["ok"]
    second = queue_at_once(new_caller(app, "+212661234568"))
    assert claim(browser, second.call_sid).get_json()["error"] == "busy"
    assert call_back(browser, new_request(app, "+212661234569")).get_json()["error"] == "busy"


def test_a_softphone_call_that_ends_before_dialing_releases_without_an_attempt(
        app, fake_twilio, agents, logged_in):
    salma = agents[0]
    make_available(app, salma)
    callback_id = new_request(app)
    assert call_back(logged_in(salma), callback_id).get_json()["ok"]
    [created] = fake_twilio.created_calls
    # A call that is not this take's (another CallSid) changes nothing.
    stranger = dict(created, sid="CA" + "e" * 32)
    agent_leg(app, stranger).post(created["form"]["StatusCallback"], {"CallStatus": "no-answer"})
    assert stored(app, callback_id).agent_id == salma.id

    agent_leg(app, created).post(created["form"]["StatusCallback"], {"CallStatus": "no-answer"})

    row = stored(app, callback_id)
    assert (row.agent_id, row.attempts, row.done_at) == (None, 0, None)
    assert state_of(app, salma) == "available"
    assert callbacks_waiting(app) == 1


def test_the_call_back_form_needs_its_csrf_token(app, fake_twilio, agent, logged_in, config):
    make_available(app, agent)
    callback_id = new_request(app)
    browser = logged_in(agent)
    config(WTF_CSRF_ENABLED=True)
    assert call_back(browser, callback_id).status_code == 400
    assert fake_twilio.created_calls == [] and stored(app, callback_id).agent_id is None


def test_a_request_left_in_the_ivr_shows_live_on_the_consoles(app, agent, logged_in,
                                                               socket_client, config):
    console = socket_client(logged_in(agent))
    console.get_received()
    config(OPENING_HOURS=CLOSED_HOURS)
    caller = new_caller(app)
    to_main_menu(caller, "fr")
    caller.press("0")
    caller.press("2")
    [event] = events(console, CHANGED)
    with app.app_context():
        row = db.session.scalars(select(CallbackRequest)).one()
        assert event == {"id": row.id, "state": "waiting", "item": {
            "id": row.id, "phone": "***********78", "language": "fr",
            "requested_at": row.requested_at.isoformat(), "attempts": 0}}
    assert MOBILE not in str(event)  # the number masked to 2 digits, as the queue's
