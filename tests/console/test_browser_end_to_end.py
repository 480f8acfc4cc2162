"""Issue 8's whole loop in a real browser, one call from its first key to the agent's next:
two agents logged in at once; a caller simulated like Twilio (signed webhooks over HTTP to
the live server) chooses French and presses 0; both agents see the call queue, one takes
it and the other sees it go; Twilio (the local fake of its REST API) is asked to move the
call, and the caller following that update is dialled to the agent's client; the caller's
words reach the agent's transcript through the media stream's listener; the agent files
the case and sees the reference the database and Open311 have, plays it to the caller,
who hears exactly those digits; the caller hangs up, the agent wraps up and is available
again. Screenshots of each main screen: screenshots/e2e-*.png of the artifacts."""
import re

import pytest
from sqlalchemy import select

from console import states
from ivr.simulator import HttpTransport
from ivr.speech.recognizer import Segment
from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.models import User
from shared.types import AgentStatus
from shared.types import Role
from tests.console.calls import caller_says
from tests.console.calls import new_caller
from tests.console.calls import queue_at_once
from tests.console.calls import stored_call
from tests.console.test_browser_filing import segment_texts
from tests.console.test_browser_queue import claim_seen_going
from tests.console.test_browser_queue import queue_item
from tests.console.test_browser_states import choose_state
from tests.console.test_browser_states import open_console
from tests.console.test_browser_states import shown_state
from tests.ivr.helpers import digits_read
from tests.support.browser import SCREENSHOTS_DIR
from tests.support.browser import wait_for

pytestmark = pytest.mark.slow
COMPLAINT = "la CNSS ne verse plus ma pension depuis mars"


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS_DIR / f"e2e-{name}.png"), full_page=True)


def dialled_client(turn) -> str:
    """The Twilio Client identity a TwiML answer dials (<Dial><Client>…)."""
    client = turn.find("Dial/Client")
    assert client is not None, turn.xml
    return (client.text or "").strip()


def agent_state(app, user_id: int) -> AgentStatus:
    with app.app_context():
        state = states.current(db.session, db.session.get(User, user_id)).state
        db.session.commit()  # (an ended wrap-up turns available when read)
        return state


def test_a_call_from_its_first_key_to_the_agents_next_call(
        app, live, new_page, make_user, fake_twilio, config):
    config(AGENT_WRAPUP_SECONDS=600)  # the wrap-up ends by the agent's disposition here
    salma_user = make_user("salma", Role.AGENT)
    make_user("karim", Role.AGENT)
    salma, karim = new_page(), new_page()
    frames = {}
    for page, username in ((salma, "salma"), (karim, "karim")):
        frames[username] = open_console(page, username)
        choose_state(page, "available")
        wait_for(page, lambda page=page: shown_state(page) == "available")
    assert karim.get_by_test_id("queue-item").count() == 0

    # The caller chooses French and presses 0: both agents see the call, live.
    caller = new_caller(app, transport=HttpTransport(live.base_url))
    caller.base = live.base_url  # signed for the address the live server answers on
    queue_at_once(caller, "fr")
    for page in (salma, karim):
        queue_item(page, caller.call_sid).wait_for(state="visible", timeout=2000)
    assert karim.evaluate("window.notReloaded") and salma.evaluate("window.notReloaded")
    screenshot(karim, "1-queue")

    # Salma takes it; Karim sees it go; Twilio was asked to move the call to her client.
    claim_update = claim_seen_going(salma, karim, caller.call_sid, fake_twilio)
    assert dialled_client(caller.post(claim_update["form"]["Url"])) == f"agent-{salma_user.id}"
    pop = salma.get_by_test_id("screen-pop")
    assert pop.get_by_test_id("caller-language").is_visible()
    assert pop.get_by_test_id("caller-phone").inner_text().endswith("5678")
    assert "612345" not in pop.inner_text()
    screenshot(salma, "2-screen-pop")

    # The caller's words, through the transcript listener the media stream feeds.
    call_id = stored_call(app, caller.call_sid).id
    caller_says(app, call_id, caller.call_sid, 1, Segment("bonjour", final=True))
    wait_for(salma, lambda: segment_texts(salma) == ["bonjour"])  # the room is joined
    caller_says(app, call_id, caller.call_sid, 2, Segment("la CNSS ne", final=False))
    salma.locator("#transcript li.partial").wait_for()
    caller_says(app, call_id, caller.call_sid, 2,
                Segment(COMPLAINT, final=True, start=1.0, end=4.0, confidence=0.8))
    wait_for(salma, lambda: segment_texts(salma) == ["bonjour", COMPLAINT])
    assert salma.locator("#transcript li.partial").count() == 0
    heard_by_karim = "\n".join(frames["karim"])
    assert "transcript_segment" not in heard_by_karim, "another agent heard the caller's words"
    assert "612345" not in heard_by_karim  # the queue's live items: the number masked
    screenshot(salma, "3-transcript")

    # She picks the complaint into the description, fills the form and files.
    form = salma.get_by_test_id("case-form")
    form.locator("[name=kind]").select_option("complaint")
    description = form.locator("[name=description]")
    description.fill("")
    salma.get_by_test_id("transcript-segment").nth(1).get_by_test_id("pick-segment").click()
    assert description.input_value().strip() == COMPLAINT
    salma.locator("#admin-search").fill("CNSS")
    salma.get_by_test_id("admin-result").first.click()
    assert form.locator("[name=administration]").input_value() == "201"
    form.locator("[name=name]").fill("Fatima Zahra")
    form.locator("[name=cin]").fill("AB123456")
    screenshot(salma, "4-case-form")
    with salma.expect_navigation():
        salma.locator("#case-submit").click()

    shown = re.sub(r"\s", "", salma.get_by_test_id("reference").inner_text())
    with app.app_context():
        case = db.session.scalar(select(Case))
        call = db.session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        stored = (case.reference, case.description, case.citizen_cin, case.channel.value,
                  call.case_id == case.id)
        db.session.remove()
    assert stored == (shown, COMPLAINT, "AB123456", "phone_agent", True)
    open311 = salma.request.get(f"/open311/v2/requests/{shown}.json").json()
    assert open311[0]["service_request_id"] == shown
    screenshot(salma, "5-filed")

    # "Play it to the caller": the caller, moved by Twilio, hears exactly those digits,
    # then goes back to Salma.
    with salma.expect_navigation():
        salma.get_by_test_id("play-reference").click()
    salma.get_by_role("status").first.wait_for()
    _, readback_update = fake_twilio.call_updates
    assert readback_update["sid"] == caller.call_sid
    readback = caller.post(readback_update["form"]["Url"])
    assert digits_read(readback) == shown
    assert dialled_client(caller.silence()) == f"agent-{salma_user.id}"

    # The caller hangs up: Salma is in wrap-up; her disposition makes her available.
    caller.hang_up()
    salma.get_by_test_id("call-ended").wait_for(state="visible", timeout=2000)
    assert agent_state(app, salma_user.id) is AgentStatus.WRAP_UP
    wrapup = salma.get_by_test_id("wrapup-form")
    salma.get_by_test_id("disposition").select_option("filed")
    wrapup.locator("textarea[name=notes]").fill("Référence lue à l'appelante.")
    screenshot(salma, "6-wrapup")
    with salma.expect_navigation():
        wrapup.locator("[type=submit]").click()
    salma.wait_for_url("**/console/")
    assert shown_state(salma) == "available"
    assert agent_state(app, salma_user.id) is AgentStatus.AVAILABLE
    assert stored_call(app, caller.call_sid).disposition == "filed"
    screenshot(salma, "7-available-again")
