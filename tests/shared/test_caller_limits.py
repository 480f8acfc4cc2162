"""Rows that simultaneous calls from one number may all create (the language preference, the
day's counters) are upserts: one row, no IntegrityError, on SQLite and PostgreSQL."""
import datetime as dt

from sqlalchemy import select

from ivr.flow import preferred_language
from ivr.flow import save_preference
from shared import caller_limits
from shared.caller_limits import CallerLimits
from shared.extensions import db
from shared.models import CallerCounter
from shared.models import CallerPreference
from tests.shared.helpers import MAY_10
from tests.shared.test_concurrency import run_together

PHONE = "+212612345678"
THREADS = 8


def test_simultaneous_first_calls_from_one_number_keep_one_preference(app, session):
    session.commit()
    languages = ["ary", "ar", "fr"]

    def first_call(index):
        save_preference(db.session, PHONE, languages[index % 3])
        db.session.commit()

    _, errors = run_together(app, THREADS, first_call)
    assert errors == []
    rows = session.scalars(select(CallerPreference)).all()
    assert len(rows) == 1 and rows[0].phone == PHONE and rows[0].language in languages


def test_a_preference_is_updated_in_place(session):
    save_preference(session, PHONE, "fr")
    session.commit()
    save_preference(session, PHONE, "ar")
    session.commit()
    assert preferred_language(session, PHONE) == "ar"
    assert len(session.scalars(select(CallerPreference)).all()) == 1


def test_simultaneous_counts_from_one_number_all_count(app, session):
    session.commit()

    def check(_index):
        count = caller_limits.add(db.session, PHONE, caller_limits.CHECKS)
        db.session.commit()
        return count

    counts, errors = run_together(app, THREADS, check)
    assert errors == []
    assert sorted(counts) == list(range(1, THREADS + 1))  # each saw its own increment
    assert caller_limits.count(session, PHONE, caller_limits.CHECKS) == THREADS


def test_counters_are_per_number_per_kind_and_per_day(session):
    today, tomorrow = (lambda: MAY_10), (lambda: MAY_10 + dt.timedelta(days=1))
    assert [caller_limits.add(session, PHONE, caller_limits.CASES, today) for _ in range(3)] \
        == [1, 2, 3]
    assert caller_limits.add(session, "+212661000001", caller_limits.CASES, today) == 1
    assert caller_limits.add(session, PHONE, caller_limits.CHECKS, today) == 1
    assert caller_limits.count(session, PHONE, caller_limits.CASES, tomorrow) == 0
    assert caller_limits.add(session, PHONE, caller_limits.CASES, tomorrow) == 1
    # the day's first count deleted the earlier days' counters (personal data)
    assert [(c.phone, c.day, c.counter, c.count)
            for c in session.scalars(select(CallerCounter))] \
        == [(PHONE, tomorrow().date(), "cases", 1)]


def test_limits_come_from_the_configuration():
    limits = CallerLimits.from_config({"IVR_MAX_CASES_PER_DAY": 2, "IVR_MAX_CHECKS_PER_DAY": 7})
    assert (limits.allowed(caller_limits.CASES), limits.allowed(caller_limits.CHECKS)) == (2, 7)
    assert CallerLimits.from_config({}) == CallerLimits(cases_per_day=5, checks_per_day=20)


def test_limits_are_read_from_the_environment(tmp_path):
    from shared.config import load_config
    config = load_config(tmp_path, {"IVR_MAX_CASES_PER_DAY": "3", "IVR_MAX_CHECKS_PER_DAY": "9"})
    assert (config["IVR_MAX_CASES_PER_DAY"], config["IVR_MAX_CHECKS_PER_DAY"]) == (3, 9)
    defaults = load_config(tmp_path, {})
    assert (defaults["IVR_MAX_CASES_PER_DAY"], defaults["IVR_MAX_CHECKS_PER_DAY"]) == (5, 20)
