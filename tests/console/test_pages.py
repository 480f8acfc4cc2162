"""The landing page, the security headers on every response, the languages (French by
default, Arabic and Darija right to left), the choice kept on the user's row."""
import pytest

from shared.extensions import db
from shared.models import User


def test_the_landing_page_says_what_this_is_and_links_on(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/console/login"' in page.text
    assert 'href="/open311/v2/openapi.json"' in page.text
    assert "centre d'appels" in page.text
    assert client.get("/open311/v2/openapi.json").status_code == 200
    assert 'href="/console/devphone/"' in page.text  # outside production (test_devphone.py)


@pytest.mark.parametrize("path", ["/", "/console/login", "/console/", "/healthz",
                                  "/open311/v2/services.json", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, agent, logged_in):
    for page in (client.get("/").text, client.get("/console/login").text,
                 logged_in(agent).get("/console/").text):
        assert "<script>" not in page and "<style" not in page and " style=" not in page
        assert " on" + "click=" not in page and " on" + "change=" not in page


def test_static_assets_are_served_locally(client):
    for name in ("console.css", "console.js", "vendor/socket.io.min.js",
                 "vendor/socket.io.LICENSE"):
        response = client.get(f"/console/static/{name}")
        assert response.status_code == 200
        response.close()


@pytest.mark.parametrize("env, secure", [("production", True), ("development", False)])
def test_session_cookie_flags(tmp_path, env, secure):
    from shared.config import load_config
    environ = {"APP_ENV": env, "SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": "t",
               "PUBLIC_BASE_URL": "https://x.test", "DATABASE_URL": "sqlite://",
               "TWILIO_ACCOUNT_SID": "AC1"}
    config = load_config(tmp_path, environ)
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_french_by_default(client):
    page = client.get("/", headers={"Accept-Language": "en-GB"}).text
    assert '<html lang="fr" dir="ltr">' in page


@pytest.mark.parametrize("language, title", [("ar", "ألو إدارتي 3737"),
                                             ("ary", "ألو إدارتي 3737")])
def test_arabic_and_darija_read_right_to_left(client, language, title):
    client.post("/console/language", data={"language": language, "next": "/"})
    page = client.get("/").text
    assert f'<html lang="{language}" dir="rtl">' in page
    assert title in page


def test_darija_labels_on_the_agent_page(agent, logged_in):
    browser = logged_in(agent)
    browser.post("/console/language", data={"language": "ary"})
    page = browser.get("/console/").text
    assert '<html lang="ary" dir="rtl">' in page
    assert "الحالة ديالي" in page and "ماشي متاصل" in page


def test_a_users_choice_is_kept_on_their_row(app, agent, logged_in):
    logged_in(agent).post("/console/language", data={"language": "ar"})
    with app.app_context():
        assert db.session.get(User, agent.id).console_language == "ar"
    later = logged_in(agent)  # another day, another browser
    assert '<html lang="ar" dir="rtl">' in later.get("/console/").text


def test_a_logged_in_user_without_a_choice_reads_french(agent, logged_in):
    browser = logged_in(agent)
    page = browser.get("/console/", headers={"Accept-Language": "ar"}).text
    assert '<html lang="fr" dir="ltr">' in page


def test_an_unknown_language_changes_nothing(client):
    client.post("/console/language", data={"language": "xx", "next": "/"})
    assert '<html lang="fr" dir="ltr">' in client.get("/").text


def test_the_language_form_goes_back_only_to_this_site(client):
    response = client.post("/console/language", data={"language": "ar",
                                                      "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
