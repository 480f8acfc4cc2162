"""Per-caller-number daily limits of the phone line (new cases, reference and last-4
checks), counted in the database so that every process agrees. Days are UTC days.
A caller without caller-ID has no number to count: only the per-case lock applies then."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CallerCounter
from .models import utcnow
from .upsert import upsert

CASES = "cases"    # cases filed (voicemail included) from the number
CHECKS = "checks"  # references looked up and last-4 digits keyed from the number


@dataclass(frozen=True)
class CallerLimits:
    """The limits per number and per day (IVR_MAX_CASES_PER_DAY, IVR_MAX_CHECKS_PER_DAY)."""
    cases_per_day: int = 5
    checks_per_day: int = 20

    @classmethod
    def from_config(cls, config) -> CallerLimits:
        return cls(cases_per_day=config.get("IVR_MAX_CASES_PER_DAY", cls.cases_per_day),
                   checks_per_day=config.get("IVR_MAX_CHECKS_PER_DAY", cls.checks_per_day))

    def allowed(self, counter: str) -> int:
        return self.cases_per_day if counter == CASES else self.checks_per_day


def today(clock=utcnow) -> dt.date:
    return clock().date()


def count(session: Session, phone: str, counter: str, clock=utcnow) -> int:
    """How many times `phone` did `counter` today."""
    return session.scalar(select(CallerCounter.count).where(
        CallerCounter.phone == phone, CallerCounter.day == today(clock),
        CallerCounter.counter == counter)) or 0


def add(session: Session, phone: str, counter: str, clock=utcnow) -> int:
    """Count one more `counter` for `phone` today; returns the new count. Earlier days'
    counters (phone numbers: personal data) go at the same time: no cron needed."""
    purge(session, before=today(clock))
    statement = upsert(session, CallerCounter,
                       {"phone": phone, "day": today(clock), "counter": counter, "count": 1},
                       conflict_on=["phone", "day", "counter"],
                       update={"count": CallerCounter.count + 1})
    return session.scalar(statement.returning(CallerCounter.count))


def purge(session: Session, before: dt.date) -> int:
    """Delete the counters of days before `before` (they only matter on their day; the
    index on `day` keeps this cheap when there is nothing to delete)."""
    result = session.execute(CallerCounter.__table__.delete().where(CallerCounter.day < before))
    return result.rowcount
