"""Claiming a waiting call: one agent holds it (a conditional update), Twilio's live call
update sends the caller to that agent's client, the others' consoles drop it; if Twilio
fails or stalls the claim is released, the call shows again and the agent is told."""
import datetime as dt
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from console import states
from shared.call_queue import GONE
from shared.call_queue import WAITING
from shared.extensions import db
from shared.models import AgentState
from shared.models import Call
from shared.models import User
from shared.types import AgentStatus
from shared.types import Role
from tests.conftest import PUBLIC_BASE_URL
from tests.console.calls import events
from tests.console.calls import new_caller
from tests.console.calls import queue_at_once
from tests.console.calls import stored_call

JSON = {"Accept": "application/json"}


def claim(browser, call_sid, **headers):
    return browser.post(f"/console/calls/{call_sid}/claim", data={}, headers=headers or JSON)


def state_of(app, user) -> str:
    with app.app_context():
        row = db.session.get(AgentState, user.id)
        return row.state.value if row else "offline"


def make_available(app, user):
    with app.app_context():
        states.change(db.session, db.session.get(User, user.id), AgentStatus.AVAILABLE)
        db.session.commit()


@pytest.fixture()
def agents(make_user):
    return make_user("salma", Role.AGENT), make_user("karim", Role.AGENT)


def test_a_claim_connects_the_caller_to_the_agent_and_drops_it_from_the_others(
        app, fake_twilio, agents, supervisor, logged_in, socket_client):
    salma, karim = agents
    make_available(app, salma)
    caller = queue_at_once(new_caller(app))
    browser = logged_in(salma)
    others = [socket_client(logged_in(karim)), socket_client(logged_in(supervisor))]
    mine = socket_client(browser)
    for socket in others + [mine]:
        socket.get_received()

    response = claim(browser, caller.call_sid)

    assert response.get_json()["ok"], response.text
    assert response.get_json()["url"] == f"/console/calls/{caller.call_sid}"
    assert stored_call(app, caller.call_sid).agent_id == salma.id
    [update] = fake_twilio.call_updates
    assert update["sid"] == caller.call_sid
    url = urlsplit(update["form"]["Url"])
    assert f"{url.scheme}://{url.netloc}" == PUBLIC_BASE_URL
    assert url.path == "/ivr/agent/connect" and parse_qs(url.query) == {"agent": [str(salma.id)]}
    assert update["form"]["Method"] == "POST"
    for socket in others:
        assert [e["call_sid"] for e in events(socket, GONE)] == [caller.call_sid]
    assert state_of(app, salma) == "on_call"
    # The call Twilio fetches then dials that agent's client.
    turn = caller.post(update["form"]["Url"])
    assert turn.find("Dial/Client").text == f"agent-{salma.id}"
    assert browser.get(f"/console/calls/{caller.call_sid}").status_code == 200


def test_without_javascript_the_form_lands_on_the_call_page(app, fake_twilio, agents,
                                                             logged_in):
    caller = queue_at_once(new_caller(app))
    response = claim(logged_in(agents[0]), caller.call_sid, Accept="text/html")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/calls/{caller.call_sid}"


def test_a_call_already_taken_is_refused_with_a_reason(app, fake_twilio, agents, logged_in):
    salma, karim = agents
    caller = queue_at_once(new_caller(app))
    assert claim(logged_in(salma), caller.call_sid).get_json()["ok"]
    late = logged_in(karim)
    response = claim(late, caller.call_sid)
    assert response.get_json()["error"] == "taken"
    assert response.get_json()["message"] == "Cet appel a déjà été pris, ou l'appelant est parti."
    assert stored_call(app, caller.call_sid).agent_id == salma.id
    assert len(fake_twilio.call_updates) == 1
    plain = claim(late, caller.call_sid, Accept="text/html")  # no script: said on the page
    assert plain.status_code == 303 and plain.headers["Location"] == "/console/"
    assert "déjà été pris" in late.get("/console/").text


