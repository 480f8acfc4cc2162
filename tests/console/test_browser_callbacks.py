"""In a real browser: an agent clicks "Call back", is told their phone rings, and the request
leaves both agents' lists without a reload; the citizen does not answer (Twilio's webhooks of
the softphone's call, over HTTP) and it comes back on both, with its unanswered call counted."""
import pytest

from ivr.simulator import Caller
from ivr.simulator import HttpTransport
from shared.types import Role
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.console.test_browser_states import choose_state
from tests.console.test_browser_states import open_console
from tests.console.test_browser_states import shown_state
from tests.console.test_callbacks import new_request
from tests.support.browser import SCREENSHOTS_DIR
from tests.support.browser import wait_for

pytestmark = pytest.mark.slow


def callback_item(page, callback_id):
    return page.locator(f'[data-testid="callback-item"][data-callback-id="{callback_id}"]')


def test_a_callback_leaves_both_lists_when_taken_and_comes_back_unanswered(
        app, live, new_page, make_user, fake_twilio):
    make_user("salma", Role.AGENT)
    make_user("karim", Role.AGENT)
    callback_id = new_request(app)
    salma, karim = new_page(), new_page()
    open_console(salma, "salma")
    open_console(karim, "karim")
    choose_state(salma, "available")
    wait_for(salma, lambda: shown_state(salma) == "available")
    assert "5678" not in callback_item(karim, callback_id).inner_text()

    callback_item(salma, callback_id).get_by_test_id("call-back").click()

    salma.get_by_test_id("queue-message").filter(has_text="sonne").wait_for(timeout=2000)
    for page in (salma, karim):
        callback_item(page, callback_id).wait_for(state="detached", timeout=2000)
    assert salma.evaluate("window.notReloaded")
    [created] = fake_twilio.created_calls
    leg = Caller(HttpTransport(live.base_url), live.base_url, TEST_AUTH_TOKEN,
                 caller=created["form"]["From"], called=created["form"]["To"],
                 call_sid=created["sid"], account_sid=TEST_ACCOUNT_SID)
    turn = leg.post(created["form"]["Url"])
    leg.post(turn.find("Dial").get("action"), {"DialCallStatus": "no-answer"})

    for page in (salma, karim):
        item = callback_item(page, callback_id)
        item.wait_for(state="visible", timeout=2000)
        assert item.locator("[data-field=attempt-count]").inner_text() == "1"
        assert item.locator("[data-field=attempts]").is_visible()
        assert "5678" not in item.inner_text()
    karim.screenshot(path=str(SCREENSHOTS_DIR / "callback-back-in-list.png"), full_page=True)
    assert karim.evaluate("window.notReloaded")
