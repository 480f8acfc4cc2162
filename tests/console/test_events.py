"""Socket.IO: refused without a live session, agents' states pushed to the agent's own
consoles and to the supervisors only, offline on the last disconnect, wrap-up ending by itself."""
import time

from console import states
from shared.extensions import db
from shared.models import AgentState
from shared.types import Role

EVENT = states.EVENT


def _states(client):
    return [(event["args"][0]["username"], event["args"][0]["state"], event["args"][0]["reason"])
            for event in client.get_received() if event["name"] == EVENT]


def _stored(app, user):
    with app.app_context():
        row = db.session.get(AgentState, user.id)
        return (row.state.value, row.reason) if row else None


def test_a_connection_without_a_session_is_refused(app, client, socket_client):
    assert not socket_client(client).is_connected()


def test_a_connection_with_an_ended_session_is_refused(app, agent, logged_in, socket_client):
    browser = logged_in(agent)
    browser.post("/console/logout")
    assert not socket_client(browser).is_connected()


def test_a_connection_after_the_idle_timeout_is_refused(agent, logged_in, socket_client,
                                                         config, frozen):
    config(CONSOLE_IDLE_TIMEOUT_SECONDS=600)
    browser = logged_in(agent)
    frozen.advance(seconds=601)
    assert not socket_client(browser).is_connected()


def test_an_officer_connects_to_their_own_room_only_and_has_no_agent_state(
        app, make_user, logged_in, socket_client, officer_admin_id):
    """Officers hear their deadline alerts (tests/console/test_deadlines.py), nothing else."""
    officer = make_user("cnss", Role.OFFICER, administration_id=officer_admin_id)
    socket = socket_client(logged_in(officer))
    assert socket.is_connected()
    assert socket.get_received() == []
    assert socket.emit("change_state", {"state": "available"}, callback=True) != {"ok": True}
    socket.disconnect()
    assert _stored(app, officer) is None


def test_a_logged_in_agent_connects_and_hears_their_state(agent, logged_in, socket_client):
    socket = socket_client(logged_in(agent))
    assert socket.is_connected()
    assert _states(socket) == [("salma", "offline", None)]


def test_a_change_goes_to_the_agent_and_the_supervisors_only(
        app, agent, make_user, supervisor, logged_in, socket_client, wrapup_timers):
    other = make_user("youssef")
    mine, again = socket_client(logged_in(agent)), socket_client(logged_in(agent))
    colleague = socket_client(logged_in(other))
    boss = socket_client(logged_in(supervisor))
    for socket in (mine, again, colleague, boss):
        socket.get_received()
    assert mine.emit("change_state", {"state": "paused", "reason": "meal"},
                     callback=True) == {"ok": True}
    assert _states(mine) == _states(again) == [("salma", "paused", "meal")]
    assert _states(boss) == [("salma", "paused", "meal")]
    assert _states(colleague) == []
    assert _stored(app, agent) == ("paused", "meal")


def test_a_pause_needs_a_known_reason(app, agent, logged_in, socket_client):
    socket = socket_client(logged_in(agent))
    socket.get_received()
    assert socket.emit("change_state", {"state": "paused"}, callback=True) == {
        "error": "invalid_reason"}
    assert socket.emit("change_state", {"state": "paused", "reason": "nap"},
                       callback=True) == {"error": "invalid_reason"}
    assert socket.emit("change_state", {"state": "asleep"}, callback=True) == {
        "error": "invalid_state"}
    assert socket.emit("change_state", {"state": "offline"}, callback=True) == {
        "error": "invalid_state"}
    assert socket.emit("change_state", "garbage", callback=True) == {"error": "invalid_state"}
    assert _states(socket) == []
    assert _stored(app, agent) == ("offline", None)


def test_logout_closes_the_users_other_consoles(app, agent, logged_in, socket_client):
    socket = socket_client(logged_in(agent))
    logged_in(agent).post("/console/logout")  # another browser of the same agent
    assert not socket.is_connected()


def test_an_event_with_an_ended_session_is_refused(app, agent, logged_in, socket_client,
                                                   monkeypatch):
    monkeypatch.setattr("console.views.disconnect_consoles", lambda user_id: None)
    socket = socket_client(logged_in(agent))
    logged_in(agent).post("/console/logout")  # every session ends, this one stays connected
    socket.get_received()
    assert socket.emit("change_state", {"state": "available"}, callback=True) == {
        "error": "unauthorized"}


