"""In a real browser, on a held call: the caller's words arrive in the transcript (partial,
then final), the agent picks one into the description, finds the administration by its
acronym, files, and sees the reference the database and Open311 have; Arabic pages read
right to left."""
import re

import pytest
from sqlalchemy import select

from ivr.simulator import Caller
from ivr.simulator import HttpTransport
from ivr.speech.recognizer import Segment
from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.models import TranscriptSegment
from shared.types import Role
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.console.calls import caller_says
from tests.console.conftest import PASSWORD
from tests.ivr.helpers import digits_read
from tests.support.browser import log_in
from tests.support.browser import wait_for

pytestmark = pytest.mark.slow
SID = "CA" + "4" * 32


def hold_call(app, agent_id: int, language: str) -> int:
    """A call the agent holds (as a claim leaves it), with its first words already said."""
    with app.app_context():
        call = Call(call_sid=SID, caller="+212661234567", language=language, step="agent",
                    agent_id=agent_id, answers={"kind": "complaint"})
        db.session.add(call)
        db.session.flush()
        db.session.add(TranscriptSegment(call_id=call.id, seq=1, text="salam"))
        db.session.commit()
        return call.id


def segment_texts(page) -> list[str]:
    return [text.strip() for text in page.get_by_test_id("transcript-segment")
            .locator(".text").all_inner_texts()]


def test_an_agent_files_the_held_call_from_its_transcript_and_sees_its_reference(
        app, page, make_user, live, fake_twilio):
    agent = make_user("salma", Role.AGENT)
    call_id = hold_call(app, agent.id, "fr")
    log_in(page, agent.username, PASSWORD)
    page.goto(f"/console/calls/{SID}")
    wait_for(page, lambda: segment_texts(page) == ["salam"])  # watching: the room is joined

    caller_says(app, call_id, SID, 2, Segment("ma pension n'est", final=False))
    page.locator("#transcript li.partial").wait_for()
    caller_says(app, call_id, SID, 2, Segment("ma pension n'est pas versée depuis mars",
                                         final=True, start=1.0, end=3.0, confidence=0.8))
    wait_for(page, lambda: segment_texts(page) == ["salam",
                                                   "ma pension n'est pas versée depuis mars"])
    assert page.locator("#transcript li.partial").count() == 0

    form = page.get_by_test_id("case-form")
    description = form.locator("[name=description]")
    assert description.input_value().strip() == "salam"  # prefilled: what was said before
    description.fill("")
    page.get_by_test_id("transcript-segment").nth(1).get_by_test_id("pick-segment").click()
    assert description.input_value().strip() == "ma pension n'est pas versée depuis mars"
    page.locator("#admin-search").fill("CNSS")
    page.get_by_test_id("admin-result").first.click()
    assert form.locator("[name=administration]").input_value() == "201"
    form.locator("[name=name]").fill("Fatima Zahra")
    cin = form.locator("[name=cin]")
    cin.fill("AB123456")
    form.locator("[name=commune]").click()
    assert cin.get_attribute("type") == "password"  # masked once entered
    assert form.locator("[name=phone]").input_value().endswith("67")
    assert "661234" not in form.locator("[name=phone]").input_value()
    with page.expect_navigation():
        page.locator("#case-submit").click()

    shown = re.sub(r"\s", "", page.get_by_test_id("reference").inner_text())
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.channel.value == "phone_agent"
        assert case.description == "ma pension n'est pas versée depuis mars"
        assert case.citizen_cin == "AB123456"
        reference = case.reference
    assert shown == reference
    status = page.get_by_test_id("case-status").get_attribute("data-status")
    assert status == "received"
    open311 = page.request.get(f"/open311/v2/requests/{reference}.json").json()
    assert open311[0]["service_request_id"] == reference
    assert open311[0]["status"] == "open"
    assert " ".join([reference[:3], reference[3:6], reference[6:]]) in \
        page.get_by_test_id("read-back-script").inner_text()

    # "Play it to the caller": Twilio is asked to move the call to the read-back, which
    # reads (to a caller simulated like Twilio) exactly the reference the agent sees.
    with page.expect_navigation():
        page.get_by_test_id("play-reference").click()
    page.get_by_role("status").wait_for()
    (update,) = fake_twilio.call_updates
    twilio = Caller(HttpTransport(live.base_url), live.base_url, TEST_AUTH_TOKEN,
                    caller="+212661234567", call_sid=SID, account_sid=TEST_ACCOUNT_SID)
    assert digits_read(twilio.post(update["form"]["Url"])) == shown


def test_an_arabic_agent_files_a_walk_in_case_right_to_left(app, page, make_user, live):
    agent = make_user("amina", Role.AGENT, console_language="ar")
    log_in(page, agent.username, PASSWORD)
    page.goto("/console/cases/new")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    form = page.get_by_test_id("case-form")
    form.locator("[name=kind]").select_option("observation")
    page.locator("#admin-search").fill("الضمان الاجتماعي")
    page.get_by_test_id("admin-result").first.click()
    form.locator("[name=language]").select_option("ary")
    form.locator("[name=phone]").fill("0612345678")
    form.locator("[name=description]").fill("الاستقبال مزيان")
    with page.expect_navigation():
        page.locator("#case-submit").click()
    reference = page.get_by_test_id("reference")
    assert reference.get_attribute("dir") == "ltr"  # its groups in spoken order
    with app.app_context():
        stored = db.session.scalar(select(Case.reference))
    assert re.sub(r"\s", "", reference.inner_text()) == stored
    script = page.get_by_test_id("read-back-script")
    assert script.get_attribute("lang") == "ary" and script.get_attribute("dir") == "rtl"
