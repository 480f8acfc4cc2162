"""Opening hours edited in the console: validated with OPENING_HOURS' syntax, recorded,
and applied by the IVR's queue decision (closed: voicemail or callback is offered); an
empty value goes back to the environment's default. The weekly form writes the same
setting: each day closed or open with its time ranges, checked, read back into the form."""
import datetime as dt
import re
from html import unescape

import pytest

import ivr.queue
from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from shared import hours
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


# The weekly form ---------------------------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Monday to Thursday 08:30-16:30, Friday split around the prayer (ranges typed out of
# order), Saturday closed though a range is typed, Sunday closed.
WEEK = {**{day: [("08:30", "16:30")] for day in ("mon", "tue", "wed", "thu")},
        "fri": [("14:00", "16:30"), ("08:30", "12:00")]}
WEEK_SPEC = "mon-thu 08:30-16:30; fri 08:30-12:00; fri 14:00-16:30"


def week_form(days: dict, closed_with_ranges: dict | None = None) -> dict:
    """The week form's fields: `days` open with their (start, end) ranges, the others
    closed (with the ranges of `closed_with_ranges` typed)."""
    form = {}
    for day in DAYS:
        if day in days:
            form[f"{day}-open"] = "y"
        for index, (start, end) in enumerate(days.get(day) or
                                             (closed_with_ranges or {}).get(day, [])):
            form[f"{day}-ranges-{index}-start"] = start
            form[f"{day}-ranges-{index}-end"] = end
    return form


def opened(page: str) -> set[str]:
    """The days whose 'open' box is ticked."""
    return set(re.findall(r'<input checked data-testid="open-(\w+)"', page))


def at(monkeypatch, moment: str) -> None:
    """The IVR's clock frozen at `moment` (UTC; Casablanca is UTC+1 outside Ramadan)."""
    frozen = dt.datetime.fromisoformat(moment).replace(tzinfo=dt.timezone.utc)
    monkeypatch.setattr(ivr.queue, "utcnow", lambda: frozen)


def test_the_week_form_is_stored_in_the_ivrs_syntax_and_decides_the_queue(app, as_root,
                                                                          monkeypatch):
    response = as_root.post("/console/admin/hours/week",
                            data=week_form(WEEK, {"sat": [("09:00", "12:00")]}))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Setting, opening_hours.NAME).value == WEEK_SPEC
        assert hours.parse(opening_hours.spec(db.session)).windows[-2:] == (
            (4, dt.time(8, 30), dt.time(12)), (4, dt.time(14), dt.time(16, 30)))
        db.session.remove()
    page = as_root.get("/console/admin/hours").text  # read back into the form
    assert opened(page) == {"mon", "tue", "wed", "thu", "fri"}
    assert 'name="fri-ranges-1-start" step="60" type="time" value="14:00"' in page
    for moment, heard in [
            ("2026-11-30T07:29", "agent_unavailable"),  # Monday 08:29 in Casablanca
            ("2026-11-30T07:30", "agent_connecting"),   # Monday 08:30
            ("2026-12-04T10:59", "agent_connecting"),   # Friday 11:59
            ("2026-12-04T11:00", "agent_unavailable"),  # Friday 12:00: the prayer
            ("2026-12-04T13:00", "agent_connecting"),   # Friday 14:00
            ("2026-12-05T09:00", "agent_unavailable"),  # Saturday 10:00: closed
            ("2026-12-06T09:00", "agent_unavailable")]:  # Sunday
        at(monkeypatch, moment)
        assert asks_an_agent(app)[0] == heard, moment
    assert [change[1:] for change in changes(app)] == [
        ("admin_opening_hours_edit", "setting:opening_hours", {"value": [None, WEEK_SPEC]})]


def test_the_week_form_reads_the_hours_in_force(app, as_root):
    as_root.post("/console/admin/hours", data={
        "opening_hours": "mon-fri 08:00-12:00; mon-fri 13:00-17:00; sat 09:00-12:00"})
    page = as_root.get("/console/admin/hours").text
    for name, value in [("mon-ranges-0-start", "08:00"), ("mon-ranges-1-start", "13:00"),
                        ("fri-ranges-1-end", "17:00"), ("sat-ranges-0-end", "12:00"),
                        ("mon-ranges-2-start", "")]:
        assert f'name="{name}" step="60" type="time" value="{value}"' in page, name
    assert opened(page) == {"mon", "tue", "wed", "thu", "fri", "sat"}
    assert "sun-ranges-0-start" in page  # a closed day gets empty ranges to open it


def test_the_environments_hours_fill_the_week_until_an_admin_saves_it(app, as_root, config):
    config(OPENING_HOURS="mon-fri 08:30-16:30")
    page = as_root.get("/console/admin/hours").text
    assert 'name="fri-ranges-0-start" step="60" type="time" value="08:30"' in page
    assert "les horaires par défaut du serveur" in unescape(page)


@pytest.mark.parametrize("days, reason", [
    ({"mon": [("16:30", "08:30")]}, "Lundi : la plage 16:30-08:30 finit avant de commencer"),
    ({"mon": [("08:30", "08:30")]}, "Lundi : la plage 08:30-08:30 finit avant de commencer"),
    ({"fri": [("08:30", "12:30"), ("12:00", "16:30")]},
     "Vendredi : les plages 08:30-12:30 et 12:00-16:30 se chevauchent"),
    ({"tue": [("09:00", "12:00"), ("09:00", "12:00")]}, "Mardi : les plages 09:00-12:00 et"),
    ({"wed": [("25:00", "26:00")]}, "Mercredi : « 25:00 » n'est pas une heure"),
    ({"wed": [("8h30", "16h")]}, "Mercredi : « 8h30 » n'est pas une heure"),
    ({"thu": [("08:30", "")]}, "Jeudi : une plage horaire a un début et une fin"),
    ({"sat": []}, "Samedi est ouvert : indiquez au moins une plage horaire"),
    ({}, "Ouvrez au moins un jour"),
])
def test_a_wrong_week_is_refused_with_its_reason_and_nothing_typed_is_lost(app, as_root,
                                                                           days, reason):
    form = week_form({"sun": [("10:00", "11:00")], **days} if days else {})
    response = as_root.post("/console/admin/hours/week", data=form)
    assert response.status_code == 400
    page = unescape(response.text)
    assert reason in page
    for name, value in form.items():
        if value != "y":
            assert f'name="{name}" step="60" type="time" value="{value}"' in page, name
    assert opened(page) == {name.removesuffix("-open") for name in form
                            if name.endswith("-open")}
    assert asks_an_agent(app) == ["agent_connecting"] and changes(app) == []
    with app.app_context():
        assert db.session.get(Setting, opening_hours.NAME) is None
        db.session.remove()


def test_a_wrong_week_is_told_in_the_admins_language(app, make_user, logged_in):
    root = logged_in(make_user("root", Role.ADMIN, console_language="ar"))
    response = root.post("/console/admin/hours/week",
                         data=week_form({"mon": [("16:30", "08:30")]}))
    assert response.status_code == 400
    assert "الاثنين: الفترة \u206616:30-08:30\u2069 تنتهي قبل أن تبدأ." in unescape(response.text)


def test_the_week_form_needs_its_csrf_token(app, as_root, config):
    config(WTF_CSRF_ENABLED=True)
    response = as_root.post("/console/admin/hours/week", data=week_form(WEEK))
    assert response.status_code == 400
    assert changes(app) == []