def test_the_last_disconnect_makes_the_agent_offline(app, agent, supervisor, logged_in,
                                                     socket_client):
    browser = logged_in(agent)
    first, second = socket_client(browser), socket_client(browser)
    boss = socket_client(logged_in(supervisor))
    first.emit("change_state", {"state": "available"}, callback=True)
    boss.get_received()
    first.disconnect()
    assert _stored(app, agent) == ("available", None)  # another tab is still open
    second.disconnect()
    assert _stored(app, agent) == ("offline", None)
    assert _states(boss) == [("salma", "offline", None)]


def test_a_page_that_takes_over_within_the_grace_keeps_the_state(app, agent, logged_in,
                                                                   socket_client, config):
    """Going from the agent page to a call's page closes one socket and opens another: the
    agent stays as they were (on a call, say), not offline."""
    config(CONSOLE_DISCONNECT_GRACE_SECONDS=0.5)
    browser = logged_in(agent)
    page = socket_client(browser)
    page.emit("change_state", {"state": "available"}, callback=True)
    page.disconnect()
    socket_client(browser)  # the next page
    time.sleep(1)
    assert _stored(app, agent) == ("available", None)


def test_no_page_after_the_grace_is_offline(app, agent, logged_in, socket_client, config):
    config(CONSOLE_DISCONNECT_GRACE_SECONDS=0.3)
    page = socket_client(logged_in(agent))
    page.emit("change_state", {"state": "available"}, callback=True)
    page.disconnect()
    assert _stored(app, agent) == ("available", None)  # not yet
    deadline = time.monotonic() + 5
    while _stored(app, agent) != ("offline", None) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _stored(app, agent) == ("offline", None)


def test_a_state_changed_during_the_grace_is_left_alone(app, agent, logged_in, socket_client,
                                                        config):
    config(CONSOLE_DISCONNECT_GRACE_SECONDS=0.3)
    browser = logged_in(agent)
    page = socket_client(browser)
    page.emit("change_state", {"state": "available"}, callback=True)
    page.disconnect()
    browser.post("/console/state", data={"state": "paused", "reason": "break"})
    time.sleep(0.8)
    assert _stored(app, agent)[0] == "paused"


def test_logout_makes_the_agent_offline(app, agent, supervisor, logged_in, socket_client):
    browser = logged_in(agent)
    socket_client(browser).emit("change_state", {"state": "available"}, callback=True)
    boss = socket_client(logged_in(supervisor))
    boss.get_received()
    browser.post("/console/logout")
    assert _stored(app, agent) == ("offline", None)
    assert _states(boss) == [("salma", "offline", None)]


def test_wrap_up_ends_by_itself(app, agent, supervisor, logged_in, socket_client, config,
                                frozen, wrapup_timers):
    config(AGENT_WRAPUP_SECONDS=45)
    socket = socket_client(logged_in(agent))
    boss = socket_client(logged_in(supervisor))
    socket.emit("change_state", {"state": "wrap_up"}, callback=True)
    assert wrapup_timers == [(agent.id, 45)]
    boss.get_received()
    with app.app_context():
        states.end_wrapup(db.session, agent.id)  # the timer fired early: nothing changes
        db.session.commit()
    assert _stored(app, agent) == ("wrap_up", None)
    frozen.advance(seconds=45)
    with app.app_context():
        states.end_wrapup(db.session, agent.id)
        db.session.commit()
    assert _stored(app, agent) == ("available", None)
    assert _states(boss) == [("salma", "available", None)]


def test_an_ended_wrap_up_is_available_on_the_next_page_load(app, agent, logged_in, config,
                                                             frozen, wrapup_timers):
    config(AGENT_WRAPUP_SECONDS=30)
    browser = logged_in(agent)
    browser.post("/console/state", data={"state": "wrap_up"})
    assert 'data-state="wrap_up"' in browser.get("/console/").text
    frozen.advance(seconds=31)  # the timer was lost (a restart)
    assert 'data-state="available"' in browser.get("/console/").text


def test_the_timer_makes_the_agent_available(app, agent, logged_in, config):
    config(AGENT_WRAPUP_SECONDS=0)
    browser = logged_in(agent)
    browser.post("/console/state", data={"state": "wrap_up"})
    assert _stored(app, agent) == ("available", None)  # no wrap-up time: available at once


def test_the_state_form_works_without_javascript(app, agent, logged_in):
    browser = logged_in(agent)
    response = browser.post("/console/state", data={"state": "paused", "reason": "training"})
    assert response.status_code == 303
    assert _stored(app, agent) == ("paused", "training")
    page = browser.get("/console/").text
    assert 'data-state="paused"' in page and "(Formation)" in page
    refused = browser.post("/console/state", data={"state": "paused"}, follow_redirects=True)
    assert "Une pause demande un motif." in refused.text
    assert _stored(app, agent) == ("paused", "training")
