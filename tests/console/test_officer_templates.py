"""Answer templates: each administration's own, in Arabic or French, with placeholders
filled for the case in the reply form's picker; a wrong placeholder is refused."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from shared import access_log
from shared import answer_templates
from shared import legal
from shared.extensions import db
from shared.models import AccessLogEntry
from shared.models import AnswerTemplate
from shared.models import utcnow
from tests.console.officers import AGENCY
from tests.console.officers import MINISTRY
from tests.console.officers import OTHER
from tests.console.officers import admin_id
from tests.console.officers import file_at
from tests.console.officers import make_officer


@pytest.fixture()
def client(app, make_user, logged_in):
    return logged_in(make_officer(app, make_user, "houda", AGENCY))


def add(app, code: str, body: str, language: str = "fr", title: str = "Versement") -> int:
    with app.app_context():
        template = answer_templates.add(db.session, admin_id(app, code), language, title, body)
        db.session.commit()
        template_id = template.id
        db.session.remove()
    return template_id


def picker_texts(html: str) -> list[str]:
    return [text.replace("&#39;", "'") for text in re.findall(r'data-text="([^"]*)"', html)]


def test_an_officer_adds_a_template_and_finds_it_filled_in_the_reply_form(app, client):
    response = client.post("/console/officer/templates", data={
        "language": "fr", "title": "Versement",
        "body": "Votre demande {reference} du {filed_on} : la {administration} a versé "
                "votre pension le {date}."})
    assert response.status_code == 303
    assert "Versement" in client.get("/console/officer/templates").text
    reference = file_at(app, AGENCY, "in_progress")
    today = legal.local_date(utcnow()).strftime("%d/%m/%Y")
    [text] = picker_texts(client.get(f"/console/officer/cases/{reference}").text)
    assert text == (f"Votre demande {reference} du {today} : la Caisse nationale de "
                    f"sécurité sociale a versé votre pension le {today}.")


def test_an_arabic_template_names_the_administration_in_arabic(app, client):
    add(app, AGENCY, "طلبكم رقم {reference} لدى {administration}", language="ar")
    reference = file_at(app, AGENCY, "in_progress")
    html = client.get(f"/console/officer/cases/{reference}").text
    assert f"طلبكم رقم {reference} لدى الصندوق الوطني للضمان الاجتماعي" in picker_texts(html)
    assert 'data-language="ar"' in html


@pytest.mark.parametrize("body", ["Votre {dossier}", "Votre {reference", "{reference!r}",
                                  "{reference:>20}", "{0}", "   "])
def test_a_wrong_placeholder_is_refused_with_the_reason(app, client, body):
    response = client.post("/console/officer/templates",
                           data={"language": "fr", "title": "T", "body": body})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(AnswerTemplate)) is None
        db.session.remove()


def test_a_template_is_in_arabic_or_french(client):
    response = client.post("/console/officer/templates",
                           data={"language": "en", "title": "T", "body": "Hello"})
    assert response.status_code == 400


def test_an_officer_sees_and_deletes_only_their_administrations_templates(app, client):
    theirs = add(app, OTHER, "Justice : {reference}", title="Justice")
    own = add(app, AGENCY, "CNSS : {reference}", title="CNSS")
    page = client.get("/console/officer/templates").text
    assert "CNSS" in page and "Justice" not in page
    assert client.post(f"/console/officer/templates/{theirs}/delete").status_code == 404
    assert client.post(f"/console/officer/templates/{own}/delete").status_code == 303
    with app.app_context():
        assert [t.id for t in db.session.scalars(select(AnswerTemplate))] == [theirs]
        db.session.remove()


def test_an_officers_template_changes_are_in_the_access_and_change_log(app, client):
    client.post("/console/officer/templates",
                data={"language": "fr", "title": "Versement", "body": "Dossier {reference}"})
    with app.app_context():
        [template_id] = db.session.scalars(select(AnswerTemplate.id)).all()
        db.session.remove()
    assert client.post(f"/console/officer/templates/{template_id}/delete").status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(AccessLogEntry).where(
            AccessLogEntry.kind == access_log.TEMPLATE_CHANGE).order_by(AccessLogEntry.seq))
        assert [(row.actor, row.target, row.detail) for row in rows] == [
            ("user:houda", f"answer_template:{template_id}", {"action": action, "language": "fr"})
            for action in ("create", "delete")]
        assert access_log.verify(db.session)[1] is None
        db.session.remove()


def test_a_sub_entitys_case_offers_its_own_and_the_ministrys_templates(app, make_user,
                                                                       logged_in):
    add(app, MINISTRY, "Ministère : {reference}")
    add(app, AGENCY, "Caisse : {reference}")
    add(app, OTHER, "Justice : {reference}")
    reference = file_at(app, AGENCY, "in_progress")
    ministry = logged_in(make_officer(app, make_user, "karim", MINISTRY))
    assert sorted(picker_texts(ministry.get(f"/console/officer/cases/{reference}").text)) == [
        f"Caisse : {reference}", f"Ministère : {reference}"]
    agency = logged_in(make_officer(app, make_user, "houda2", AGENCY))
    assert picker_texts(agency.get(f"/console/officer/cases/{reference}").text) == [
        f"Caisse : {reference}"]


def test_the_template_forms_need_the_csrf_token(app, client, config):
    own = add(app, AGENCY, "CNSS : {reference}")
    config(WTF_CSRF_ENABLED=True)
    assert client.post("/console/officer/templates", data={
        "language": "fr", "title": "T", "body": "B"}).status_code == 400
    assert client.post(f"/console/officer/templates/{own}/delete").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(AnswerTemplate.id)) == own
        db.session.remove()


def test_filled_dates_are_moroccan_dates(app):
    with app.app_context():
        from shared.models import Administration
        from shared.models import Case
        template = AnswerTemplate(language="fr", body="{filed_on} {date}", title="t")
        case = Case(reference="1234567890", filed_at=dt.datetime(
            2025, 5, 10, 23, 30, tzinfo=dt.timezone.utc), administration=Administration(
                names={"fr": "X"}))
        assert answer_templates.fill(template, case, dt.date(2025, 5, 12)) == \
            "11/05/2025 12/05/2025"  # 23:30 UTC is past midnight in Morocco (UTC+1)
        db.session.rollback()
        db.session.remove()


def test_an_officer_of_no_administration_has_no_templates_to_manage(make_user, logged_in):
    from shared.types import Role
    client = logged_in(make_user("nobody", Role.OFFICER))
    assert client.get("/console/officer/templates").status_code == 403
    assert client.post("/console/officer/templates", data={
        "language": "fr", "title": "T", "body": "B"}).status_code == 403
    assert client.get("/console/officer/").status_code == 200