def test_an_agent_holds_one_call_at_a_time(app, fake_twilio, agents, logged_in):
    browser = logged_in(agents[0])
    first, second = (queue_at_once(new_caller(app, number)) for number in
                     ("+212612345678", "+212661234567"))
    assert claim(browser, first.call_sid).get_json()["ok"]
    assert claim(browser, second.call_sid).get_json()["error"] == "busy"
    assert stored_call(app, second.call_sid).agent_id is None


def test_a_caller_who_hung_up_cannot_be_claimed(app, fake_twilio, agents, logged_in):
    caller = queue_at_once(new_caller(app))
    caller.hang_up()
    assert claim(logged_in(agents[0]), caller.call_sid).get_json()["error"] == "taken"
    assert fake_twilio.call_updates == []


@pytest.mark.parametrize("failure", ["error", "stall"])
def test_when_twilio_fails_the_claim_is_released_and_the_agent_told(
        app, fake_twilio, agents, supervisor, logged_in, socket_client, config, failure):
    salma, karim = agents
    make_available(app, salma)
    config(CLAIM_TWILIO_TIMEOUT_SECONDS=1)
    fake_twilio.misbehave_next(failure)
    caller = queue_at_once(new_caller(app))
    queued_at = stored_call(app, caller.call_sid).queued_at
    assert queued_at is not None
    other = socket_client(logged_in(karim))
    other.get_received()

    response = claim(logged_in(salma), caller.call_sid)

    assert response.get_json()["error"] == "not_connected"
    assert "de retour dans la file" in response.get_json()["message"]
    assert response.get_json()["url"] is None
    assert stored_call(app, caller.call_sid).agent_id is None
    assert stored_call(app, caller.call_sid).claimed_at is None
    received = other.get_received()
    assert [e["name"] for e in received if e["name"] in (GONE, WAITING)] == [GONE, WAITING]
    assert [e["args"][0]["call_sid"] for e in received if e["name"] == WAITING] == [
        caller.call_sid]
    assert state_of(app, salma) == "available"
    if failure == "stall":  # Twilio did move the call, too late: it goes back to the queue
        [update] = fake_twilio.call_updates
        turn = caller.post(update["form"]["Url"])
        assert turn.find("Enqueue") is not None and turn.find("Dial") is None, turn.xml
        assert [e["args"][0]["call_sid"] for e in other.get_received()
                if e["name"] == WAITING] == [caller.call_sid]
        call = stored_call(app, caller.call_sid)
        assert call.queued_at == queued_at  # the caller keeps their place
    # Waiting again: another agent can take it.
    fake_twilio.stall_next = 0
    assert claim(logged_in(karim), caller.call_sid).get_json()["ok"]


def test_the_claim_needs_its_csrf_token(app, fake_twilio, agents, logged_in, config):
    """(CSRFProtect refuses it first; the view checks its form too.)"""
    caller = queue_at_once(new_caller(app))
    browser = logged_in(agents[0])
    config(WTF_CSRF_ENABLED=True)
    response = claim(browser, caller.call_sid)
    assert response.status_code == 400
    assert stored_call(app, caller.call_sid).agent_id is None
    assert fake_twilio.call_updates == []


def test_the_queue_action_of_a_claimed_call_sends_it_to_the_agent(app, fake_twilio, agents,
                                                                   logged_in):
    """Twilio posts the <Enqueue> action when a live update takes the caller out of the
    queue: that must not send the call to voicemail."""
    caller = queue_at_once(new_caller(app))
    claim(logged_in(agents[0]), caller.call_sid)
    turn = caller.queue_result("redirected")
    assert turn.find("Dial/Client").text == f"agent-{agents[0].id}"
    call = stored_call(app, caller.call_sid)
    assert (call.step, call.outcome) == ("agent", "agent")


def test_a_held_call_whose_end_was_never_told_stops_counting_after_twilios_longest_call(
        app, fake_twilio, agents, logged_in):
    browser = logged_in(agents[0])
    first, second = (queue_at_once(new_caller(app, number)) for number in
                     ("+212612345678", "+212661234567"))
    assert claim(browser, first.call_sid).get_json()["ok"]
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == first.call_sid))
        call.started_at -= dt.timedelta(hours=4, minutes=1)  # its status callback was lost
        db.session.commit()
    assert claim(browser, second.call_sid).get_json()["ok"]
