"""The cases' figures as the portal publishes them, per local month of filing: received, %
processed, in progress, reopened, average days to answer and satisfaction; in total, by
administration and by type of administration.

Definitions (tests/shared/test_figures_cases.py computes each by hand):
- received: cases filed in the month (any channel);
- processed: answered or closed in any way (closed, not competent, inadmissible, duplicate);
- in progress: not processed yet (received, transmitted, in progress, reopened);
- reopened: reopened at least once;
- days to answer: from filing to the (latest) reply, in days, for the cases answered;
- satisfaction: the share of the citizens' ratings of answers of 4 or 5 out of 5.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from shared.models import Administration
from shared.models import Case
from shared.models import name_in
from shared.types import CaseStatus

from .calls import SATISFIED_FROM
from .periods import DateRange
from .sql import flag
from .sql import bucket
from .sql import seconds_between
from .sums import add_up
from .sums import average
from .sums import ratio

PROCESSED = (CaseStatus.ANSWERED, CaseStatus.CLOSED, CaseStatus.NOT_COMPETENT,
             CaseStatus.INADMISSIBLE, CaseStatus.DUPLICATE)
DAY = 86400


@dataclass
class CaseTally:
    """The sums the figures of a group of cases are made of, in the order the query gives them."""
    received: int = 0
    processed: int = 0
    reopened: int = 0
    answered: int = 0
    seconds_to_answer: float = 0.0
    ratings: int = 0
    satisfied: int = 0

    def as_row(self) -> dict:
        return {
            "received": self.received,
            "processed": self.processed,
            "processed_percent": ratio(self.processed, self.received),
            "in_progress": self.received - self.processed,
            "reopened": self.reopened,
            "average_days_to_answer": average(self.seconds_to_answer / DAY, self.answered, 1),
            "ratings": self.ratings,
            "satisfaction_percent": ratio(self.satisfied, self.ratings),
        }


COLUMNS = list(CaseTally().as_row())


@dataclass
class CaseFigures:
    total: dict
    by_month: dict[str, dict]
    # (month, administration's name) and (month, type of administration) -> row
    by_administration: dict[tuple[str, str], dict]
    by_kind: dict[tuple[str, str], dict]


def sums_by_month_and_administration(session, period: DateRange):
    """(local month, administration id, [CaseTally's sums]) of the cases filed in `period`,
    counted by the database: a year of the portal is half a million cases
    (bench/million_cases.py), which took 18 s to count row by row in Python."""
    first, after = period.utc_bounds()
    months = period.months()
    rows = select(
        bucket(Case.filed_at, [start for _, start in months[1:]]).label("month"),
        Case.administration_id,
        flag(Case.status.in_(PROCESSED)).label("processed"),
        flag(Case.reopen_count > 0).label("reopened"),
        seconds_between(Case.replied_at, Case.filed_at).label("to_answer"),
        Case.rating,
    ).where(Case.filed_at >= first, Case.filed_at < after).subquery()
    counted = select(
        rows.c.month, rows.c.administration_id, func.count(), func.sum(rows.c.processed),
        func.sum(rows.c.reopened), func.count(rows.c.to_answer),
        func.coalesce(func.sum(rows.c.to_answer), 0), func.count(rows.c.rating),
        func.sum(flag(rows.c.rating >= SATISFIED_FROM)),
    ).group_by(rows.c.month, rows.c.administration_id)
    for month, administration_id, *sums in session.execute(counted):
        yield months[month][0], administration_id, sums


def case_figures(session, period: DateRange, language: str = "fr") -> CaseFigures:
    administrations = {id_: (name_in(names, language), kind.value) for id_, names, kind in
                       session.execute(select(Administration.id, Administration.names,
                                              Administration.kind))}
    groups: dict[str, dict] = {name: {} for name in ("total", "month", "administration", "kind")}
    for month, administration_id, sums in sums_by_month_and_administration(session, period):
        name, kind = administrations.get(administration_id, ("-", "-"))
        add_up(groups["total"], None, sums)
        add_up(groups["month"], month, sums)
        add_up(groups["administration"], (month, name), sums)
        add_up(groups["kind"], (month, kind), sums)

    def rows(name: str) -> dict:
        return {key: CaseTally(*sums).as_row() for key, sums in sorted(groups[name].items())}
    return CaseFigures(CaseTally(*groups["total"].get(None, ())).as_row(), rows("month"),
                       rows("administration"), rows("kind"))
