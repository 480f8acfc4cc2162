"""In a real browser: the landing page, logging in and failing to, the security policy."""
import pytest

from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.slow


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/console/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()


def test_the_landing_page_links_to_the_console_login_and_the_api_docs(page):
    response = page.goto("/")
    assert response.status == 200
    links = page.locator("a[href]").evaluate_all("links => links.map(a => a.pathname)")
    assert any(link.startswith("/console") for link in links), links
    assert any(link.startswith("/open311") for link in links), links
    page.locator("a[href^='/console']").first.click()
    page.wait_for_url("**/console/login**")
    assert page.locator("input[name=password]").is_visible()


def test_an_agent_logs_in_and_lands_on_the_console(page, make_user):
    make_user("amina")
    log_in(page, "amina")
    page.wait_for_url("**/console/")
    assert page.locator("input[name=password]").count() == 0


def test_a_wrong_password_stays_on_the_login_page_saying_so_as_for_an_unknown_user(
        new_page, make_user):
    make_user("amina")
    page = new_page()
    page.goto("/console/login")
    blank_form = page.locator("body").inner_text()

    log_in(page, "amina", "wrong password")
    assert "/console/login" in page.url
    assert page.locator("input[name=password]").is_visible()
    wrong_password = page.locator("body").inner_text()
    assert wrong_password != blank_form, "the failure is not said"

    other = new_page()
    log_in(other, "nobody", "wrong password")
    assert other.locator("body").inner_text() == wrong_password, \
        "the message tells a wrong password from an unknown user"


def test_the_pages_forbid_inline_scripts(page, page_problems):
    response = page.goto("/console/login")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src" in policy or "default-src" in policy, policy
    assert "unsafe-inline" not in policy, policy
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
    }""")
    assert page.evaluate("window.injected") is None
    refused = [e for e in page_problems.errors if "Content Security Policy" in e]
    assert refused, "the browser did not report the refused inline script"
    page_problems.errors = [e for e in page_problems.errors if e not in refused]
