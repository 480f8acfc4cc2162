"""The legal clock: 15 days to transmit, 60 to answer, counted in Moroccan local days."""
import datetime as dt

import pytest

from shared import legal
from shared.cases import CaseService
from shared.models import Case
from tests.shared.helpers import new_case

UTC = dt.timezone.utc


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


def test_the_legal_periods():
    assert legal.TRANSMIT_DAYS == 15 and legal.REPLY_DAYS == 60


@pytest.mark.parametrize("moment, local_day", [
    (at(2025, 5, 10, 22, 59), dt.date(2025, 5, 10)),   # 23:59 in Casablanca (UTC+1)
    (at(2025, 5, 10, 23, 0), dt.date(2025, 5, 11)),    # local midnight
    (at(2025, 5, 10, 23, 30), dt.date(2025, 5, 11)),   # 00:30 the next local day
    (at(2025, 3, 10, 23, 30), dt.date(2025, 3, 10)),   # Ramadan 2025: Morocco on UTC+0
    (at(2025, 12, 31, 23, 30), dt.date(2026, 1, 1)),
])
def test_local_date_is_casablanca_time(moment, local_day):
    assert legal.local_date(moment) == local_day


def test_filing_late_in_the_utc_evening_counts_from_the_next_local_day():
    filed = at(2025, 5, 10, 23, 30)  # 00:30 on 11 May in Casablanca
    assert legal.transmit_due(filed) == dt.date(2025, 5, 26)   # 11 May + 15
    assert legal.reply_due(filed) == dt.date(2025, 7, 10)      # 11 May + 60


def test_filing_before_local_midnight_counts_from_that_day():
    filed = at(2025, 5, 10, 22, 30)  # 23:30 on 10 May in Casablanca
    assert legal.transmit_due(filed) == dt.date(2025, 5, 25)
    assert legal.reply_due(filed) == dt.date(2025, 7, 9)


def test_the_clock_does_not_depend_on_the_zone_of_the_moment_given():
    utc = at(2025, 5, 10, 23, 30)
    paris = utc.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert legal.reply_due(paris) == legal.reply_due(utc)


def test_the_dates_are_computed_at_filing_and_kept_per_case(session, admin):
    filed = at(2025, 5, 10, 23, 30)
    case = CaseService(session, clock=lambda: filed).file(new_case(admin))
    other = CaseService(session, clock=lambda: at(2025, 8, 1, 9, 0)).file(new_case(admin))
    session.commit()
    session.expire_all()

    case = session.get(Case, case.id)
    assert case.filed_at == filed
    assert case.transmit_due_on == dt.date(2025, 5, 26)
    assert case.reply_due_on == dt.date(2025, 7, 10)
    other = session.get(Case, other.id)
    assert (other.transmit_due_on, other.reply_due_on) == (dt.date(2025, 8, 16),
                                                           dt.date(2025, 9, 30))


def test_moves_other_than_reopen_keep_the_dates(session, admin):
    clock = [at(2025, 5, 10, 10, 0)]
    service = CaseService(session, clock=lambda: clock[0])
    case = service.file(new_case(admin))
    dates = (case.transmit_due_on, case.reply_due_on)
    clock[0] = at(2025, 6, 20, 10, 0)
    service.transmit(case)
    service.start(case)
    service.answer(case, "Réponse motivée.", "fr")
    service.rate(case, 3)
    service.close(case, "answered")
    session.commit()
    assert (case.transmit_due_on, case.reply_due_on) == dates
