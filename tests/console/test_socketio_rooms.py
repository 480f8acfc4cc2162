"""Socket.IO with Flask-SocketIO's test client: who may connect, and who hears an agent's state."""
import pytest

from shared.extensions import socketio
from tests.console.conftest import PASSWORD

STATE_EVENT = "agent_state_changed"


@pytest.fixture()
def console(app, make_user):
    """console(username, role="agent") → a Socket.IO test client sharing a logged-in
    session's cookie (the user is created first); its backlog of events emptied."""
    clients = []

    def connect(username: str, role: str = "agent", *options: str):
        make_user(username, role, *options)
        http = app.test_client()
        response = http.post("/console/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        client = socketio.test_client(app, flask_test_client=http)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if client.is_connected():
            client.disconnect()


def states_heard(client) -> list[tuple[str, str]]:
    return [(event["args"][0]["username"], event["args"][0]["state"])
            for event in client.get_received() if event["name"] == STATE_EVENT]


def test_without_a_session_the_connection_is_refused(app):
    client = socketio.test_client(app, flask_test_client=app.test_client())
    assert not client.is_connected()


def test_a_failed_login_gives_no_connection(app, make_user):
    make_user("amina")
    http = app.test_client()
    http.post("/console/login", data={"username": "amina", "password": "wrong"})
    assert not socketio.test_client(app, flask_test_client=http).is_connected()


def test_an_officer_may_not_connect_to_the_agents_events(app, make_user):
    make_user("omar", "officer", "--administration", "0101")
    http = app.test_client()
    assert http.post("/console/login",
                     data={"username": "omar", "password": PASSWORD}).status_code == 302
    assert not socketio.test_client(app, flask_test_client=http).is_connected()


def test_a_logged_in_agent_connects_and_hears_its_own_state(console):
    amina = console("amina")
    assert amina.is_connected()
    assert states_heard(amina) == [("amina", "offline")]


def test_a_state_change_reaches_the_agent_and_the_supervisors_only(console):
    amina, karim, sara = console("amina"), console("karim"), console("sara", "supervisor")
    for client in (amina, karim, sara):
        client.get_received()

    answer = amina.emit("change_state", {"state": "available"}, callback=True)

    assert answer == {"ok": True}
    assert states_heard(amina) == [("amina", "available")]
    assert states_heard(sara) == [("amina", "available")]
    assert states_heard(karim) == []


def test_a_state_that_does_not_exist_is_refused_and_told_to_nobody(console):
    amina, sara = console("amina"), console("sara", "supervisor")
    for client in (amina, sara):
        client.get_received()

    assert amina.emit("change_state", {"state": "asleep"}, callback=True) == \
        {"error": "invalid_state"}
    assert amina.emit("change_state", {"state": "paused"}, callback=True) == \
        {"error": "invalid_reason"}
    assert states_heard(amina) == states_heard(sara) == []
