"""A logged-in console for tests outside tests/console (Socket.IO refuses anonymous clients)."""
import secrets
from contextlib import nullcontext

from flask import has_app_context

from shared.extensions import db
from shared.extensions import socketio
from shared.models import User
from shared.types import Role


def logged_in_socket(app, role: Role = Role.AGENT):
    """A Socket.IO test client of a new user of `role`, logged in through the login form."""
    username = f"tester-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    # In the test's own app context when it has one: the login request runs in it too.
    with nullcontext() if has_app_context() else app.app_context():
        user = User(username=username, display_name=username, role=role, languages=[])
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
    browser = app.test_client()
    response = browser.post("/console/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    client = socketio.test_client(app, flask_test_client=browser)
    assert client.is_connected()
    client.get_received()  # the user's own state, sent on connect
    return client
