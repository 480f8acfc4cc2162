"""Admins find administrations (by a name in any language, acronym or keypad code) and
edit their names, synonyms, acronym, keypad code and active flag. The code stays unique,
short and clear of the menus' keys; the IVR's grammars, its keypad and spoken look-ups and
Open311's services follow the edit at once; a reload of the data files keeps it."""
from html import unescape

import pytest
from sqlalchemy import select

from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from ivr.speech.grammars import load_grammar
from ivr.speech.grammars import write_administration_grammars
from shared import administrations
from shared.extensions import db
from shared.models import Administration
from shared.types import Role
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.console.admin import changes
from tests.ivr.helpers import to_main_menu

pytestmark = pytest.mark.usefixtures("restored_administrations")
CNSS = "201"  # in the curated data, with its acronym


@pytest.fixture()
def as_root(make_user, logged_in):
    return logged_in(make_user("root", Role.ADMIN))


def row(app, code) -> Administration | None:
    with app.app_context():
        admin = db.session.scalar(select(Administration).where(Administration.code == code))
        if admin is not None:
            db.session.expunge(admin)
        db.session.remove()
    return admin


def edit_form(admin: Administration, **changes) -> dict:
    form = {"code": admin.code, "acronym": admin.acronym or "",
            "active": "y" if admin.active else ""}
    for language in ("fr", "ar", "ary"):
        form[f"name_{language}"] = admin.names.get(language, "")
        form[f"synonyms_{language}"] = "\n".join(admin.synonyms.get(language, []))
    form.update(changes)
    return {name: value for name, value in form.items() if value != ""}


def save(client, admin, **changes):
    return client.post(f"/console/admin/administrations/{admin.id}",
                       data=edit_form(admin, **changes))


@pytest.mark.parametrize("query", ["CNSS", "caisse nationale de sécurité", "الضمان الاجتماعي",
                                   "201"])
def test_an_administration_is_found_by_any_name_acronym_or_code(app, as_root, query):
    response = as_root.get("/console/admin/administrations", query_string={"q": query})
    assert response.status_code == 200
    assert f'data-testid="administration-{CNSS}"' in response.text


def test_an_edit_is_saved_recorded_and_kept_through_a_data_reload(app, as_root):
    cnss = row(app, CNSS)
    response = save(as_root, cnss, name_fr="Caisse nationale (CNSS)",
                    synonyms_fr="sécurité sociale\nla caisse bleue", acronym="CNSS-MA")
    assert response.status_code == 303
    edited = row(app, CNSS)
    assert edited.names["fr"] == "Caisse nationale (CNSS)" and edited.acronym == "CNSS-MA"
    assert edited.synonyms["fr"] == ["sécurité sociale", "la caisse bleue"]
    assert edited.edited_in_console
    [(actor, action, target, details)] = changes(app)
    assert (actor, action, target) == ("user:root", "admin_administration_edit",
                                       f"administration:{cnss.id}")
    assert details["acronym"] == [cnss.acronym, "CNSS-MA"]
    assert details["names"][1]["fr"] == "Caisse nationale (CNSS)"

    with app.app_context():  # what `release` and `flask data load-administrations` run
        administrations.load(db.session)
        db.session.commit()
        db.session.remove()
    reloaded = row(app, CNSS)
    assert reloaded.names == edited.names and reloaded.synonyms == edited.synonyms
    assert reloaded.acronym == "CNSS-MA"


def test_a_new_keypad_code_is_what_callers_key_and_open311_lists(app, as_root, client):
    cnss = row(app, CNSS)
    assert save(as_root, cnss, code="299").status_code == 303
    services = {service["service_code"] for service in
                client.get("/open311/v2/services.json").get_json()}
    assert "299" in services and CNSS not in services
    caller = new_caller(app)
    to_main_menu(caller, "fr")
    caller.press("1")
    assert caller.press(CNSS).keys[0] == "administration_unknown"
    assert caller.press("299").keys == ["you_chose", "confirm_choice"]


@pytest.mark.parametrize("code, reason", [
    ("202", "Une autre administration a déjà ce code"),  # another's (curated ONCF...)
    ("20", "est le début du code"),                        # a prefix of 201, 202 ...
    ("2021", "est le début du code"),                      # starts with 202
    ("0123", "ne peut pas commencer par 0"),
    ("9", "ne peut pas commencer par 0 ni par 9"),
    ("1234567", "1 à 6 chiffres"),
    ("12a", "1 à 6 chiffres"),
])
def test_a_keypad_code_that_clashes_is_refused(app, as_root, code, reason):
    cnss = row(app, CNSS)
    assert row(app, "202") is not None
    response = save(as_root, cnss, code=code)
    assert response.status_code == 400
    assert reason in unescape(response.text)
    assert row(app, CNSS).code == CNSS and changes(app) == []


