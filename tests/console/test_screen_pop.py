"""The screen pop of a held call: the number masked to the viewer's role, the language
and IVR answers, the caller's earlier cases by phone with their status, and the likely
duplicates (same administration, within DUPLICATE_WINDOW_DAYS)."""
import datetime as dt
import re

import pytest

from shared import administrations
from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.extensions import db
from shared.models import Call
from shared.models import utcnow
from shared.types import CaseKind
from shared.types import Channel
from shared.types import Role
from tests.console.followup import access_rows

CALLER = "+212612345678"
OTHER = "+212661234567"


def file(app, phone, code, days_ago, kind=CaseKind.COMPLAINT):
    with app.app_context():
        when = utcnow() - dt.timedelta(days=days_ago)
        case = CaseService(db.session, actor="test", clock=lambda: when).file(NewCase(
            kind=kind, administration=administrations.by_code(db.session, code),
            channel=Channel.PHONE_IVR, language="fr", citizen=Citizen(phone=phone)))
        db.session.commit()
        return case.reference


def held_call(app, agent_id, answers=None):
    with app.app_context():
        call = Call(call_sid="CA" + "7" * 32, caller=CALLER, language="ary", step="agent",
                    outcome="agent", agent_id=agent_id, claimed_at=utcnow(),
                    answers=answers if answers is not None else
                    {"kind": "observation", "administration": "201"})
        db.session.add(call)
        db.session.commit()
        return call.call_sid


def pop(html: str) -> str:
    return re.search(r'<section class="screen-pop".*?</section>', html, re.S).group(0)


def test_the_screen_pop_shows_the_callers_choices_and_earlier_cases(app, agent, logged_in,
                                                                    config):
    config(DUPLICATE_WINDOW_DAYS=30)
    recent = file(app, CALLER, "201", days_ago=3)
    old = file(app, CALLER, "201", days_ago=60)
    elsewhere = file(app, CALLER, "101", days_ago=1)
    someone_else = file(app, OTHER, "201", days_ago=1)
    sid = held_call(app, agent.id)

    html = pop(logged_in(agent).get(f"/console/calls/{sid}").text)

    assert 'data-testid="caller-phone" dir="ltr">*********5678<' in html
    assert 'data-language="ary"' in html and "الدارجة" in html
    assert 'data-kind="observation">Observation<' in html
    assert 'data-code="201"' in html
    earlier = re.findall(r'data-testid="earlier-cases">(.*?)</ul>', html, re.S)[0]
    assert re.findall(r'data-reference="(\d+)"', earlier) == [elsewhere, recent, old]
    assert someone_else not in html
    assert earlier.count('data-testid="case-status" data-status="received"') == 3
    duplicates = re.findall(r'data-testid="duplicates".*?</div>', html, re.S)[0]
    assert re.findall(r'data-reference="(\d+)"', duplicates) == [recent]


def test_the_duplicate_window_is_configurable(app, agent, logged_in, config):
    config(DUPLICATE_WINDOW_DAYS=90)
    old = file(app, CALLER, "201", days_ago=60)
    sid = held_call(app, agent.id)
    html = pop(logged_in(agent).get(f"/console/calls/{sid}").text)
    duplicates = re.findall(r'data-testid="duplicates".*?</div>', html, re.S)[0]
    assert old in duplicates


def test_no_duplicates_without_an_administration(app, agent, logged_in):
    file(app, CALLER, "201", days_ago=1)
    sid = held_call(app, agent.id, answers={})
    html = pop(logged_in(agent).get(f"/console/calls/{sid}").text)
    assert 'data-testid="duplicates"' not in html
    assert 'data-testid="earlier-case"' in html


@pytest.mark.parametrize("role, shown", [(Role.SUPERVISOR, "***********78")])
def test_a_supervisor_sees_less_of_the_number(app, agent, make_user, logged_in, role, shown):
    sid = held_call(app, agent.id)
    html = pop(logged_in(make_user("boss", role)).get(f"/console/calls/{sid}").text)
    assert f'data-testid="caller-phone" dir="ltr">{shown}<' in html
    assert CALLER not in html and "5678" not in html


def test_the_lookup_is_in_the_access_log_without_the_number(app, agent, logged_in, caplog):
    sid = held_call(app, agent.id)
    file(app, CALLER, "201", days_ago=3)
    with caplog.at_level("INFO"):
        logged_in(agent).get(f"/console/calls/{sid}")
    [row] = [row for row in access_rows(app) if row["kind"] == "screen_pop"]
    assert row["user_id"] == agent.id and row["matches"] == 1
    assert row["query_hash"] and "612345678" not in row["query_hash"]
    assert not any("612345678" in r.getMessage() for r in caplog.records)
