"""Issue 9's whole loop in a real browser, a case from its first call to its rating: a
citizen files a complaint on the IVR (signed webhooks over HTTP to the live server: French,
1, the CNSS's code, confirmed, the caller's number kept, the name and the description
recorded, the CIN keyed) and hears its reference; the supervisor's case figures count it;
an officer of the CNSS finds it in the work list, acknowledges it, starts it and answers it
through the reply form; the citizen is texted; a follow-up call (4, the reference, #) hears
that very answer and rates it 4; the supervisor's figures now count the case processed
and the rating in the satisfaction. Screenshots: screenshots/case-life-*.png (the figures,
the work list, the case page, the board)."""
import csv
import datetime as dt
import io

import pytest

from ivr.simulator import HttpTransport
from shared import administrations
from shared import jobs
from shared.cases import CaseService
from shared.extensions import db
from shared.models import utcnow
from shared.types import Role
from tests.console.calls import MOBILE
from tests.console.calls import new_caller
from tests.console.conftest import PASSWORD
from tests.console.officers import AGENCY
from tests.console.officers import OTHER
from tests.console.officers import make_officer
from tests.ivr.helpers import cases
from tests.ivr.helpers import digits_read
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import to_main_menu
from tests.shared.helpers import new_case
from tests.support.browser import SCREENSHOTS_DIR
from tests.support.browser import log_in
from tests.support.clock import FrozenClock

pytestmark = pytest.mark.slow
REPLY = "Votre pension a été versée le 2 décembre ; le retard venait d'un RIB erroné."
FIGURES = "/console/figures/cases"


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS_DIR / f"case-life-{name}.png"), full_page=True)


def kpis(page) -> dict[str, str]:
    return {item.get_attribute("data-kpi"): item.inner_text().strip()
            for item in page.get_by_test_id("kpi").all()}


def earlier_rated_case(app) -> str:
    """Another administration's complaint, filed 4 days ago, transmitted the next day,
    answered today, rated 3 (not satisfied: 4 and 5 are): the figures have something to
    average with."""
    clock = FrozenClock(utcnow() - dt.timedelta(days=4))
    with app.app_context():
        service = CaseService(db.session, actor="test", clock=clock)
        case = service.file(new_case(administrations.by_code(db.session, OTHER)))
        clock.advance(days=1)
        service.transmit(case)  # counted from the filing all the same
        clock.advance(days=3)
        service.answer(case, "Votre dossier est clos.", "fr")
        service.rate(case, 3)
        db.session.commit()
        reference = case.reference
        db.session.remove()
    return reference


def administration_row(page, name: str) -> list[str]:
    """The figures of one administration (this month's row of the CSV export)."""
    export = page.request.get(f"{FIGURES}?format=csv&table=administration")
    assert export.ok, export.status
    [row] = [row for row in csv.reader(io.StringIO(export.text())) if row[1:2] == [name]]
    return row[2:]


def cnss_name(app) -> str:
    with app.app_context():
        name = administrations.by_code(db.session, AGENCY).name("fr")
        db.session.remove()
    return name


def run_jobs(app) -> None:
    """What the job worker does (the tests' app runs none): here, the citizen's SMS."""
    with app.app_context():
        jobs.run_pending(app)
        db.session.remove()


def phone_caller(app, live):
    caller = new_caller(app, transport=HttpTransport(live.base_url))
    caller.base = live.base_url  # signed for the address the live server answers on
    return caller


