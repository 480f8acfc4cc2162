"""When a claimed call ends (the IVR's status webhook), its agent goes to wrap-up and their
pages are told; nobody else hears of it."""
from console.claims import HELD_CALL_ENDED
from shared.types import Role
from tests.console.calls import events
from tests.console.calls import new_caller
from tests.console.calls import queue_at_once
from tests.console.test_claim import make_available
from tests.console.test_claim import state_of


def test_the_end_of_a_held_call_puts_its_agent_in_wrap_up(
        app, fake_twilio, make_user, supervisor, logged_in, socket_client, config,
        wrapup_timers):
    config(AGENT_WRAPUP_SECONDS=45)
    salma, karim = make_user("salma", Role.AGENT), make_user("karim", Role.AGENT)
    make_available(app, salma)
    caller = queue_at_once(new_caller(app))
    browser = logged_in(salma)
    assert browser.post(f"/console/calls/{caller.call_sid}/claim", data={}).status_code == 303
    mine, other = socket_client(browser), socket_client(logged_in(karim))
    boss = socket_client(logged_in(supervisor))
    for socket in (mine, other, boss):
        socket.get_received()

    caller.hang_up()

    assert state_of(app, salma) == "wrap_up"
    assert wrapup_timers == [(salma.id, 45)]
    received = mine.get_received()
    assert [e["args"][0] for e in received if e["name"] == HELD_CALL_ENDED] == [
        {"call_sid": caller.call_sid}]
    assert [e["args"][0]["state"] for e in received if e["name"] == "agent_state_changed"] \
        == ["wrap_up"]
    assert events(other, HELD_CALL_ENDED) == []
    assert events(boss, HELD_CALL_ENDED) == []


def test_a_paused_agent_stays_paused_when_the_call_ends(app, fake_twilio, agent, logged_in,
                                                        wrapup_timers):
    caller = queue_at_once(new_caller(app))
    browser = logged_in(agent)
    browser.post(f"/console/calls/{caller.call_sid}/claim", data={})
    browser.post("/console/state", data={"state": "paused", "reason": "technical"})
    caller.hang_up()
    assert state_of(app, agent) == "paused"
    assert wrapup_timers == []


def test_a_replayed_status_callback_changes_nothing(app, fake_twilio, agent, logged_in,
                                                    wrapup_timers):
    caller = queue_at_once(new_caller(app))
    browser = logged_in(agent)
    browser.post(f"/console/calls/{caller.call_sid}/claim", data={})
    caller.hang_up()
    browser.post("/console/state", data={"state": "available"})
    caller.hang_up()  # Twilio retries the callback
    assert state_of(app, agent) == "available"
