"""Admins manage users: create (the shared rules: username, password length, an officer's
administration), change a role, deactivate (sessions end and live consoles drop at once)
and reactivate, reset a password; never themselves, never the last admin. Every change is
recorded; a refused one says why with a 400; CSRF is checked."""
from html import unescape

import pytest

from shared import users
from sqlalchemy import select

from shared.extensions import db
from shared.models import User
from shared.types import Role
from tests.console.admin import changes
from tests.console.conftest import PASSWORD
from tests.console.conftest import login

NEW_PASSWORD = "a brand new password 3737"


@pytest.fixture()
def root(make_user):
    return make_user("root", Role.ADMIN)


@pytest.fixture()
def as_root(logged_in, root):
    return logged_in(root)


def stored(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            _ = user.administration  # loaded while the session is open
            db.session.expunge(user)
        db.session.remove()
    return user


def create(client, **fields):
    form = {"username": "amina", "display_name": "Amina B.", "role": "agent",
            "administration": "", "console_language": "ar", "password": NEW_PASSWORD}
    return client.post("/console/admin/users", data={**form, **fields})


def test_an_admin_lands_on_the_users_list(client, root):
    response = login(client, "root")
    assert response.headers["Location"] == "/console/admin/"
    page = client.get("/console/admin/", follow_redirects=True)
    assert page.status_code == 200 and 'data-testid="user-root"' in page.text


def test_an_admin_creates_a_user_who_logs_in(app, as_root, client):
    response = create(as_root)
    assert response.status_code == 303
    amina = stored(app, "amina")
    assert (amina.role, amina.display_name, amina.console_language) == (Role.AGENT, "Amina B.",
                                                                         "ar")
    assert amina.password_hash != NEW_PASSWORD and amina.check_password(NEW_PASSWORD)
    assert login(client, "amina", NEW_PASSWORD).status_code == 302
    assert client.get("/console/").status_code == 200
    assert changes(app) == [("user:root", "admin_user_create", "user:amina",
                             {"role": "agent", "administration": None})]


def test_an_officer_is_created_with_their_administration(app, as_root):
    assert create(as_root, username="omar", role="officer",
                  administration="201").status_code == 303
    assert stored(app, "omar").administration.code == "201"


@pytest.mark.parametrize("fields, reason", [
    ({"password": "short 3737"}, "au moins 12 caractères"),
    ({"username": "Bad Name!"}, "identifiant compte"),
    ({"username": "root"}, "déjà pris"),
    ({"username": "ROOT"}, "déjà pris"),
    ({"role": "officer", "administration": ""}, "code clavier de son administration"),
    ({"role": "officer", "administration": "999"}, "Aucune administration"),
    ({"role": "king"}, "Vérifiez le formulaire"),
    ({"username": ""}, "Vérifiez le formulaire"),
])
def test_a_bad_user_is_refused_with_its_reason(app, as_root, fields, reason):
    response = create(as_root, **fields)
    assert response.status_code == 400
    assert reason in unescape(response.text)
    assert stored(app, "amina") is None and changes(app) == []


def test_forms_need_their_csrf_token(app, as_root, config, make_user):
    config(WTF_CSRF_ENABLED=True)
    salma = make_user("salma", Role.AGENT)
    assert create(as_root).status_code == 400
    assert as_root.post(f"/console/admin/users/{salma.id}/deactivate").status_code == 400
    assert as_root.post(f"/console/admin/users/{salma.id}/password",
                        data={"password": NEW_PASSWORD}).status_code == 400
    assert stored(app, "amina") is None and stored(app, "salma").active
    assert changes(app) == []


def test_a_role_and_an_administration_are_changed(app, as_root, make_user, logged_in):
    salma = make_user("salma", Role.AGENT)
    her_console = logged_in(salma)
    response = as_root.post(f"/console/admin/users/{salma.id}/role",
                            data={"role": "officer", "administration": "201"})
    assert response.status_code == 303
    now = stored(app, "salma")
    assert (now.role, now.administration.code) == (Role.OFFICER, "201")
    # The new role applies from a new login: the old session ends.
    assert her_console.get("/console/").status_code == 302
    assert changes(app) == [("user:root", "admin_user_edit", "user:salma",
                             {"role": ["agent", "officer"], "administration": [None, "201"]})]
    assert as_root.post(f"/console/admin/users/{salma.id}/role",
                        data={"role": "officer", "administration": ""}).status_code == 400


def test_a_deactivated_user_is_logged_out_at_once_and_refused(app, as_root, make_user,
                                                               logged_in, socket_client):
    salma = make_user("salma", Role.AGENT)
    her_console = logged_in(salma)
    her_socket = socket_client(her_console)
    assert her_socket.is_connected()
    response = as_root.post(f"/console/admin/users/{salma.id}/deactivate")
    assert response.status_code == 303
    assert not her_socket.is_connected()
    assert her_console.get("/console/").status_code == 302  # to the login form
    assert login(her_console, "salma").status_code == 401
    assert not stored(app, "salma").active
    assert changes(app)[-1][1:3] == ("admin_user_deactivate", "user:salma")
    page = as_root.get(f"/console/admin/users/{salma.id}")
    assert 'data-active="no"' in page.text

    assert as_root.post(f"/console/admin/users/{salma.id}/reactivate").status_code == 303
    assert stored(app, "salma").active
    assert login(her_console, "salma").status_code == 302
    assert changes(app)[-1][1:3] == ("admin_user_reactivate", "user:salma")


def test_an_admin_cannot_deactivate_or_demote_themselves(app, as_root, root, make_user):
    make_user("second", Role.ADMIN)  # not the last admin: the rule is about oneself
    response = as_root.post(f"/console/admin/users/{root.id}/deactivate")
    assert response.status_code == 400 and "votre propre compte" in unescape(response.text)
    response = as_root.post(f"/console/admin/users/{root.id}/role", data={"role": "agent"})
    assert response.status_code == 400 and "votre propre compte" in unescape(response.text)
    assert stored(app, "root").active and stored(app, "root").role == Role.ADMIN
    assert changes(app) == []


def test_the_last_admin_is_never_removed(app, make_user, logged_in):
    """Two admins may remove each other one at a time; the one left stays. (Over HTTP an
    admin is refused themselves first; the rule guards two admins acting at once, so it
    is checked here through the service both screens call.)"""
    root = make_user("root", Role.ADMIN)
    other = make_user("other", Role.ADMIN)
    as_root = logged_in(root)
    assert as_root.post(f"/console/admin/users/{other.id}/role",
                        data={"role": "supervisor"}).status_code == 303
    with app.app_context():
        last = db.session.get(User, root.id)
        acting = db.session.get(User, other.id)
        with pytest.raises(users.UserRefused) as refused:
            users.deactivate(db.session, last, acting)
        assert refused.value.reason == "last_admin"
        with pytest.raises(users.UserRefused):
            users.change_role(db.session, last, Role.AGENT, None, acting)
        db.session.remove()


def test_a_password_is_reset_and_the_old_one_stops_working(app, as_root, make_user,
                                                           logged_in, client):
    salma = make_user("salma", Role.AGENT)
    her_console = logged_in(salma)
    response = as_root.post(f"/console/admin/users/{salma.id}/password",
                            data={"password": NEW_PASSWORD})
    assert response.status_code == 303
    assert her_console.get("/console/").status_code == 302
    assert login(client, "salma", PASSWORD).status_code == 401
    assert login(client, "salma", NEW_PASSWORD).status_code == 302
    assert changes(app) == [("user:root", "admin_user_password_reset", "user:salma", {})]
    weak = as_root.post(f"/console/admin/users/{salma.id}/password", data={"password": "short"})
    assert weak.status_code == 400 and "au moins 12 caractères" in unescape(weak.text)


def test_an_unknown_user_is_a_404(as_root):
    assert as_root.get("/console/admin/users/999999").status_code == 404
    assert as_root.post("/console/admin/users/999999/deactivate").status_code == 404
