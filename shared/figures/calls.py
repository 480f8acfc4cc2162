"""The call centre's figures over a date range: calls offered, handled by the IVR alone,
handed to agents, answered by an agent within 20 and 60 seconds of queueing, abandoned (and
at which step), average handling time and the post-call survey; in total and per local
hour, day, agent and language.

Definitions (each test of tests/shared/test_figures_calls.py computes them by hand):
- offered: every call that started in the range;
- handed to agents: calls that entered the agents' queue (queued_at);
- answered within N s: taken by an agent N seconds or less after queueing
  (claimed_at - queued_at);
- abandoned: the caller hung up before the call reached an end (outcome `abandoned`), or
  while waiting for an agent (`abandoned_in_queue`); where: the step at hang-up;
- handled by the IVR alone: neither handed to agents nor abandoned;
- handling time: from the agent's claim to the end of their wrap-up (or of the call);
- satisfaction: the share of survey answers of 4 or 5 out of 5.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import not_
from sqlalchemy import select

from shared.models import Call
from shared.models import User

from .periods import DateRange
from .sql import flag
from .sql import day_of
from .sql import local_part
from .sql import seconds_between
from .sql import utc_offset
from .sums import add_up
from .sums import average
from .sums import ratio

ABANDONED = ("abandoned", "abandoned_in_queue")
SATISFIED_FROM = 4  # of 5: a survey answer of 4 or 5 counts as satisfied
THRESHOLDS = (20, 60)


@dataclass
class CallTally:
    """The sums the figures of a group of calls are made of, in the order the query gives them."""
    offered: int = 0
    ivr_only: int = 0
    to_agents: int = 0
    answered: int = 0
    within_20s: int = 0
    within_60s: int = 0
    abandoned: int = 0
    handled: int = 0
    handling_seconds: float = 0.0
    ratings: int = 0
    rating_points: int = 0
    satisfied: int = 0

    def as_row(self) -> dict:
        return {
            "offered": self.offered,
            "ivr_only": self.ivr_only,
            "to_agents": self.to_agents,
            "answered_by_agents": self.answered,
            "answered_within_20s": self.within_20s,
            "answered_within_20s_percent": ratio(self.within_20s, self.to_agents),
            "answered_within_60s": self.within_60s,
            "answered_within_60s_percent": ratio(self.within_60s, self.to_agents),
            "abandoned": self.abandoned,
            "abandoned_percent": ratio(self.abandoned, self.offered),
            "average_handling_seconds": average(self.handling_seconds, self.handled, 0),
            "survey_answers": self.ratings,
            "average_rating": average(self.rating_points, self.ratings, 2),
            "satisfaction_percent": ratio(self.satisfied, self.ratings),
        }


COLUMNS = list(CallTally().as_row())


@dataclass
class CallFigures:
    total: dict
    by_hour: dict[str, dict]
    by_day: dict[str, dict]
    by_agent: dict[str, dict]
    by_language: dict[str, dict]
    abandoned_at: dict[str, int]


def calls_of(period: DateRange):
    """A subquery of the calls started in `period`, one row each: the keys they are grouped
    by (local hour and day, agent, language) and what the tallies sum."""
    first, after = period.utc_bounds()
    offset = utc_offset(Call.started_at, first, after, period.timezone)
    queued, abandoned = Call.queued_at.isnot(None), Call.outcome.in_(ABANDONED)
    waited = seconds_between(Call.claimed_at, func.coalesce(Call.queued_at, Call.started_at))
    return select(
        local_part(Call.started_at, offset, "day").label("day"),
        local_part(Call.started_at, offset, "hour").label("hour"),
        Call.agent_id.label("agent"),
        func.coalesce(Call.language, "-").label("language"),
        flag(and_(not_(queued), not_(abandoned))).label("ivr_only"),
        flag(queued).label("to_agents"),
        flag(Call.claimed_at.isnot(None)).label("answered"),
        *(flag(waited <= limit).label(f"within_{limit}s") for limit in THRESHOLDS),
        flag(abandoned).label("abandoned"),
        seconds_between(func.coalesce(Call.wrapped_up_at, Call.ended_at),
                        Call.claimed_at).label("handling"),
        Call.survey_rating.label("rating"),
        func.coalesce(Call.answers["abandoned_at"].as_string(), Call.step).label("where"),
    ).where(Call.started_at >= first, Call.started_at < after).subquery()


def sums_by(session, calls, *keys) -> dict[tuple, list]:
    """{(values of `keys`): [CallTally's sums]} of the `calls` subquery, counted by the
    database."""
    counted = select(
        *keys, func.count(), func.sum(calls.c.ivr_only), func.sum(calls.c.to_agents),
        func.sum(calls.c.answered),
        *(func.sum(calls.c[f"within_{limit}s"]) for limit in THRESHOLDS),
        func.sum(calls.c.abandoned), func.count(calls.c.handling),
        func.coalesce(func.sum(calls.c.handling), 0), func.count(calls.c.rating),
        func.coalesce(func.sum(calls.c.rating), 0),
        func.sum(flag(calls.c.rating >= SATISFIED_FROM)),
    ).group_by(*keys)
    return {tuple(row[:len(keys)]): row[len(keys):] for row in session.execute(counted)}


def call_figures(session, period: DateRange) -> CallFigures:
    """The figures of the calls started in `period`: a query per grouping, counted by the
    database (a year is about 200,000 calls: 7.6 s row by row in Python)."""
    calls = calls_of(period)
    by_language = {language: sums for (language,), sums
                   in sums_by(session, calls, calls.c.language).items()}
    total: dict = {}
    for sums in by_language.values():
        add_up(total, None, sums)
    by_agent = {agent: sums for (agent,), sums in sums_by(session, calls, calls.c.agent).items()
                if agent is not None}
    names = dict(session.execute(select(User.id, User.display_name)
                                 .where(User.id.in_(by_agent))).all())
    agents = {names.get(agent, str(agent)): sums for agent, sums in by_agent.items()}
    days: dict = {}
    hours: dict = {}
    for (day, hour), sums in sums_by(session, calls, calls.c.day, calls.c.hour).items():
        add_up(days, day_of(day).isoformat(), sums)
        add_up(hours, f"{hour:02d}:00", sums)
    where = session.execute(select(calls.c["where"], func.count())
                            .where(calls.c.abandoned == 1).group_by(calls.c["where"])
                            .order_by(func.count().desc(), calls.c["where"])).all()

    def rows(groups: dict) -> dict[str, dict]:
        return {key: CallTally(*sums).as_row() for key, sums in sorted(groups.items())}
    return CallFigures(CallTally(*total.get(None, ())).as_row(), rows(hours), rows(days),
                       rows(agents), rows(by_language), dict(where))
