"""Opening hours edited in the console: validated with OPENING_HOURS' syntax, recorded,
and applied by the IVR's queue decision (closed: voicemail or callback is offered); an
empty value goes back to the environment's default."""
from html import unescape

import pytest

from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from shared import opening_hours
from shared.extensions import db
from shared.models import Setting
from shared.types import Role
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.console.admin import changes
from tests.ivr.helpers import to_main_menu

CLOSED = "mon-sun 00:00-00:01"
ALWAYS = "mon-sun 00:00-23:59"


@pytest.fixture()
def as_root(make_user, logged_in):
    return logged_in(make_user("root", Role.ADMIN))


def asks_an_agent(app):
    """What a caller who presses 0 hears first."""
    caller = Caller(FlaskTransport(app.test_client()), PUBLIC_BASE_URL, TEST_AUTH_TOKEN,
                    caller="+212612345678", account_sid=TEST_ACCOUNT_SID)
    to_main_menu(caller, "fr")
    return caller.press("0").keys


def test_hours_set_in_the_console_close_the_queue_and_an_empty_value_reopens_it(app,
                                                                                 as_root):
    assert asks_an_agent(app) == ["agent_connecting"]  # the environment's: always open
    response = as_root.post("/console/admin/hours", data={"opening_hours": CLOSED})
    assert response.status_code == 303
    assert asks_an_agent(app) == ["agent_unavailable", "offer_voicemail_or_callback"]
    page = as_root.get("/console/admin/hours")
    assert f'data-testid="hours-in-force">{CLOSED}<' in page.text

    assert as_root.post("/console/admin/hours", data={"opening_hours": ""}).status_code == 303
    assert asks_an_agent(app) == ["agent_connecting"]
    assert [change[1:] for change in changes(app)] == [
        ("admin_opening_hours_edit", "setting:opening_hours", {"value": [None, CLOSED]}),
        ("admin_opening_hours_edit", "setting:opening_hours", {"value": [CLOSED, None]})]


def test_console_hours_override_the_environment(app, as_root, config):
    config(OPENING_HOURS=CLOSED)
    assert asks_an_agent(app)[0] == "agent_unavailable"
    as_root.post("/console/admin/hours", data={"opening_hours": ALWAYS})
    assert asks_an_agent(app) == ["agent_connecting"]


@pytest.mark.parametrize("hours", ["mon-fri 8h-16h", "lun-ven 08:00-16:00",
                                   "mon 16:00-08:00", "x" * 501])
def test_unreadable_hours_are_refused_and_nothing_changes(app, as_root, hours):
    response = as_root.post("/console/admin/hours", data={"opening_hours": hours})
    assert response.status_code == 400
    assert "illisibles" in unescape(response.text) or "Vérifiez le formulaire" in unescape(
        response.text)
    assert asks_an_agent(app) == ["agent_connecting"] and changes(app) == []


def test_the_hours_form_needs_its_csrf_token(app, as_root, config):
    config(WTF_CSRF_ENABLED=True)
    response = as_root.post("/console/admin/hours", data={"opening_hours": CLOSED})
    assert response.status_code == 400
    assert asks_an_agent(app) == ["agent_connecting"]


def test_the_setting_is_read_again_after_its_cache_time(app, config):
    """Another process's change is seen within SETTINGS_CACHE_SECONDS (here: cached)."""
    config(SETTINGS_CACHE_SECONDS=60)
    with app.app_context():
        opening_hours.forget()
        assert opening_hours.spec(db.session) == ALWAYS
        db.session.add(Setting(name=opening_hours.NAME, value=CLOSED))  # another process
        db.session.commit()
        assert opening_hours.spec(db.session) == ALWAYS  # still cached
        opening_hours.forget()
        assert opening_hours.spec(db.session) == CLOSED
        opening_hours.forget()
        db.session.remove()
