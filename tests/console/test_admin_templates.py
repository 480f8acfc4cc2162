"""Admins manage any administration's answer templates from its admin page: listed, added,
changed, deleted with the officers' form and rules (the reason of a refusal said, nothing
typed lost), each change recorded in admin_changes and the hash-chained access log; the
officers of that administration find the result on their cases' reply form."""
from html import unescape

import pytest
from sqlalchemy import select

from shared import access_log
from shared.extensions import db
from shared.models import AnswerTemplate
from shared.types import Role
from tests.console.admin import changes
from tests.console.officers import AGENCY
from tests.console.officers import OTHER
from tests.console.officers import admin_id
from tests.console.officers import file_at
from tests.console.officers import make_officer
from tests.console.test_officer_templates import add
from tests.console.test_officer_templates import picker_texts


@pytest.fixture()
def as_root(make_user, logged_in):
    return logged_in(make_user("root", Role.ADMIN))


def templates_url(app, code: str) -> str:
    return f"/console/admin/administrations/{admin_id(app, code)}/templates"


def stored(app) -> list[tuple[int, str, str, str]]:
    """[(administration id, language, title, body)] of every template."""
    with app.app_context():
        rows = [(t.administration_id, t.language, t.title, t.body)
                for t in db.session.scalars(select(AnswerTemplate).order_by(AnswerTemplate.id))]
        db.session.remove()
    return rows


def test_an_admin_manages_another_administrations_templates_its_officer_uses_them(
        app, as_root, make_user, logged_in):
    cnss = admin_id(app, AGENCY)
    officer = logged_in(make_officer(app, make_user, "houda", AGENCY))
    reference = file_at(app, AGENCY, "in_progress")
    assert 'data-testid="administration-templates"' in as_root.get(
        f"/console/admin/administrations/{cnss}").text

    response = as_root.post(templates_url(app, AGENCY), data={
        "language": "fr", "title": "Versement", "body": "Dossier {reference} : versé."})
    assert response.status_code == 303
    [(owner, *_rest)] = stored(app)
    assert owner == cnss
    assert picker_texts(officer.get(f"/console/officer/cases/{reference}").text) == [
        f"Dossier {reference} : versé."]
    with app.app_context():
        template_id = db.session.scalar(select(AnswerTemplate.id))
        db.session.remove()
    page = as_root.get(templates_url(app, AGENCY)).text
    assert f'data-template-id="{template_id}"' in page and "Versement" in page

    edit = f"{templates_url(app, AGENCY)}/{template_id}"
    assert 'value="Versement"' in as_root.get(edit).text
    response = as_root.post(edit, data={"language": "ar", "title": "Versement",
                                        "body": "ملفكم {reference} لدى {administration}"})
    assert response.status_code == 303
    assert picker_texts(officer.get(f"/console/officer/cases/{reference}").text) == [
        f"ملفكم {reference} لدى الصندوق الوطني للضمان الاجتماعي"]

    assert as_root.post(f"{edit}/delete").status_code == 303
    assert stored(app) == []
    assert picker_texts(officer.get(f"/console/officer/cases/{reference}").text) == []

    target = f"answer_template:{template_id}"
    assert [change[:3] for change in changes(app)] == [
        ("user:root", "admin_answer_template_create", target),
        ("user:root", "admin_answer_template_edit", target),
        ("user:root", "admin_answer_template_delete", target)]
    created, edited, deleted = (change[3] for change in changes(app))
    assert created == {"administration_id": [None, cnss], "language": [None, "fr"],
                       "title": [None, "Versement"],
                       "body": [None, "Dossier {reference} : versé."]}
    assert edited == {"language": ["fr", "ar"],
                      "body": ["Dossier {reference} : versé.",
                               "ملفكم {reference} لدى {administration}"]}
    assert deleted["body"] == ["ملفكم {reference} لدى {administration}", None]
    with app.app_context():
        assert access_log.verify(db.session)[1] is None  # the chain holds
        db.session.remove()


