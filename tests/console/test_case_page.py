"""The case page of a follow-up call: status, timeline, legal dates with a countdown, the
reply; phone and CIN masked; every opening written to the access log."""
import datetime as dt
import re

import pytest

from console import cases as case_pages
from shared import access_log
from shared import references
from shared.types import CaseStatus
from tests.console.followup import access_rows
from tests.console.followup import make_case
from tests.shared.helpers import MAY_10


def test_the_page_shows_the_status_the_reply_and_the_timeline(app, agent, logged_in):
    reference = make_case(app, "answered")
    response = logged_in(agent).get(f"/console/cases/{reference}")
    assert response.status_code == 200
    html = response.text
    assert 'data-testid="case-status" data-status="answered"' in html
    assert "Répondu" in html
    assert "remboursement effectué" in html  # the administration's reply
    assert re.findall(r'data-event-action="(\w+)"', html) == [
        "file", "transmit", "start", "answer"]
    assert " ".join(references.grouped(reference)) in html


@pytest.mark.parametrize("status", [s.value for s in CaseStatus])
def test_every_status_has_its_page(app, agent, logged_in, status):
    reference = make_case(app, status)
    html = logged_in(agent).get(f"/console/cases/{reference}").text
    assert f'data-testid="case-status" data-status="{status}"' in html


def test_phone_and_cin_are_masked(app, agent, supervisor, logged_in):
    reference = make_case(app)
    for user in (agent, supervisor):
        html = logged_in(user).get(f"/console/cases/{reference}").text
        assert "612345678" not in html and "123456" not in html
        assert "***********78" in html  # +212612345678 masked
        assert "******56" in html  # AB123456 masked


def test_each_opening_is_written_to_the_access_log(app, agent, supervisor, logged_in):
    reference = make_case(app)
    logged_in(agent).get(f"/console/cases/{reference}")
    logged_in(supervisor).get(f"/console/cases/{reference}")
    assert [(row["kind"], row["actor"], row["case"]) for row in access_rows(app)] == [
        (access_log.CASE_PAGE, "user:salma", reference),
        (access_log.CASE_PAGE, "user:nadia", reference)]


def test_the_page_is_not_shown_when_its_access_cannot_be_logged(app, agent, logged_in,
                                                                monkeypatch):
    """The log is written in the same transaction as the page is served: no page
    without its line."""
    reference = make_case(app)

    def broken(*args, **kwargs):
        raise RuntimeError("the access log is down")
    monkeypatch.setattr(case_pages.access_log, "record", broken)
    client = logged_in(agent)
    with pytest.raises(RuntimeError):
        client.get(f"/console/cases/{reference}")


def test_a_wrong_check_digit_in_the_url_is_refused_with_its_reason(app, agent, logged_in):
    reference = make_case(app)
    wrong = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    response = logged_in(agent).get(f"/console/cases/{wrong}")
    assert response.status_code == 400
    assert "chiffre de contrôle" in response.text
    assert logged_in(agent).get("/console/cases/123").status_code == 400
    assert access_rows(app) == []


def test_an_unknown_reference_is_a_404_with_its_reason(app, agent, logged_in):
    body = "123456789"
    response = logged_in(agent).get(f"/console/cases/{body}{references.check_digit(body)}")
    assert response.status_code == 404
    assert "Aucun dossier" in response.text


def _countdowns(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-deadline="(\w+)" data-days-left="(-?\d*)"', html))


def test_the_legal_dates_count_down_then_show_overdue(app, agent, logged_in, monkeypatch):
    reference = make_case(app)
    client = logged_in(agent)
    with app.app_context():
        from shared.cases import CaseService
        from shared.extensions import db
        case = CaseService(db.session).get(reference)
        filed = case.filed_at
        db.session.remove()
    monkeypatch.setattr(case_pages, "utcnow", lambda: filed + dt.timedelta(days=10))
    html = client.get(f"/console/cases/{reference}").text
    assert _countdowns(html) == {"transmit": "5", "reply": "50"}
    assert "5 jours restants" in html
    monkeypatch.setattr(case_pages, "utcnow", lambda: filed + dt.timedelta(days=17))
    html = client.get(f"/console/cases/{reference}").text
    assert _countdowns(html) == {"transmit": "-2", "reply": "43"}
    assert "dépassé de 2 jours" in html


def test_an_answered_case_has_no_running_dates(app, agent, logged_in):
    reference = make_case(app, "answered")
    html = logged_in(agent).get(f"/console/cases/{reference}").text
    assert _countdowns(html) == {"transmit": "", "reply": ""}


def test_the_countdown_is_in_moroccan_days(app):
    """Filed at 23:30 UTC on 9 May is 10 May in Morocco (UTC+1): the 60 days run from the
    10th, as the IVR says."""
    from console.case_labels import deadlines
    from shared.models import Case
    case = Case(status=CaseStatus.RECEIVED, transmit_due_on=dt.date(2025, 5, 25),
                reply_due_on=dt.date(2025, 7, 9))
    late_evening = MAY_10 - dt.timedelta(hours=10, minutes=30)  # 23:30 UTC on the 9th
    assert [d.days_left for d in deadlines(case, late_evening)] == [15, 60]


def test_the_page_in_arabic_is_right_to_left(app, make_user, logged_in):
    reference = make_case(app, "answered")
    user = make_user("amina", console_language="ar")
    html = logged_in(user).get(f"/console/cases/{reference}").text
    assert '<html lang="ar" dir="rtl">' in html
    assert "تمت الإجابة" in html
