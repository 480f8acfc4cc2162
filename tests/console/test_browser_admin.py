"""In a real browser: an admin creates an officer, then finds an administration and edits
its French synonyms and acronym (the IVR's spoken look-up follows); the admin screens in
Arabic read right to left, the weekly hours form among them. Screenshots in tests/artifacts/screenshots."""
import pytest
from sqlalchemy import select

from ivr.recognition import match_administration
from shared.extensions import db
from shared.models import Administration
from shared.models import User
from shared.types import Role
from tests.console.conftest import PASSWORD
from tests.support.browser import SCREENSHOTS_DIR
from tests.support.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("restored_administrations")]


def test_an_admin_creates_an_officer_and_edits_an_administration(page, make_user, app):
    make_user("root", Role.ADMIN)
    log_in(page, "root", PASSWORD)
    page.wait_for_url("**/console/admin/users")

    form = page.get_by_test_id("user-create-form")
    form.locator("input[name=username]").fill("hind")
    form.locator("input[name=display_name]").fill("Hind Alaoui")
    form.locator("select[name=role]").select_option("officer")
    form.locator("input[name=administration]").fill("201")
    form.locator("select[name=console_language]").select_option("ary")
    form.locator("input[name=password]").fill("hind's first password")
    page.screenshot(path=str(SCREENSHOTS_DIR / "admin-users.png"), full_page=True)
    with page.expect_navigation():
        form.locator("input[type=submit]").click()
    assert page.get_by_test_id("user-status").get_attribute("data-active") == "yes"
    assert "hind" in page.locator(".flash").inner_text()
    with app.app_context():
        hind = db.session.scalar(select(User).where(User.username == "hind"))
        assert (hind.role, hind.administration.code, hind.console_language) == (
            Role.OFFICER, "201", "ary")
        db.session.remove()

    page.get_by_test_id("admin-nav-administrations").click()
    page.locator("input[name=q]").fill("sécurité sociale")
    with page.expect_navigation():
        page.locator("input[name=q]").press("Enter")
    with page.expect_navigation():
        page.get_by_test_id("administration-201").locator("a").click()
    page.get_by_test_id("synonyms-fr").fill("la caisse bleue\nsécurité sociale")
    page.locator("input[name=acronym]").fill("CNSS")
    with page.expect_navigation():
        page.locator("#administration-submit").click()
    assert page.get_by_test_id("administration-code").inner_text() == "201"
    page.screenshot(path=str(SCREENSHOTS_DIR / "admin-administration.png"), full_page=True)
    with app.app_context():
        cnss = db.session.scalar(select(Administration).where(Administration.code == "201"))
        assert cnss.synonyms["fr"] == ["la caisse bleue", "sécurité sociale"]
        assert match_administration(db.session, "la caisse bleue", "fr").code == "201"
        db.session.remove()


def test_the_admin_screens_read_right_to_left_in_arabic(new_page, make_user):
    make_user("root", Role.ADMIN, console_language="ar")
    page = new_page("ar")
    log_in(page, "root", PASSWORD)
    page.wait_for_url("**/console/admin/users")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_test_id("admin-nav-users").inner_text() == "المستخدمون"
    page.get_by_test_id("admin-nav-hours").click()
    page.wait_for_url("**/console/admin/hours")
    page.get_by_test_id("open-fri").check()
    page.locator("input[name=fri-ranges-0-start]").fill("14:00")
    page.locator("input[name=fri-ranges-0-end]").fill("16:30")
    page.locator("input[name=fri-ranges-1-start]").fill("08:30")
    page.locator("input[name=fri-ranges-1-end]").fill("14:30")  # overlaps the afternoon
    with page.expect_navigation():
        page.locator("#week-submit").click()
    assert "متداخلتان" in page.get_by_test_id("refusal").inner_text()
    assert page.locator("input[name=fri-ranges-1-end]").input_value() == "14:30"  # kept
    page.locator("input[name=fri-ranges-1-end]").fill("12:00")
    with page.expect_navigation():
        page.locator("#week-submit").click()
    assert "fri 08:30-12:00; fri 14:00-16:30" in page.get_by_test_id(
        "hours-in-force").inner_text()
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.screenshot(path=str(SCREENSHOTS_DIR / "admin-hours-ar.png"), full_page=True)
    page.get_by_test_id("hours-advanced").locator("summary").click()
    page.locator("input[name=opening_hours]").fill("mon-fri 8h")
    with page.expect_navigation():
        page.locator("#hours-submit").click()
    assert "تعذّرت قراءة أوقات العمل" in page.get_by_test_id("refusal").inner_text()
    assert page.locator("input[name=opening_hours]").is_visible()  # kept open, as typed