@pytest.mark.parametrize("form, reason", [
    ({"body": "Votre {dossier} est traité"}, "Champ à remplir inconnu : {dossier}"),
    ({"body": "Votre {reference"}, "rien d'autre entre accolades"),
    ({"body": "{reference!r}"}, "rien d'autre entre accolades"),
    ({"body": "{reference:>20}"}, "rien d'autre entre accolades"),
    ({"language": "en"}, "Vérifiez le formulaire"),
    ({"body": "x" * 5001}, "Vérifiez le formulaire"),
])
def test_a_wrong_template_is_refused_with_its_reason_and_nothing_typed_is_lost(
        app, as_root, form, reason):
    data = {"language": "fr", "title": "Mon titre tapé", "body": "Texte", **form}
    response = as_root.post(templates_url(app, AGENCY), data=data)
    assert response.status_code == 400
    page = unescape(response.text)
    assert reason in page
    assert 'value="Mon titre tapé"' in page and data["body"][:100] in page
    assert stored(app) == [] and changes(app) == []


def test_a_wrong_edit_is_refused_and_the_template_is_kept(app, as_root):
    template_id = add(app, AGENCY, "CNSS : {reference}", title="CNSS")
    response = as_root.post(f"{templates_url(app, AGENCY)}/{template_id}", data={
        "language": "fr", "title": "CNSS", "body": "CNSS : {numero}"})
    assert response.status_code == 400
    assert "Champ à remplir inconnu : {numero}" in unescape(response.text)
    assert "CNSS : {numero}" in unescape(response.text)  # what was typed, to correct it
    assert stored(app) == [(admin_id(app, AGENCY), "fr", "CNSS", "CNSS : {reference}")]
    assert changes(app) == []


def test_a_template_is_reached_only_through_its_own_administration(app, as_root):
    justice = add(app, OTHER, "Justice : {reference}", title="Justice")
    wrong = f"{templates_url(app, AGENCY)}/{justice}"
    assert as_root.get(wrong).status_code == 404
    assert as_root.post(wrong, data={"language": "fr", "title": "T",
                                     "body": "B"}).status_code == 404
    assert as_root.post(f"{wrong}/delete").status_code == 404
    assert "Justice" not in as_root.get(templates_url(app, AGENCY)).text
    assert len(stored(app)) == 1 and changes(app) == []


def test_an_unchanged_save_records_nothing(app, as_root):
    template_id = add(app, AGENCY, "CNSS : {reference}", title="CNSS")
    response = as_root.post(f"{templates_url(app, AGENCY)}/{template_id}", data={
        "language": "fr", "title": "CNSS", "body": "CNSS : {reference}"})
    assert response.status_code == 303 and changes(app) == []


def test_the_admins_template_forms_need_the_csrf_token(app, as_root, config):
    template_id = add(app, AGENCY, "CNSS : {reference}", title="CNSS")
    config(WTF_CSRF_ENABLED=True)
    base = templates_url(app, AGENCY)
    form = {"language": "fr", "title": "T", "body": "B"}
    assert as_root.post(base, data=form).status_code == 400
    assert as_root.post(f"{base}/{template_id}", data=form).status_code == 400
    assert as_root.post(f"{base}/{template_id}/delete").status_code == 400
    assert stored(app) == [(admin_id(app, AGENCY), "fr", "CNSS", "CNSS : {reference}")]
    assert changes(app) == []


def test_the_template_pages_speak_the_admins_language(app, make_user, logged_in):
    root = logged_in(make_user("root", Role.ADMIN, console_language="ar"))
    response = root.post(templates_url(app, AGENCY), data={
        "language": "ar", "title": "T", "body": "{dossier}"})
    assert response.status_code == 400
    assert "حقل قابل للملء غير معروف: {dossier}" in unescape(response.text)


def test_an_officer_is_told_why_a_template_is_refused(app, make_user, logged_in):
    """The officers' page uses the same rules and words."""
    officer = logged_in(make_officer(app, make_user, "houda", AGENCY))
    response = officer.post("/console/officer/templates", data={
        "language": "fr", "title": "T", "body": "Votre {dossier}"})
    assert response.status_code == 400
    assert "Champ à remplir inconnu : {dossier}" in unescape(response.text)
