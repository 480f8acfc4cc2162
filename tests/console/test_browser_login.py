"""In a real browser: the landing page, logging in and failing to, the security policy."""
import pytest

from tests.console.conftest import PASSWORD
from tests.support.browser import log_in

pytestmark = pytest.mark.slow


def test_the_landing_page_links_to_the_console_login_and_the_api_docs(page):
    response = page.goto("/")
    assert response.status == 200
    api_docs = page.get_by_test_id("api-docs-link")
    assert api_docs.evaluate("a => a.pathname").startswith("/open311/")
    assert page.request.get(api_docs.get_attribute("href")).ok

    page.get_by_test_id("console-link").click()
    page.wait_for_url("**/console/login")
    assert page.locator("input[name=password]").is_visible()


def test_an_agent_logs_in_and_lands_on_the_console(page, agent):
    log_in(page, agent.username, PASSWORD)
    page.wait_for_url("**/console/")
    assert page.locator("input[name=password]").count() == 0
    assert page.get_by_test_id("agent-state").is_visible()


def test_the_console_asks_for_a_login_and_then_returns_to_it(page, agent):
    page.goto("/console/")
    assert "/console/login" in page.url
    page.locator("input[name=username]").fill(agent.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/console/")


def test_a_wrong_password_stays_on_the_login_page_saying_so_as_for_an_unknown_user(
        new_page, agent):
    page = new_page()
    page.goto("/console/login")
    blank_form = page.locator("main").inner_text()

    log_in(page, agent.username, "wrong password")
    assert page.url.endswith("/console/login")
    assert page.locator("input[name=password]").is_visible()
    said = page.get_by_role("alert").inner_text()
    assert said and said not in blank_form

    other = new_page()
    log_in(other, "nobody", "wrong password")
    assert other.get_by_role("alert").inner_text() == said, \
        "the message tells a wrong password from an unknown user"


def test_the_pages_forbid_inline_scripts_and_framing(page, page_problems):
    response = page.goto("/console/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    assert "frame-ancestors 'none'" in policy, policy
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
    }""")
    assert page.evaluate("window.injected") is None
    refused = [error for error in page_problems.errors if "Content Security Policy" in error]
    assert refused, "the browser did not report the refused inline script"
    page_problems.errors = [error for error in page_problems.errors if error not in refused]
