"""In a real browser: an administration's officer opens the work list, opens a case filed
over the phone, reads its transcript, answers it from an answer template (its placeholders
filled for the case) and sees it answered on the timeline; the pages in Arabic read right
to left. Screenshots of the list and of the case page go to the artifacts."""
import pytest

from shared import answer_templates
from shared.cases import CaseService
from shared.extensions import db
from shared.types import Channel
from tests.console.conftest import PASSWORD
from tests.console.followup import case_field
from tests.console.officers import AGENCY
from tests.console.officers import OTHER
from tests.console.officers import admin_id
from tests.console.officers import file_at
from tests.console.officers import make_officer
from tests.support.browser import SCREENSHOTS_DIR
from tests.support.browser import log_in

pytestmark = pytest.mark.slow


def phone_case(app) -> str:
    """A case filed on the IVR, its description a transcribed recording."""
    reference = file_at(app, AGENCY, "transmitted", channel=Channel.PHONE_IVR,
                        description=None, subject=None)
    with app.app_context():
        service = CaseService(db.session, actor="ivr")
        service.attach_transcript(service.get(reference),
                                  "la pension de mon père n'est pas versée depuis mars",
                                  "fr", 0.82, "vosk-fr")
        answer_templates.add(db.session, admin_id(app, AGENCY), "fr", "Pension versée",
                             "Votre demande {reference} : la {administration} a versé la "
                             "pension le {date}.")
        db.session.commit()
        db.session.remove()
    return reference


def test_an_officer_answers_a_phone_case_from_a_template(page, app, make_user):
    reference = phone_case(app)
    elsewhere = file_at(app, OTHER)
    make_officer(app, make_user, "houda", AGENCY)
    log_in(page, "houda", PASSWORD)
    page.wait_for_url("**/console/officer/")
    items = page.get_by_test_id("work-item")
    assert [item.get_attribute("data-reference") for item in items.all()] == [reference]
    assert elsewhere not in page.content()
    page.screenshot(path=str(SCREENSHOTS_DIR / "officer-work-list.png"), full_page=True)

    with page.expect_navigation():
        items.first.get_by_role("link").click()
    page.wait_for_url(f"**/console/officer/cases/{reference}")
    assert "pas versée depuis mars" in page.get_by_test_id("case-transcript").inner_text()
    reply_form = page.get_by_test_id("reply-form")
    page.get_by_test_id("template-picker").select_option(label="Pension versée (fr)")
    reply = reply_form.locator("textarea[name=reply]")
    assert reply.input_value().startswith(f"Votre demande {reference} : la Caisse nationale")
    page.screenshot(path=str(SCREENSHOTS_DIR / "officer-case-page.png"), full_page=True)
    with page.expect_navigation():
        page.locator("[data-testid=case-action][data-action=answer]").click()

    assert page.get_by_test_id("case-status").get_attribute("data-status") == "answered"
    assert "Caisse nationale" in page.get_by_test_id("case-reply-text").inner_text()
    assert page.locator("[data-testid=case-event][data-event-action=answer]").count() == 1
    assert page.locator("[data-testid=case-action][data-action=answer]").count() == 0
    assert case_field(app, reference, "reply").startswith(f"Votre demande {reference}")


def test_the_officers_pages_in_arabic_read_right_to_left(new_page, app, make_user):
    reference = file_at(app, AGENCY, "in_progress")
    make_officer(app, make_user, "amina", AGENCY, console_language="ar")
    page = new_page(locale="ar")
    log_in(page, "amina", PASSWORD)
    page.wait_for_url("**/console/officer/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path=str(SCREENSHOTS_DIR / "officer-work-list-ar.png"), full_page=True)
    page.goto(f"/console/officer/cases/{reference}")
    assert page.get_by_test_id("case-status").inner_text() == "قيد المعالجة"
    shown = page.get_by_test_id("case-reference")
    assert shown.evaluate("element => getComputedStyle(element).direction") == "ltr"
    assert page.locator("[data-testid=case-action][data-action=answer]").inner_text() == \
        "إرسال الجواب"
    page.screenshot(path=str(SCREENSHOTS_DIR / "officer-case-page-ar.png"), full_page=True)
