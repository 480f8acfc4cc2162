"""Console fixtures: users of each role, logged-in clients, Socket.IO clients, a frozen clock."""
import pytest
from sqlalchemy import select

from console import auth
from console import states
from shared.extensions import db
from shared.extensions import socketio
from shared.models import Administration
from shared.models import User
from shared.models import utcnow
from shared.types import Role
from tests.console.admin import restored_administrations  # noqa: F401  (the admin tests' fixture)
from tests.support.browser import browser  # noqa: F401  (fixtures of the browser tests)
from tests.support.browser import live  # noqa: F401
from tests.support.browser import live_server  # noqa: F401
from tests.support.browser import new_page  # noqa: F401
from tests.support.browser import page  # noqa: F401
from tests.support.browser import page_problems  # noqa: F401
from tests.support.clock import FrozenClock

PASSWORD = "correct horse 3737"


@pytest.fixture()
def make_user(app):
    """make_user("salma", Role.AGENT) -> a saved user with PASSWORD (detached: requests run
    in their own app context, as in production, so `g` is not shared between them)."""
    def make(username, role=Role.AGENT, **fields):
        with app.app_context():
            user = User(username=username, display_name=username.title(), role=role,
                        languages=[], **fields)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            db.session.remove()
        return user
    return make


@pytest.fixture()
def officer_admin_id(app):
    """The id of an administration an officer can belong to."""
    with app.app_context():
        admin_id = db.session.scalar(select(Administration.id).limit(1))
        db.session.remove()
    return admin_id


@pytest.fixture()
def agent(make_user):
    return make_user("salma", Role.AGENT)


@pytest.fixture()
def supervisor(make_user):
    return make_user("nadia", Role.SUPERVISOR)


def login(client, username, password=PASSWORD, **extra):
    return client.post("/console/login", data={"username": username, "password": password,
                                               **extra})


@pytest.fixture()
def logged_in(app):
    """logged_in(user) -> a test client with that user's session."""
    def make(user):
        client = app.test_client()
        response = login(client, user.username)
        assert response.status_code == 302, response.text
        return client
    return make


@pytest.fixture()
def socket_client(app):
    """socket_client(http_client) -> a Socket.IO client sharing that client's cookies."""
    clients = []

    def make(http_client):
        client = socketio.test_client(app, flask_test_client=http_client)
        clients.append(client)
        return client
    yield make
    for client in clients:
        if client.is_connected():
            client.disconnect()


@pytest.fixture()
def frozen(monkeypatch):
    """The sessions' and states' clock, frozen at now: frozen.advance(minutes=31)."""
    clock = FrozenClock(utcnow())
    monkeypatch.setattr(auth, "utcnow", clock)
    monkeypatch.setattr(states, "utcnow", clock)
    return clock


@pytest.fixture()
def wrapup_timers(monkeypatch):
    """The wrap-up timers asked for, as (user_id, seconds), instead of real timers."""
    asked = []
    monkeypatch.setattr(states, "schedule_wrapup_end",
                        lambda app, user_id, seconds: asked.append((user_id, seconds)))
    return asked


@pytest.fixture()
def known_data(app):
    """The figures' known data set (tests/support/figures_data.py), computed by hand."""
    from tests.support.figures_data import add_known_calls
    from tests.support.figures_data import add_known_cases
    with app.app_context():
        add_known_calls(db.session)
        add_known_cases(db.session)
        db.session.commit()
        db.session.remove()
