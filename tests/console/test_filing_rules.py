"""The rules of console filing: bad input is refused with its reason (nothing filed), a
form sent twice files once, out-of-scope cases are closed with a reason and a scripted
redirection in the caller's language, the CSRF token and the held call are checked."""
import html
import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from shared.extensions import db
from shared.models import Case
from shared.types import Role
from tests.console.test_filing import CALLER
from tests.console.test_filing import form_of
from tests.console.test_filing import held_call


@pytest.fixture()
def salma(make_user):
    return make_user("salma", Role.AGENT)


@pytest.fixture()
def desk(app, salma, logged_in):
    """Salma's console on a call she holds: desk.file(**fields) -> the response."""
    class Desk:
        client = logged_in(salma)

        def __init__(self, language="fr"):
            self.sid = held_call(app, salma.id, language=language)
            self.values = form_of(self.client.get(f"/console/calls/{self.sid}").text)

        def file(self, **fields):
            data = {**self.values, "kind": "complaint", "language": "fr",
                    "description": "Remboursement en retard", **fields}
            return self.client.post("/console/cases", data={
                k: v for k, v in data.items() if v is not None})
    return Desk


def cases(app) -> list[Case]:
    with app.app_context():
        found = list(db.session.scalars(select(Case).order_by(Case.id)))
        db.session.expunge_all()
        return found


@pytest.mark.parametrize("fields, reason", [
    ({"cin": "123456AB"}, "Une CIN est une ou deux lettres suivies de six chiffres au plus"),
    ({"cin": "ABC1234"}, "Une CIN est une ou deux lettres suivies de six chiffres au plus"),
    ({"administration": "999"}, "Aucune administration n'a ce code."),
    ({"administration": ""}, "Choisissez l'administration concernée."),
    ({"description": " "}, "Écrivez ce que demande l'appelant."),
    ({"phone": "12"}, "Ce n'est pas un numéro de téléphone valide."),
    ({"kind": "praise"}, "pas un choix valide"),
    ({"wrong_administration": "y", "redirect_to": ""}, "Indiquez où l'appelant doit"),
])
def test_bad_input_is_refused_with_its_reason_and_files_nothing(app, desk, fields, reason):
    response = desk().file(**fields)
    assert response.status_code == 400
    assert reason in html.unescape(response.text)
    assert 'data-testid="case-form"' in response.text
    assert cases(app) == []


def test_a_form_without_its_filing_key_is_refused(app, desk):
    assert desk().file(filing_key=None).status_code == 400
    assert desk.client.post("/console/cases", data={"filing_key": "x" * 20}).status_code == 400
    assert cases(app) == []


def test_the_cin_is_normalised_and_the_case_is_complete(app, desk):
    assert desk().file(cin=" ab 123456 ", name="Fatima Zahra").status_code == 303
    (case,) = cases(app)
    assert case.citizen_cin == "AB123456" and case.citizen_name == "Fatima Zahra"
    assert case.citizen_phone == CALLER and case.pending_fields == []


def test_another_number_keyed_by_the_agent_is_filed_instead(app, desk):
    assert desk().file(phone="0612345678").status_code == 303
    assert cases(app)[0].citizen_phone == "+212612345678"


def test_what_is_missing_is_left_for_later(app, desk):
    assert desk().file(phone="").status_code == 303
    assert cases(app)[0].pending_fields == ["name", "cin", "phone"]


def test_a_form_sent_twice_files_one_case(app, desk):
    counter = desk()
    first, second = counter.file(), counter.file()
    assert first.status_code == second.status_code == 303
    assert len(cases(app)) == 1


def test_the_form_of_a_call_held_by_someone_else_files_nothing(app, desk, make_user,
                                                                logged_in):
    values = desk().values
    other = logged_in(make_user("karim", Role.AGENT))
    response = other.post("/console/cases", data={**values, "kind": "complaint",
                                                  "language": "fr", "description": "x"})
    assert response.status_code == 404
    assert cases(app) == []


def test_the_csrf_token_is_required(app, desk, config):
    counter = desk()
    config(WTF_CSRF_ENABLED=True)
    assert counter.file().status_code == 400
    assert cases(app) == []


def test_before_a_court_the_case_is_closed_inadmissible_with_the_script_in_the_callers_language(
        app, desk):
    response = desk(language="ar").file(before_court="y", language="ar")
    assert response.status_code == 303
    page = desk.client.get(response.headers["Location"]).text
    (case,) = cases(app)
    assert case.status.value == "inadmissible" and case.close_reason.value == "inadmissible"
    assert 'data-status="inadmissible"' in page
    script = re.search(r'data-testid="read-back-script">(.*?)</blockquote>', page, re.S)[1]
    assert "قضيتكم معروضة على المحكمة" in script
    assert " ".join([case.reference[:3], case.reference[3:6], case.reference[6:]]) in script


def test_a_wrong_administration_is_closed_not_competent_with_where_to_go(app, desk):
    response = desk().file(wrong_administration="y", redirect_to="Tribunal administratif")
    page = desk.client.get(response.headers["Location"]).text
    (case,) = cases(app)
    assert case.status.value == "not_competent" and case.redirect_to == "Tribunal administratif"
    assert "Veuillez l'adresser à : Tribunal administratif." in html.unescape(page)


def test_a_judicial_police_matter_needs_no_administration(app, desk):
    assert desk().file(judicial_police="y", administration="").status_code == 303
    (case,) = cases(app)
    assert case.status.value == "inadmissible" and case.administration_id is None
    assert "administration" in case.pending_fields


def test_the_checklist_scripts_are_in_the_callers_language(desk):
    page = desk.client.get(f"/console/calls/{desk(language='ary').sid}").text
    scripts = re.findall(r'<p class="script" lang="ary" dir="rtl"\s+'
                         r'data-testid="redirect-script">(.*?)</p>', page, re.S)
    assert len(scripts) == 3 and "القضية ديالك عند المحكمة" in scripts[0]


def test_a_walk_in_case_is_filed_without_a_call(app, salma, logged_in):
    client = logged_in(salma)
    page = client.get("/console/cases/new").text
    values = form_of(page)
    assert values["call_sid"] == "" and 'data-testid="case-form"' in page
    response = client.post("/console/cases", data={
        **values, "kind": "suggestion", "administration": "105", "language": "fr",
        "phone": "0612345678", "description": "Publier le bulletin en ligne"})
    assert response.status_code == 303
    (case,) = cases(app)
    assert response.headers["Location"].endswith(f"/console/filed/{case.reference}")
    page = client.get(response.headers["Location"]).text
    assert case.channel.value == "phone_agent" and case.kind.value == "suggestion"
    assert 'data-testid="reference"' in page and 'data-testid="play-reference"' not in page
    assert "612345678" not in page  # the number is shown masked


def test_a_filed_case_is_shown_only_to_its_agent_and_supervisors(app, desk, make_user,
                                                                   logged_in):
    desk().file()
    reference = cases(app)[0].reference
    assert logged_in(make_user("karim", Role.AGENT)).get(
        f"/console/filed/{reference}").status_code == 404
    assert logged_in(make_user("nadia", Role.SUPERVISOR)).get(
        f"/console/filed/{reference}").status_code == 200


def test_an_arabic_console_renders_the_form_right_to_left(app, make_user, logged_in):
    agent = make_user("amina", Role.AGENT, console_language="ar")
    page = logged_in(agent).get("/console/cases/new").text
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الطلب" in page


def test_too_many_segments_cannot_make_a_description_too_long(app, desk):
    assert desk().file(description="x" * 20_001).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0
