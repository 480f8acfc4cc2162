"""In a real browser: Arabic and Darija pages read right to left, French left to right; an
agent's choice of language is kept from one login to the next."""
import pytest

from tests.console.conftest import PASSWORD
from tests.support.browser import log_in

pytestmark = pytest.mark.slow


def direction(page) -> tuple[str, str]:
    """(the html element's dir attribute, the body's computed direction)."""
    return (page.locator("html").get_attribute("dir"),
            page.evaluate("getComputedStyle(document.body).direction"))


@pytest.mark.parametrize("locale, expected", [("ar", "rtl"), ("ary", "rtl"), ("fr", "ltr")])
def test_the_landing_page_follows_the_browsers_language(new_page, locale, expected):
    page = new_page(locale=locale)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == locale
    assert direction(page) == (expected, expected)


def test_an_agent_who_chooses_arabic_gets_right_to_left_pages_at_every_login(new_page, agent):
    page = new_page()
    log_in(page, agent.username, PASSWORD)
    page.wait_for_url("**/console/")
    assert direction(page) == ("ltr", "ltr")

    with page.expect_navigation():
        page.locator("header select[name=language]").select_option("ar")  # sends itself
    page.wait_for_url("**/console/")
    assert page.locator("html").get_attribute("lang") == "ar"
    assert direction(page) == ("rtl", "rtl")

    later = new_page()
    log_in(later, agent.username, PASSWORD)
    later.wait_for_url("**/console/")
    assert direction(later) == ("rtl", "rtl")
