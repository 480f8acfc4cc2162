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

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select

from shared.models import Administration
from shared.models import Case
from shared.types import CaseStatus

from .calls import SATISFIED_FROM
from .periods import DateRange
from .periods import mean
from .periods import ratio

PROCESSED = (CaseStatus.ANSWERED, CaseStatus.CLOSED, CaseStatus.NOT_COMPETENT,
             CaseStatus.INADMISSIBLE, CaseStatus.DUPLICATE)
DAY = 86400


@dataclass
class CaseTally:
    received: int = 0
    processed: int = 0
    reopened: int = 0
    days_to_answer: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def add(self, case) -> None:
        """`case`: a Case or a row of its FIGURE_COLUMNS."""
        self.received += 1
        self.processed += case.status in PROCESSED
        self.reopened += (case.reopen_count or 0) > 0
        if case.replied_at is not None:
            self.days_to_answer.append((case.replied_at - case.filed_at).total_seconds() / DAY)
        if case.rating is not None:
            self.ratings.append(case.rating)

    def as_row(self) -> dict:
        return {
            "received": self.received,
            "processed": self.processed,
            "processed_percent": ratio(self.processed, self.received),
            "in_progress": self.received - self.processed,
            "reopened": self.reopened,
            "average_days_to_answer": mean(self.days_to_answer, 1),
            "ratings": len(self.ratings),
            "satisfaction_percent": ratio(sum(r >= SATISFIED_FROM for r in self.ratings),
                                          len(self.ratings)),
        }


COLUMNS = list(CaseTally().as_row())


@dataclass
class CaseFigures:
    total: dict
    by_month: dict[str, dict]
    # (month, administration's name) and (month, type of administration) -> row
    by_administration: dict[tuple[str, str], dict]
    by_kind: dict[tuple[str, str], dict]


# What a case's figures read: its columns, not whole ORM objects (a year of the portal is
# hundreds of thousands of rows: building objects took seconds per 10,000, bench/million_cases.py).
FIGURE_COLUMNS = (Case.filed_at, Case.status, Case.reopen_count, Case.replied_at, Case.rating,
                  Case.administration_id)


def case_figures(session, period: DateRange, language: str = "fr") -> CaseFigures:
    first, after = period.utc_bounds()
    administrations_by_id = {admin.id: admin for admin in session.scalars(select(Administration))}
    cases = session.execute(select(*FIGURE_COLUMNS)
                            .where(Case.filed_at >= first, Case.filed_at < after)
                            .execution_options(yield_per=10_000))
    total = CaseTally()
    months: defaultdict[str, CaseTally] = defaultdict(CaseTally)
    administrations: defaultdict[tuple[str, str], CaseTally] = defaultdict(CaseTally)
    kinds: defaultdict[tuple[str, str], CaseTally] = defaultdict(CaseTally)
    for case in cases:
        month = period.month(case.filed_at)
        admin = administrations_by_id.get(case.administration_id)
        total.add(case)
        months[month].add(case)
        administrations[(month, admin.name(language) if admin else "-")].add(case)
        kinds[(month, admin.kind.value if admin else "-")].add(case)

    def rows(groups):
        return {key: tally.as_row() for key, tally in sorted(groups.items())}
    return CaseFigures(total.as_row(), rows(months), rows(administrations), rows(kinds))
