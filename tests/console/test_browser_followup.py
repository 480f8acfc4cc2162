"""In a real browser: a follow-up call. The agent types a reference into the look-up box
(a wrong check digit is shown at once, before anything is sent), opens the case, reads its
status and the administration's reply, records the caller's rating; the same page in Arabic
reads right to left; the call's wrap-up makes the agent available again."""
import random

import pytest

from console import states
from shared import references
from shared.extensions import db
from shared.models import User
from shared.types import AgentStatus
from shared.types import Role
from tests.console.conftest import PASSWORD
from tests.console.followup import access_rows
from tests.console.followup import case_field
from tests.console.followup import held_call
from tests.console.followup import make_case
from tests.support.browser import log_in

pytestmark = pytest.mark.slow


def in_wrapup(app, user) -> None:
    with app.app_context():
        states.change(db.session, db.session.get(User, user.id), AgentStatus.WRAP_UP,
                      wrapup_seconds=3600)
        db.session.commit()
        db.session.remove()


def wrong_check_digit(reference: str) -> str:
    return reference[:-1] + str((int(reference[-1]) + 1) % 10)


def test_an_agent_finds_a_case_by_reference_and_records_the_callers_rating(page, agent, app):
    reference = make_case(app, "answered")
    log_in(page, agent.username, PASSWORD)
    page.wait_for_url("**/console/")
    box = page.get_by_test_id("lookup")
    error = page.get_by_test_id("lookup-error")

    box.press_sequentially(wrong_check_digit(reference))
    assert "chiffre de contrôle" in error.inner_text()  # live, nothing sent yet
    assert page.url.endswith("/console/")
    box.press("Enter")  # the browser refuses to send it
    page.wait_for_timeout(200)
    assert page.url.endswith("/console/") and access_rows(app) == []

    box.fill("")
    box.press_sequentially(" ".join([reference[:3], reference[3:6], reference[6:]]))
    assert error.inner_text() == ""
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_url(f"**/console/cases/{reference}")
    assert page.get_by_test_id("case-status").get_attribute("data-status") == "answered"
    assert "remboursement effectué" in page.get_by_test_id("case-reply-text").inner_text()

    page.get_by_test_id("rating-4").check()
    with page.expect_navigation():
        page.locator('[data-testid=case-action][data-action=rate]').click()
    assert page.get_by_test_id("case-rating").get_attribute("data-rating") == "4"
    assert page.locator('[data-testid=case-action][data-action=rate]').count() == 0
    assert case_field(app, reference, "rating") == 4
    # Seen, rated (a change by the agent), seen again after the rating.
    assert [row["kind"] for row in access_rows(app)] == ["case_page", "case_change",
                                                          "case_page"]


def test_a_phone_search_lists_the_callers_cases_without_the_number_in_the_url(page, agent,
                                                                               app):
    first, second = make_case(app), make_case(app, "transmitted")
    log_in(page, agent.username, PASSWORD)
    page.wait_for_url("**/console/")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.get_by_test_id("lookup").fill("06 12 34 56 78")
    with page.expect_navigation():
        page.get_by_test_id("lookup").press("Enter")
    listed = [item.get_attribute("data-reference")
              for item in page.get_by_test_id("lookup-match").all()]
    assert set(listed) == {first, second}
    assert not any("612" in url or "34%2056" in url for url in requested)
    assert page.get_by_test_id("lookup").input_value() == ""


def test_the_case_page_in_arabic_reads_right_to_left(new_page, make_user, app):
    reference = make_case(app, "answered")
    make_user("amina", Role.AGENT, console_language="ar")
    page = new_page(locale="ar")
    log_in(page, "amina", PASSWORD)
    page.wait_for_url("**/console/")
    page.goto(f"/console/cases/{reference}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.get_by_test_id("case-status").inner_text() == "تمت الإجابة"
    # The reference's digit groups read left to right, as they are spoken, in an RTL page.
    shown = page.get_by_test_id("case-reference")
    assert shown.evaluate("element => getComputedStyle(element).direction") == "ltr"
    assert shown.inner_text().replace(" ", "") == reference


def test_the_wrapup_waits_for_a_disposition_then_makes_the_agent_available(page, agent, app):
    sid = held_call(app, agent.id)
    log_in(page, agent.username, PASSWORD)
    page.wait_for_url("**/console/")
    page.goto(f"/console/calls/{sid}")
    in_wrapup(app, agent)  # the call ended (the call's own page sets it)
    form = page.get_by_test_id("wrapup-form")
    button = form.locator("[type=submit]")
    assert button.is_disabled()
    page.get_by_test_id("disposition").select_option("information_given")
    assert button.is_enabled()
    form.locator("textarea[name=notes]").fill("Rappellera demain.")
    with page.expect_navigation():
        button.click()
    page.wait_for_url("**/console/")
    assert page.get_by_test_id("agent-state").get_attribute("data-state") == "available"


def test_the_pages_check_digit_agrees_with_the_servers(page, agent):
    """The JavaScript port of the Verhoeff check against shared/references.py: valid
    references, a single-digit error and an adjacent transposition of each."""
    rng = random.Random(3737)
    typed = []
    for _ in range(25):
        reference = references.new_reference()
        typed.append(reference)
        position = rng.randrange(1, 10)
        typed.append(reference[:position] + str((int(reference[position]) + rng.randrange(1, 10))
                                                % 10) + reference[position + 1:])
        swap = rng.randrange(0, 9)
        typed.append(reference[:swap] + reference[swap + 1] + reference[swap]
                     + reference[swap + 2:])
    typed = [value for value in typed if not value.startswith("0")]
    log_in(page, agent.username, PASSWORD)
    page.wait_for_url("**/console/")
    refused = page.evaluate("""values => values.map(value => {
        const box = document.querySelector("[data-testid=lookup]");
        box.value = value;
        box.dispatchEvent(new Event("input"));
        return document.querySelector("[data-testid=lookup-error]").textContent !== "";
    })""", typed)
    assert refused == [not references.is_valid(value) for value in typed]
    assert any(refused) and not all(refused)
