"""In a real browser, two agents logged in at once: a simulated caller (signed like Twilio,
over HTTP) presses 0 and appears on both screens without a reload within 2 s; one agent
takes the call, the other sees it go, and the first lands on the call's page with its
screen pop. Twilio's REST API is the local fake: it records the live call update."""
import time

import pytest

from ivr.simulator import HttpTransport
from shared.types import Role
from tests.console.calls import new_caller
from tests.console.calls import queue_after_choosing
from tests.console.test_browser_states import open_console
from tests.support.browser import SCREENSHOTS_DIR
from tests.support.browser import wait_for

pytestmark = pytest.mark.slow


def queue_item(page, call_sid):
    return page.locator(f'[data-testid="queue-item"][data-call-sid="{call_sid}"]')


def claim_seen_going(taker, other, call_sid: str, fake_twilio) -> dict:
    """`taker` claims the call and lands on its page; `other` sees it go without a reload
    within 2 s; Twilio was asked once to move that call: its update is returned."""
    with taker.expect_navigation():
        queue_item(taker, call_sid).get_by_test_id("claim").click()
    assert taker.url.endswith(f"/console/calls/{call_sid}")
    queue_item(other, call_sid).wait_for(state="detached", timeout=2000)
    assert other.evaluate("window.notReloaded"), "the other agent's page reloaded"
    [update] = fake_twilio.call_updates
    assert update["sid"] == call_sid
    return update


def test_two_agents_see_a_caller_queue_one_takes_it_the_other_sees_it_go(
        app, live, new_page, make_user, fake_twilio):
    make_user("salma", Role.AGENT)
    make_user("karim", Role.AGENT)
    salma, karim = new_page(), new_page()
    open_console(salma, "salma")
    open_console(karim, "karim")
    assert salma.get_by_test_id("queue-item").count() == 0

    caller = new_caller(app, transport=HttpTransport(live.base_url))
    caller.base = live.base_url  # signed for the address the live server answers on
    queued = time.monotonic()
    queue_after_choosing(caller)

    for page in (salma, karim):
        queue_item(page, caller.call_sid).wait_for(state="visible", timeout=2000)
    assert time.monotonic() - queued < 2 + 1  # (the webhook itself took part of it)
    item = queue_item(karim, caller.call_sid)
    assert "CNSS" in item.inner_text() or item.locator("[data-field=administration]") \
        .inner_text() != "—"
    assert "Réclamation" in item.inner_text()
    assert "5678" not in item.inner_text()
    first_wait = item.locator("[data-field=waited]").inner_text()
    wait_for(karim, lambda: item.locator("[data-field=waited]").inner_text() != first_wait,
             seconds=3)  # the waiting time ticks in the page

    karim.screenshot(path=str(SCREENSHOTS_DIR / "queue-caller-waiting.png"), full_page=True)
    claim_seen_going(salma, karim, caller.call_sid, fake_twilio)
    pop = salma.get_by_test_id("screen-pop")
    assert pop.get_by_test_id("caller-kind").get_attribute("data-kind") == "complaint"
    assert pop.get_by_test_id("caller-administration").get_attribute("data-code") == "201"
    assert pop.get_by_test_id("caller-phone").inner_text().endswith("5678")

    salma.screenshot(path=str(SCREENSHOTS_DIR / "call-screen-pop.png"), full_page=True)
    caller.hang_up()  # the caller's end reaches the agent's page
    salma.get_by_test_id("call-ended").wait_for(state="visible", timeout=2000)


def test_a_failed_transfer_tells_the_agent_and_the_call_waits_again(
        app, live, new_page, make_user, fake_twilio):
    make_user("salma", Role.AGENT)
    salma = new_page()
    open_console(salma, "salma")
    caller = new_caller(app, transport=HttpTransport(live.base_url))
    caller.base = live.base_url
    queue_after_choosing(caller)
    queue_item(salma, caller.call_sid).wait_for(state="visible", timeout=2000)
    fake_twilio.fail_next = [500]

    queue_item(salma, caller.call_sid).get_by_test_id("claim").click()

    salma.get_by_test_id("queue-message").wait_for(state="visible")
    assert "file" in salma.get_by_test_id("queue-message").inner_text()
    assert salma.url.endswith("/console/")
    queue_item(salma, caller.call_sid).wait_for(state="visible")
    assert queue_item(salma, caller.call_sid).count() == 1
