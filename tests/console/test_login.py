"""Login and logout: the contract's form, same answer for any wrong pair, limits on failed
logins, a new session at login, idle and absolute timeouts, logout ending every session."""
import pytest

from tests.console.conftest import PASSWORD
from tests.console.conftest import login


def test_login_form_has_the_contracts_inputs(client):
    page = client.get("/console/login")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text


def test_a_good_login_lands_on_the_console(client, agent):
    response = login(client, "salma")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_the_username_is_not_case_sensitive(client, agent):
    assert login(client, "SALMA").status_code == 302


@pytest.mark.parametrize("next_page, lands_on", [
    ("/console/?tab=1", "/console/?tab=1"),
    ("https://evil.example/", "/console/"),
    ("//evil.example/", "/console/"),
    ("/\\evil.example", "/console/"),
    ("javascript:alert(1)", "/console/"),
])
def test_login_goes_back_only_to_a_page_of_this_site(client, agent, next_page, lands_on):
    response = login(client, "salma", next=next_page)
    assert response.headers["Location"] == lands_on


def test_a_page_that_needs_a_login_sends_to_the_form_and_back(client, agent):
    response = client.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=/console/")
    form = client.get(response.headers["Location"])
    assert 'name="next" type="hidden" value="/console/"' in form.text


def test_wrong_password_and_unknown_user_get_the_same_answer(client, agent):
    wrong_password = login(client, "salma", "not-it")
    unknown_user = login(client, "nobody", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in wrong_password.text
    assert "Identifiant ou mot de passe incorrect." in unknown_user.text
    assert client.get("/console/").status_code == 302  # still not logged in


def test_an_inactive_user_cannot_log_in(client, make_user):
    make_user("gone", active=False)
    assert login(client, "gone").status_code == 401


def test_an_empty_form_is_a_400_not_a_500(client):
    assert client.post("/console/login", data={}).status_code == 400


def test_failed_logins_lock_the_account(client, agent, config):
    config(CONSOLE_LOGIN_LIMIT_ACCOUNT="3 per 15 minutes")
    for _ in range(3):
        assert login(client, "salma", "guess").status_code == 401
    locked = login(client, "salma")  # even the right password, from anywhere
    assert locked.status_code == 429
    assert "Trop de connexions échouées" in locked.text
    other_address = client.post("/console/login", data={"username": "salma", "password": PASSWORD},
                                environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other_address.status_code == 429


def test_failed_logins_lock_the_address(client, agent, make_user, config):
    config(CONSOLE_LOGIN_LIMIT_ADDRESS="4 per 15 minutes")
    make_user("youssef")
    for name in ("a", "b", "c", "d"):  # a different account each time
        assert login(client, name, "guess").status_code == 401
    assert login(client, "youssef").status_code == 429
    elsewhere = client.post("/console/login", data={"username": "youssef", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert elsewhere.status_code == 302


def test_good_logins_do_not_count(client, agent, config):
    config(CONSOLE_LOGIN_LIMIT_ACCOUNT="2 per 15 minutes")
    for _ in range(4):
        assert login(client, "salma").status_code == 302


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_starts_a_new_session(app, client, agent):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = _session_cookie(client)
    login(client, "salma")
    assert _session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == str(agent.id)


def test_logout_is_a_post_and_ends_every_session(app, agent, logged_in):
    first, second = logged_in(agent), logged_in(agent)
    stolen_cookie = _session_cookie(first)
    assert first.get("/console/logout").status_code == 405
    response = first.post("/console/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    assert first.get("/console/").status_code == 302
    assert second.get("/console/").status_code == 302  # the other browser too
    replay = app.test_client()
    replay.set_cookie("session", stolen_cookie)
    assert replay.get("/console/").status_code == 302


def test_the_session_ends_after_the_idle_timeout(client, agent, config, frozen):
    config(CONSOLE_IDLE_TIMEOUT_SECONDS=600, CONSOLE_SESSION_MAX_SECONDS=3600)
    login(client, "salma")
    frozen.advance(seconds=590)
    assert client.get("/console/").status_code == 200  # activity keeps it alive
    frozen.advance(seconds=590)
    assert client.get("/console/").status_code == 200
    frozen.advance(seconds=601)
    expired = client.get("/console/")
    assert expired.status_code == 302
    assert "Votre session a expiré" in client.get(expired.headers["Location"]).text


def test_the_session_ends_after_the_absolute_timeout(client, agent, config, frozen):
    config(CONSOLE_IDLE_TIMEOUT_SECONDS=600, CONSOLE_SESSION_MAX_SECONDS=1800)
    login(client, "salma")
    for _ in range(3):
        frozen.advance(seconds=500)
        assert client.get("/console/").status_code == 200
    frozen.advance(seconds=301)  # active all along, but 1801 s since the login
    assert client.get("/console/").status_code == 302


def test_csrf_is_enforced_on_login_and_logout(app, client, agent, config):
    config(WTF_CSRF_ENABLED=True)
    refused = login(client, "salma")
    assert refused.status_code == 400
    page = client.get("/console/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert login(client, "salma", csrf_token=token).status_code == 302
    assert client.post("/console/logout").status_code == 400  # no token: still logged in
    assert client.get("/console/").status_code == 200
