"""The live queue: a caller entering it is told to every agent's and supervisor's console
(and to nobody else), with the number masked; leaving it or hanging up takes the item off;
the agent page lists the waiting callers, callback requests and voicemails."""
import json

from sqlalchemy import select

from shared.call_queue import GONE
from shared.call_queue import WAITING
from shared.extensions import db
from shared.models import Administration
from shared.models import CallbackRequest
from shared.types import Role
from tests.console.calls import MOBILE
from tests.console.calls import events
from tests.console.calls import new_caller
from tests.console.calls import queue_after_choosing
from tests.console.calls import queue_at_once


def _consoles(make_user, logged_in, socket_client, officer_admin_id):
    """An agent's, another agent's and a supervisor's console; an officer's and an
    anonymous connection (both refused, they hear nothing)."""
    agent = socket_client(logged_in(make_user("salma", Role.AGENT)))
    other = socket_client(logged_in(make_user("karim", Role.AGENT)))
    boss = socket_client(logged_in(make_user("nadia", Role.SUPERVISOR)))
    officer = socket_client(logged_in(make_user("cnss", Role.OFFICER,
                                                administration_id=officer_admin_id)))
    for socket in (agent, other, boss):
        socket.get_received()
    return agent, other, boss, officer


def test_a_queued_caller_is_told_to_every_agent_and_supervisor_with_the_number_masked(
        app, client, make_user, logged_in, socket_client, officer_admin_id):
    agent, other, boss, officer = _consoles(make_user, logged_in, socket_client,
                                            officer_admin_id)
    anonymous = socket_client(client)
    assert not anonymous.is_connected()

    caller = queue_after_choosing(new_caller(app), language="ar")
    assert officer.get_received() == []  # connected for their own alerts, never the queue

    told = [events(socket, WAITING) for socket in (agent, other, boss)]
    assert all(len(items) == 1 for items in told), told
    item = told[0][0]
    assert told[1][0] == told[2][0] == item
    assert item["call_sid"] == caller.call_sid
    assert item["language"] == "ar" and item["kind"] == "complaint"
    assert item["administration"]["code"] == "201"
    assert set(item["administration"]["names"]) >= {"fr", "ar"}
    assert item["phone"].endswith("78") and MOBILE[-4:] not in item["phone"]
    assert MOBILE[4:] not in json.dumps(item), "a full number in a live event"
    assert item["queued_at"]


def test_a_caller_who_leaves_the_queue_or_hangs_up_is_taken_off(
        app, make_user, logged_in, socket_client, officer_admin_id):
    agent, other, boss, _ = _consoles(make_user, logged_in, socket_client, officer_admin_id)
    leaving = queue_at_once(new_caller(app))
    hanging_up = queue_at_once(new_caller(app, "+212661234567"))
    for socket in (agent, other, boss):
        socket.get_received()

    leaving.queue_result("leave")  # too long a wait: voicemail or callback now
    hanging_up.hang_up()           # Twilio's status callback

    for socket in (agent, other, boss):
        gone = {event["call_sid"]: event["reason"] for event in events(socket, GONE)}
        assert gone == {leaving.call_sid: "left", hanging_up.call_sid: "ended"}


def test_the_agent_page_lists_the_waiting_callers_in_the_agents_language(
        app, make_user, logged_in):
    caller = queue_after_choosing(new_caller(app))
    queue_at_once(new_caller(app, "+212661234567"))
    with app.app_context():
        admin = db.session.scalar(select(Administration).where(Administration.code == "201"))
        arabic_name = admin.names["ar"]
    user = make_user("salma", Role.AGENT, console_language="ar")
    page = logged_in(user).get("/console/").text
    assert page.count('data-testid="queue-item"') == 2 + 1  # and the script's template
    assert f'data-call-sid="{caller.call_sid}"' in page
    assert f'/console/calls/{caller.call_sid}/claim' in page
    assert 'data-testid="claim"' in page
    assert arabic_name in page
    assert MOBILE not in page and MOBILE[4:] not in page


def test_the_waiting_list_answers_the_page_after_a_reconnect(app, make_user, logged_in):
    caller = queue_at_once(new_caller(app))
    queue_at_once(new_caller(app, "+212661234567")).hang_up()
    body = logged_in(make_user("salma", Role.AGENT)).get("/console/queue").get_json()
    assert [item["call_sid"] for item in body["items"]] == [caller.call_sid]
    assert MOBILE not in json.dumps(body)


def test_callback_requests_to_handle_are_listed_masked(app, make_user, logged_in):
    with app.app_context():
        db.session.add(CallbackRequest(phone=MOBILE, language="ary", call_sid="CA" + "5" * 32))
        db.session.commit()
    page = logged_in(make_user("salma", Role.AGENT)).get("/console/").text
    assert 'data-testid="callback-item"' in page
    assert MOBILE not in page and "***78" in page


def test_a_supervisor_watches_the_queue_without_a_claim_button(app, supervisor, logged_in):
    caller = queue_at_once(new_caller(app))
    page = logged_in(supervisor).get("/console/").text
    assert f'data-call-sid="{caller.call_sid}"' in page
    assert 'data-testid="claim"' not in page