def test_a_code_given_back_is_taken_by_nobody_else_and_an_inactive_ones_neither(app, as_root):
    cnss, other = row(app, CNSS), row(app, "202")
    assert save(as_root, other, active="").status_code == 303  # deactivated, code kept
    assert not row(app, "202").active
    assert save(as_root, cnss, code="202").status_code == 400


@pytest.mark.parametrize("changes_, reason", [
    ({"name_fr": "", "name_ar": "", "name_ary": ""}, "au moins une langue"),
    ({"code": ""}, "Vérifiez le formulaire"),
    ({"acronym": "x" * 40}, "Vérifiez le formulaire"),
])
def test_a_bad_edit_is_refused_with_its_reason(app, as_root, changes_, reason):
    response = save(as_root, row(app, CNSS), **changes_)
    assert response.status_code == 400 and reason in unescape(response.text)
    assert not row(app, CNSS).edited_in_console


def test_the_edit_form_needs_its_csrf_token(app, as_root, config):
    config(WTF_CSRF_ENABLED=True)
    assert save(as_root, row(app, CNSS), acronym="X").status_code == 400
    assert row(app, CNSS).acronym != "X"


def test_the_ivr_grammars_follow_an_edit_without_a_restart(app, as_root):
    directory = app.config["GRAMMARS_DIR"]
    with app.app_context():  # as `release` leaves them
        write_administration_grammars(db.session, directory)
        before = load_grammar("fr", "administrations")
        db.session.remove()
    assert "la caisse bleue" not in before.intents.get(CNSS, [])
    assert save(as_root, row(app, CNSS), code="299",
                synonyms_fr="la caisse bleue").status_code == 303
    with app.app_context():
        after = load_grammar("fr", "administrations")
        assert "la caisse bleue" in after.intents["299"] and CNSS not in after.intents
        assert after.intent("c'est la caisse bleue") == "299"
        db.session.remove()
    # ... and a second edit at once (within the file system's clock tick) too.
    assert save(as_root, row(app, "299"), synonyms_fr="la caisse verte").status_code == 303
    with app.app_context():
        assert "la caisse verte" in load_grammar("fr", "administrations").intents["299"]
        db.session.remove()


def new_caller(app) -> Caller:
    return Caller(FlaskTransport(app.test_client()), PUBLIC_BASE_URL, TEST_AUTH_TOKEN,
                  caller="+212612345678", account_sid=TEST_ACCOUNT_SID)


def test_callers_and_agents_find_a_new_synonym_at_once(app, as_root, make_user, logged_in):
    """The IVR's spoken look-up and the agents' search keep indexes of the names: both
    are rebuilt after the edit (each was built before it, here)."""
    agent = logged_in(make_user("salma", Role.AGENT))
    searched = {"q": "caisse bleue"}
    assert agent.get("/console/administrations", query_string=searched).get_json()["results"] == []
    caller = new_caller(app)
    to_main_menu(caller, "fr")
    caller.press("1")
    assert caller.speak("la caisse bleue").keys[0] == "administration_unknown"

    assert save(as_root, row(app, CNSS), synonyms_fr="la caisse bleue").status_code == 303
    caller = new_caller(app)
    to_main_menu(caller, "fr")
    caller.press("1")
    assert caller.speak("la caisse bleue").keys == ["you_chose", "confirm_choice"]
    found = agent.get("/console/administrations", query_string=searched).get_json()["results"]
    assert [item["code"] for item in found] == [CNSS]


def test_an_inactive_administration_is_gone_for_callers_and_open311(app, as_root, client):
    assert save(as_root, row(app, CNSS), active="").status_code == 303
    services = {service["service_code"] for service in
                client.get("/open311/v2/services.json").get_json()}
    assert CNSS not in services
    with app.app_context():
        assert CNSS not in load_grammar("fr", "administrations").intents
        db.session.remove()


def test_an_unknown_administration_is_a_404(as_root):
    assert as_root.get("/console/admin/administrations/999999").status_code == 404
