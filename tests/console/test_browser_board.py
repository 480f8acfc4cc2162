"""In a real browser: the supervisors' live board follows an agent's state and a queued
caller without a reload (Socket.IO), and the figures pages draw their charts with the
vendored Chart.js (no console error: the CSP lets nothing inline run), in French and in
Arabic (right to left). Screenshots of each page are left in tests/artifacts/screenshots."""
import pytest

from ivr.simulator import HttpTransport
from shared.types import Role
from tests.console.calls import new_caller
from tests.console.calls import queue_at_once
from tests.console.conftest import PASSWORD
from tests.support.browser import log_in
from tests.support.browser import wait_for

pytestmark = pytest.mark.slow

CALLS = "/console/figures/calls?start=2026-11-02&end=2026-11-04"
CASES = "/console/figures/cases?start=2026-11-01&end=2026-12-31"


def kpi(page, name: str) -> str:
    return page.locator(f"[data-testid=kpi][data-kpi={name}]").inner_text().strip()


def choose_state(page, state: str) -> None:
    form = page.get_by_test_id("state-form")
    form.locator("select[name=state]").select_option(state)
    form.locator("[type=submit]").click()


def test_the_board_follows_an_agent_and_a_caller_live(app, live, new_page, make_user):
    make_user("salma", Role.AGENT)
    make_user("nadia", Role.SUPERVISOR)
    boss = new_page()
    log_in(boss, "nadia", PASSWORD)
    boss.goto("/console/board")
    assert boss.get_by_test_id("board").is_visible()
    wait_for(boss, lambda: boss.evaluate("document.getElementById('live-status').hidden"))
    boss.evaluate("window.notReloaded = true")
    assert kpi(boss, "agents_available") == "0" and kpi(boss, "calls_waiting") == "0"

    salma = new_page()
    log_in(salma, "salma", PASSWORD)
    choose_state(salma, "available")
    wait_for(boss, lambda: kpi(boss, "agents_available") == "1")
    assert boss.locator("#board-agents tr[data-state=available]").inner_text().startswith("Salma")

    caller = new_caller(app, transport=HttpTransport(live.base_url))
    caller.base = live.base_url  # signed for the address the live server answers on
    queue_at_once(caller)
    wait_for(boss, lambda: kpi(boss, "calls_waiting") == "1")
    assert kpi(boss, "calls_in_progress") == "1"
    assert boss.evaluate("window.notReloaded"), "the board reloaded"
    boss.reload()
    assert kpi(boss, "calls_waiting") == "1" and kpi(boss, "agents_available") == "1"
    salma.close()


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_the_figures_pages_draw_their_charts(known_data, new_page, make_user, locale):
    make_user("nadia", Role.SUPERVISOR, console_language=locale)
    calls = new_page(locale)
    log_in(calls, "nadia", PASSWORD)
    calls.goto(CALLS)
    cases = new_page(locale, context=calls.context)
    cases.goto(CASES)
    for page, charts in ((calls, 2), (cases, 1)):
        assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
        wait_for(page, lambda page=page: page.evaluate(
            "Array.from(document.querySelectorAll('canvas[data-chart]'))"
            ".filter(c => Chart.getChart(c)).length") == charts)
    assert kpi(calls, "calls_offered") == "6" and kpi(cases, "satisfaction") == "50.0"
