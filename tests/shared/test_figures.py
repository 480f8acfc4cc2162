"""The supervisors' figures on a known data set (tests/support/figures_data.py), each
computed by hand here: a formula that goes wrong turns one of these red."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shared.figures.calls import call_figures
from shared.figures.cases import case_figures
from shared.figures.periods import InvalidRange
from shared.figures.periods import parse_range
from shared.figures.sql import offset_changes
from shared.types import CaseStatus
from tests.support.figures_data import add_call
from tests.support.figures_data import add_case
from tests.support.figures_data import add_known_calls
from tests.support.figures_data import add_known_cases

TODAY = dt.date(2026, 11, 30)


def period(start, end):
    return parse_range(start, end, "Africa/Casablanca", TODAY)


@pytest.fixture()
def calls(session):
    add_known_calls(session)
    return call_figures(session, period("2026-11-02", "2026-11-04"))


def test_call_totals(calls):
    total = calls.total
    assert total["offered"] == 6  # CA1-CA6; CA7 and CA8 are on 1 and 5 November, local time
    assert total["to_agents"] == 4  # CA2, CA3, CA4, CA5 queued
    assert total["answered_by_agents"] == 3
    assert total["ivr_only"] == 1  # CA1 (CA6 hung up)
    assert total["abandoned"] == 2  # CA5 in the queue, CA6 in the flow
    assert total["abandoned_percent"] == 33.33  # 2 of 6


def test_answered_within_20_and_60_seconds_of_queueing(calls):
    # waits: CA2 15 s, CA3 60 s, CA4 90 s, CA5 never taken; out of 4 handed to agents
    assert calls.total["answered_within_20s"] == 1
    assert calls.total["answered_within_20s_percent"] == 25.0
    assert calls.total["answered_within_60s"] == 2
    assert calls.total["answered_within_60s_percent"] == 50.0


def test_average_handling_time_runs_from_the_claim_to_the_wrap_ups_end(calls):
    # CA2 300 s (to its wrap-up), CA3 225 s (no wrap-up: to the call's end), CA4 240 s
    assert calls.total["average_handling_seconds"] == 255


def test_survey_satisfaction(calls):
    # 5, 4 and 2: two of three satisfied (4 or 5)
    assert calls.total["survey_answers"] == 3
    assert calls.total["average_rating"] == 3.67
    assert calls.total["satisfaction_percent"] == 66.67


def test_where_callers_hang_up(calls):
    assert calls.abandoned_at == {"agent": 1, "description": 1}


def test_calls_per_local_hour_day_agent_and_language(calls):
    assert {hour: row["offered"] for hour, row in calls.by_hour.items()} == {
        "00:00": 1, "09:00": 2, "10:00": 2, "11:00": 1}
    assert {day: row["offered"] for day, row in calls.by_day.items()} == {
        "2026-11-02": 4, "2026-11-03": 1, "2026-11-04": 1}
    assert {lang: row["offered"] for lang, row in calls.by_language.items()} == {
        "ar": 2, "ary": 2, "fr": 2}
    amal, badr = calls.by_agent["Amal"], calls.by_agent["Badr"]
    assert (amal["answered_by_agents"], amal["average_handling_seconds"]) == (2, 270)
    assert (badr["answered_by_agents"], badr["average_handling_seconds"]) == (1, 225)
    assert amal["answered_within_20s"] == 1 and badr["answered_within_60s"] == 1


@pytest.fixture()
def cases(session):
    add_known_cases(session)
    return case_figures(session, period("2026-11-01", "2026-12-31"))


def test_case_totals(cases):
    total = cases.total
    assert total["received"] == 5  # the case of 31 October (local) is not counted
    assert total["processed"] == 2  # answered, closed
    assert total["processed_percent"] == 40.0
    assert total["in_progress"] == 3
    assert total["reopened"] == 2
    assert total["average_days_to_answer"] == 11.8  # (10 + 20 + 5.5) / 3
    assert total["ratings"] == 2
    assert total["satisfaction_percent"] == 50.0  # 5 satisfied, 2 not


def test_cases_per_local_month(cases):
    november, december = cases.by_month["2026-11"], cases.by_month["2026-12"]
    assert (november["received"], november["processed_percent"], november["in_progress"]) \
        == (4, 50.0, 2)
    assert (december["received"], december["processed_percent"], december["in_progress"]) \
        == (1, 0.0, 1)
    assert december["average_days_to_answer"] is None and december["satisfaction_percent"] is None


def test_cases_by_administration_and_type(cases):
    ministry = cases.by_kind[("2026-11", "ministry")]
    assert (ministry["received"], ministry["processed_percent"],
            ministry["average_days_to_answer"], ministry["satisfaction_percent"]) \
        == (2, 100.0, 15.0, 50.0)
    body = cases.by_kind[("2026-11", "public_body")]
    assert (body["received"], body["processed"], body["reopened"],
            body["average_days_to_answer"]) == (2, 0, 1, 5.5)
    cnss = cases.by_administration[("2026-12", "Caisse nationale de sécurité sociale")]
    assert cnss["received"] == 1


@pytest.mark.parametrize("start, end", [("2026-13-01", None), ("2026-11-05", "2026-11-01"),
                                        ("2020-01-01", "2026-01-01"), ("x", "y")])
def test_a_bad_range_is_refused(start, end):
    with pytest.raises(InvalidRange):
        period(start, end)


# Morocco leaves UTC+1 for UTC+0 during Ramadan: in 2026 from 15 February 02:00 UTC to
# 22 March 02:00 UTC. Local hours, days and months follow the offset of each moment.

def test_calls_are_counted_in_the_local_hour_and_day_of_their_own_offset(session):
    for sid, started in (("CAplus1", "2026-02-15 01:30:00"),  # +1: 02:30 on 15 February
                         ("CAzero", "2026-02-15 02:30:00"),  # 0: 02:30 on 15 February
                         ("CAlate", "2026-03-21 23:30:00"),  # 0: 23:30 on 21 March
                         ("CAback", "2026-03-22 23:30:00")):  # +1: 00:30 on 23 March
        add_call(session, sid, started, "fr", "filed", ended_after=60)
    session.flush()

    figures = call_figures(session, period("2026-02-01", "2026-03-31"))

    assert {hour: row["offered"] for hour, row in figures.by_hour.items()} == {
        "00:00": 1, "02:00": 2, "23:00": 1}
    assert {day: row["offered"] for day, row in figures.by_day.items()} == {
        "2026-02-15": 2, "2026-03-21": 1, "2026-03-23": 1}


def test_cases_are_counted_in_the_local_month_of_their_own_offset(session):
    add_case(session, "2026-01-31 23:30:00", "101", CaseStatus.RECEIVED)  # +1: 1 February
    add_case(session, "2026-02-28 23:30:00", "101", CaseStatus.RECEIVED)  # 0: 28 February
    add_case(session, "2026-03-31 23:30:00", "101", CaseStatus.RECEIVED)  # +1: 1 April
    session.flush()

    figures = case_figures(session, period("2026-01-01", "2026-04-30"))

    assert {month: row["received"] for month, row in figures.by_month.items()} == {
        "2026-02": 2, "2026-04": 1}


@pytest.mark.parametrize("zone", ["Africa/Casablanca", "Europe/Paris", "Asia/Kolkata"])
def test_offset_changes_are_those_of_the_time_zone(zone):
    timezone = ZoneInfo(zone)
    first = dt.datetime(2025, 12, 31, 23, tzinfo=dt.timezone.utc)
    after = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
    start, changes = offset_changes(first, after, timezone)
    hour, offset, expected = first, start, []
    while hour < after:  # hour by hour: every change, where it happens
        now = int(hour.astimezone(timezone).utcoffset().total_seconds())
        if now != offset:
            expected.append((hour, now))
            offset = now
        hour += dt.timedelta(hours=1)
    assert start == int(first.astimezone(timezone).utcoffset().total_seconds())
    assert changes == expected
