"""In a real browser: two agents at once, each with their own state, pushed live over
Socket.IO (a real websocket) to the agent's other tab and to the supervisors."""
import json

import pytest

from shared.types import Role
from tests.console.conftest import PASSWORD
from tests.support.browser import log_in
from tests.support.browser import socket_frames
from tests.support.browser import wait_for

pytestmark = pytest.mark.slow


def states_told(frames: list[str]) -> list[tuple[str, str]]:
    """(username, state) of the agent_state_changed events among Socket.IO frames."""
    told = []
    for frame in frames:
        if frame.startswith("42"):  # Engine.IO message + Socket.IO event
            name, *args = json.loads(frame[2:])
            if name == "agent_state_changed":
                told.append((args[0]["username"], args[0]["state"]))
    return told


def open_console(page, username: str) -> list[str]:
    """Log in on `page` (or just open the console in an already logged-in tab), and wait
    until its socket is live: the server's first event is the agent's state."""
    frames = socket_frames(page)
    if username:
        log_in(page, username, PASSWORD)
    else:
        page.goto("/console/")
    page.wait_for_url("**/console/")
    wait_for(page, lambda: states_told(frames))
    page.evaluate("window.notReloaded = true")
    return frames


def choose_state(page, state: str, reason: str = "") -> None:
    form = page.get_by_test_id("state-form")
    form.locator("select[name=state]").select_option(state)
    form.locator("select[name=reason]").select_option(reason)
    form.locator("[type=submit]").click()


def shown_state(page) -> str:
    return page.get_by_test_id("agent-state").get_attribute("data-state")


def test_two_agents_each_see_their_own_state_pushed_live_to_their_tabs_and_supervisors(
        new_page, make_user):
    make_user("salma", Role.AGENT)
    make_user("karim", Role.AGENT)
    make_user("nadia", Role.SUPERVISOR)
    salma = new_page()
    salma_frames = open_console(salma, "salma")
    salma_tab = new_page(context=salma.context)
    salma_tab_frames = open_console(salma_tab, "")
    karim = new_page()
    karim_frames = open_console(karim, "karim")
    nadia = new_page()
    nadia_frames = open_console(nadia, "nadia")

    choose_state(salma, "paused", "break")

    for page in (salma, salma_tab):
        wait_for(page, lambda page=page: shown_state(page) == "paused")
        assert page.get_by_test_id("agent-state-reason").inner_text().strip()
        assert page.evaluate("window.notReloaded"), "the page reloaded"
    wait_for(nadia, lambda: ("salma", "paused") in states_told(nadia_frames))
    for frames in (salma_frames, salma_tab_frames):
        assert ("salma", "paused") in states_told(frames)

    choose_state(karim, "available")
    wait_for(karim, lambda: shown_state(karim) == "available")
    wait_for(nadia, lambda: ("karim", "available") in states_told(nadia_frames))
    assert shown_state(salma) == "paused", "an agent's page shows another agent's state"
    assert all(name == "karim" for name, _ in states_told(karim_frames)), \
        "an agent heard another agent's state"
    assert all(name == "salma" for name, _ in states_told(salma_frames))


def test_a_pause_without_a_reason_is_explained_on_the_page(page, agent):
    open_console(page, agent.username)
    choose_state(page, "paused")
    page.get_by_role("alert").wait_for()
    assert shown_state(page) == "offline"


def test_logging_out_in_one_tab_silences_the_other_and_tells_the_supervisors(
        new_page, agent, supervisor):
    salma = new_page()
    open_console(salma, agent.username)
    salma_tab = new_page(context=salma.context)
    open_console(salma_tab, "")
    nadia = new_page()
    nadia_frames = open_console(nadia, supervisor.username)

    with salma.expect_navigation():
        salma.get_by_test_id("logout").click()
    assert "/console/login" in salma.url

    salma_tab.locator("#live-status").wait_for()  # "live updates lost" shown, no reload
    assert salma_tab.evaluate("window.notReloaded")
    wait_for(nadia, lambda: (agent.username, "offline") in states_told(nadia_frames))
    salma_tab.reload()
    assert "/console/login" in salma_tab.url