def test_a_phone_case_is_answered_heard_rated_and_counted(app, live, new_page, make_user,
                                                          fake_twilio):
    earlier_rated_case(app)
    make_user("nadia", Role.SUPERVISOR)
    make_officer(app, make_user, "houda", AGENCY)

    # The citizen files a complaint by phone and hears its reference.
    caller = phone_caller(app, live)
    readback = file_by_phone(caller, language="fr", kind="complaint", code=AGENCY,
                             cin="123456")
    reference = digits_read(readback)
    caller.hang_up()
    [_, filed] = cases(app)
    assert (filed.reference, filed.channel.value, filed.status.value, filed.language,
            filed.administration.code, filed.citizen_phone, filed.citizen_cin) == \
        (reference, "phone_ivr", "received", "fr", AGENCY, MOBILE, "123456")

    # The supervisor's figures: two cases received, the earlier one processed (answered
    # 4 days after its filing) and rated 3 of 5, so no satisfied citizen yet.
    boss = new_page()
    log_in(boss, "nadia", PASSWORD)
    boss.goto(FIGURES)
    assert kpis(boss) == {"cases_received": "2", "cases_processed_percent": "50.0",
                          "cases_in_progress": "1", "cases_reopened": "0",
                          "average_days_to_answer": "4.0", "satisfaction": "0.0"}
    screenshot(boss, "1-figures-before")

    # The CNSS's officer finds it in the work list, opens it and answers it.
    houda = new_page()
    log_in(houda, "houda", PASSWORD)
    houda.wait_for_url("**/console/officer/")
    items = houda.get_by_test_id("work-item")
    assert [item.get_attribute("data-reference") for item in items.all()] == [reference]
    screenshot(houda, "2-work-list")
    with houda.expect_navigation():
        items.first.get_by_role("link").click()
    houda.wait_for_url(f"**/console/officer/cases/{reference}")
    for move in ("transmit", "start"):
        with houda.expect_navigation():
            houda.locator(f"[data-testid=case-action][data-action={move}]").click()
    assert houda.get_by_test_id("case-status").get_attribute("data-status") == "in_progress"
    reply_form = houda.get_by_test_id("reply-form")
    assert reply_form.locator("[name=language]").input_value() == "fr"  # the caller's
    reply_form.locator("textarea[name=reply]").fill(REPLY)
    screenshot(houda, "3-case-page")
    with houda.expect_navigation():
        reply_form.locator("[data-testid=case-action][data-action=answer]").click()
    assert houda.get_by_test_id("case-status").get_attribute("data-status") == "answered"
    assert houda.get_by_test_id("case-reply-text").inner_text() == REPLY
    screenshot(houda, "4-answered")

    # The citizen is texted: call 3737, key 4.
    run_jobs(app)
    texts = [m for m in fake_twilio.messages() if reference in m["Body"]
             and "répondu" in m["Body"]]
    assert [(m["To"], "3737" in m["Body"], "tapez 4" in m["Body"]) for m in texts] == \
        [(MOBILE, True, True)]

    # The follow-up call hears that answer and rates it 4 (satisfied).
    caller = phone_caller(app, live)
    to_main_menu(caller, "fr")
    caller.press("4")
    turn = caller.press(reference)
    assert turn.keys == ["status_answered", "reply_intro", "ask_rating"], turn.xml
    assert turn.says == [("fr-FR", REPLY)]
    assert caller.press("4").keys == ["rating_thanks", "offer_reopen"]
    caller.silence()
    caller.hang_up()
    [_, rated] = cases(app)
    assert (rated.rating, rated.status.value, [e.action for e in rated.events][-1]) == \
        (4, "answered", "rate")

    # The officer's page shows the rating; the figures count the case processed, answered
    # the day it was filed ((4 + 0) / 2 days on average), and one rating of two satisfied.
    houda.reload()
    assert houda.get_by_test_id("case-rating").get_attribute("data-rating") == "4"
    boss.reload()
    assert kpis(boss) == {"cases_received": "2", "cases_processed_percent": "100.0",
                          "cases_in_progress": "0", "cases_reopened": "0",
                          "average_days_to_answer": "2.0", "satisfaction": "50.0"}
    # The CNSS's own row: its one case processed the day it was filed, rated satisfied.
    assert administration_row(boss, cnss_name(app)) == \
        ["1", "1", "100.0", "0", "0", "0.0", "1", "100.0"]
    screenshot(boss, "5-figures-after")
    boss.goto("/console/board")
    assert boss.get_by_test_id("board").is_visible()
    screenshot(boss, "6-board")
