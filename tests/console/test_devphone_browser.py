"""In a real browser: an agent places a dev-phone call, keys through the menus, sends an
audio file as the name and the description, and reads back the reference of the case the
IVR filed; a queued call sees an agent's claim (a live call update through the dev Twilio
API) arrive on the page."""
import io
import shutil

import pytest
import soundfile

from shared import jobs
from shared import twilio_rest
from shared.types import Role
from shared.urls import public_endpoint
from tests.console.conftest import PASSWORD
from tests.console.devphone_helpers import fresh_devphone
from tests.console.devphone_helpers import tone
from tests.ivr.helpers import cases
from tests.support.browser import SCREENSHOTS_DIR
from tests.support.browser import log_in
from tests.support.browser import wait_for
from sqlalchemy import update
from shared.extensions import db
from shared.models import Call

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def devphone(app, monkeypatch):
    return fresh_devphone(app, monkeypatch)


def open_phone(page, username: str, timeouts: bool = False) -> None:
    """Log in, follow the landing page's link, call. Menus time out only if `timeouts`
    (a test keys faster than any timeout, but a busy machine may not)."""
    log_in(page, username, PASSWORD)
    page.goto("/")
    page.get_by_test_id("devphone-link").click()
    page.get_by_test_id("devphone").wait_for()
    page.get_by_test_id("devphone-timeouts").set_checked(timeouts)
    page.get_by_test_id("devphone-call").click()
    wait_state(page, "keys")


def wait_state(page, state: str) -> None:
    page.locator(f'[data-testid=devphone-state][data-state="{state}"]').wait_for()


def key(page, keys: str) -> None:
    """Key `keys` on the page's keypad, waiting for the line's next answer."""
    step = page.get_by_test_id("devphone-heard").inner_text()
    for digit in keys:
        page.locator(f'[data-testid=devphone-key][data-key="{digit}"]').click()
    wait_for(page, lambda: page.get_by_test_id("devphone-heard").inner_text() != step)


def send_audio(page, path) -> None:
    wait_state(page, "recording")
    page.get_by_test_id("devphone-audio-file").set_input_files(str(path))
    page.get_by_test_id("devphone-send-audio").click()


def test_a_dev_phone_call_keys_through_the_menus_and_hears_its_reference(
        app, page, agent, live, config, tmp_path):
    config(TWILIO_API_BASE=live.base_url + "/dev/twilio")
    name, description = tmp_path / "name.wav", tmp_path / "description.wav"
    name.write_bytes(tone(1.5))
    description.write_bytes(tone(2.5, rate=44100, channels=1, frequency=300))
    open_phone(page, agent.username)
    assert page.get_by_test_id("devphone-heard-item").first.inner_text().strip()
    key(page, "3")       # French
    key(page, "1")       # a complaint
    key(page, "201#")    # the CNSS's keypad code
    key(page, "1")       # confirmed
    key(page, "1")       # this number
    send_audio(page, name)
    wait_state(page, "keys")
    key(page, "123456#")  # the CIN
    send_audio(page, description)
    page.locator('[data-testid=devphone-heard-item][data-key="case_filed"]').wait_for()
    [case] = cases(app)
    assert page.get_by_test_id("devphone-digits").inner_text() == case.reference
    # The SMS of the filing (sent by the job, through the dev Twilio API) shows up.
    jobs.run_pending(app)
    page.get_by_test_id("devphone-sms-item").filter(has_text=case.reference).wait_for()
    page.get_by_test_id("devphone-hangup").click()
    wait_state(page, "ended")


def test_a_queued_dev_phone_call_is_connected_when_an_agent_claims_it(
        app, page, make_user, live, config, tmp_path):
    config(TWILIO_API_BASE=live.base_url + "/dev/twilio")
    words = tmp_path / "words.wav"
    words.write_bytes(tone(1.0))
    agent = make_user("amina", Role.AGENT, console_language="ar")
    open_phone(page, agent.username)
    assert page.locator("html").get_attribute("dir") == "rtl"
    key(page, "2")  # Arabic
    key(page, "0")  # an agent
    wait_state(page, "queued")
    queue = page.get_by_test_id("devphone-queue")
    assert "1" in queue.inner_text() and "{" not in queue.inner_text()
    [sid] = list(app.extensions["devphone"].calls)
    # Queued, the caller speaks: over the call's media stream, not as a recording.
    page.get_by_test_id("devphone-audio-file").set_input_files(str(words))
    page.get_by_test_id("devphone-send-audio").click()
    wait_for(page, lambda: app.extensions["devphone"].calls[sid].voice is not None)
    with app.app_context():  # the agent's claim: the call is theirs, then Twilio moves it
        db.session.execute(update(Call).where(Call.call_sid == sid).values(agent_id=agent.id))
        db.session.commit()
    with app.test_request_context():
        twilio_rest.update_call(sid, public_endpoint("ivr.connect_agent", agent=agent.id), 5)
    wait_state(page, "agent")
    assert str(agent.id) in page.get_by_test_id("devphone-agent").inner_text()
    page.get_by_test_id("devphone-hangup").click()
    wait_state(page, "ended")
    assert app.extensions["devphone"].calls[sid].voice.closed


def test_a_menu_without_an_answer_times_out_as_on_a_real_line(app, page, agent, live):
    open_phone(page, agent.username, timeouts=True)
    page.get_by_test_id("devphone-mute").check()  # no prompt to wait for: the timeout runs
    page.get_by_test_id("devphone-heard").evaluate(
        "list => list.querySelectorAll('li').forEach(item => { item.dataset.old = 1; })")
    page.locator("[data-testid=devphone-heard-item]:not([data-old])").first.wait_for(
        timeout=20_000)  # the language menu's 6 s, then asked again
    [sid] = list(app.extensions["devphone"].calls)
    assert app.extensions["devphone"].calls[sid].step >= 2
    assert page.get_by_test_id("devphone-state").get_attribute("data-state") == "keys"


@pytest.fixture()
def microphone_page(browser, live, config, page_problems, request):
    """A page of a second Chromium whose microphone is a fake device (a beeping tone),
    allowed without asking."""
    config(WTF_CSRF_ENABLED=True)
    chromium = browser.browser_type.launch(
        executable_path=shutil.which("chromium"), headless=True,
        args=["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
    context = chromium.new_context(base_url=live.base_url, permissions=["microphone"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page_problems.watch(page)
    yield page
    page.screenshot(path=str(SCREENSHOTS_DIR / f"{request.node.name}.png"), full_page=True)
    chromium.close()
    assert not page_problems.errors, "\n".join(page_problems.errors)


def test_the_microphone_records_the_callers_name_as_an_8khz_wav(
        microphone_page, agent, devphone):
    page = microphone_page
    open_phone(page, agent.username)
    for keys in ("3", "2", "201#", "1", "1"):  # an observation: no CIN asked
        key(page, keys)
    wait_state(page, "recording")
    record = page.get_by_test_id("devphone-record")
    record.click()
    page.wait_for_timeout(1500)
    record.click()
    page.locator('[data-testid=devphone-heard-item][data-key="ask_description"]').wait_for()
    [audio] = devphone.store.recordings.values()
    info = soundfile.info(io.BytesIO(audio))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    assert info.duration > 0.5
    samples, _ = soundfile.read(io.BytesIO(audio))
    assert abs(samples).max() > 0.01  # the fake microphone's beeps, not silence
