"""The call centre's figures over a date range: calls offered, handled by the IVR alone,
handed to agents, answered by an agent within 20 and 60 seconds of queueing, abandoned (and
at which step), average handling time and the post-call survey; in total and per local
hour, day, agent and language.

Definitions (each test of tests/shared/test_figures_calls.py computes them by hand):
- offered: every call that started in the range;
- handed to agents: calls that entered the agents' queue (answers["queued_at"]);
- answered within N s: taken by an agent N seconds or less after queueing
  (claimed_at - queued_at);
- abandoned: the caller hung up before the call reached an end (outcome `abandoned`), or
  while waiting for an agent (`abandoned_in_queue`); where: the step at hang-up;
- handled by the IVR alone: neither handed to agents nor abandoned;
- handling time: from the agent's claim to the end of their wrap-up (or of the call);
- satisfaction: the share of survey answers of 4 or 5 out of 5.
"""
from __future__ import annotations

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select

from shared.call_queue import queued_at
from shared.models import Call
from shared.models import User

from .periods import DateRange
from .periods import mean
from .periods import ratio

ABANDONED = ("abandoned", "abandoned_in_queue")
SATISFIED_FROM = 4  # of 5: a survey answer of 4 or 5 counts as satisfied
THRESHOLDS = (20, 60)


@dataclass
class CallTally:
    """The figures of one group of calls."""
    offered: int = 0
    ivr_only: int = 0
    to_agents: int = 0
    answered: int = 0
    within: dict[int, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))
    abandoned: int = 0
    handling: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def add(self, call: Call) -> None:
        self.offered += 1
        queued = "queued_at" in (call.answers or {})
        abandoned = call.outcome in ABANDONED
        self.to_agents += queued
        self.abandoned += abandoned
        self.ivr_only += not queued and not abandoned
        if call.claimed_at is not None:
            self.answered += 1
            waited = (call.claimed_at - queued_at(call)).total_seconds()
            for limit in THRESHOLDS:
                self.within[limit] += waited <= limit
            end = call.wrapped_up_at or call.ended_at
            if end is not None:
                self.handling.append((end - call.claimed_at).total_seconds())
        if call.survey_rating is not None:
            self.ratings.append(call.survey_rating)

    def as_row(self) -> dict:
        return {
            "offered": self.offered,
            "ivr_only": self.ivr_only,
            "to_agents": self.to_agents,
            "answered_by_agents": self.answered,
            "answered_within_20s": self.within[20],
            "answered_within_20s_percent": ratio(self.within[20], self.to_agents),
            "answered_within_60s": self.within[60],
            "answered_within_60s_percent": ratio(self.within[60], self.to_agents),
            "abandoned": self.abandoned,
            "abandoned_percent": ratio(self.abandoned, self.offered),
            "average_handling_seconds": mean(self.handling, 0),
            "survey_answers": len(self.ratings),
            "average_rating": mean(self.ratings, 2),
            "satisfaction_percent": ratio(sum(r >= SATISFIED_FROM for r in self.ratings),
                                          len(self.ratings)),
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


def calls_in(session, period: DateRange) -> list[Call]:
    first, after = period.utc_bounds()
    return list(session.scalars(select(Call).where(Call.started_at >= first,
                                                   Call.started_at < after)))


def call_figures(session, period: DateRange) -> CallFigures:
    calls = calls_in(session, period)
    agents = {user.id: user.display_name for user in session.scalars(
        select(User).where(User.id.in_({c.agent_id for c in calls} - {None})))}
    total = CallTally()
    groups: dict[str, defaultdict[str, CallTally]] = {
        name: defaultdict(CallTally) for name in ("hour", "day", "agent", "language")}
    where = Counter()
    for call in calls:
        total.add(call)
        groups["hour"][period.hour(call.started_at)].add(call)
        groups["day"][period.day(call.started_at)].add(call)
        groups["language"][call.language or "-"].add(call)
        if call.agent_id is not None:
            groups["agent"][agents.get(call.agent_id, str(call.agent_id))].add(call)
        if call.outcome in ABANDONED:
            where[(call.answers or {}).get("abandoned_at") or call.step] += 1

    def rows(name: str) -> dict[str, dict]:
        return {key: tally.as_row() for key, tally in sorted(groups[name].items())}
    return CallFigures(total.as_row(), rows("hour"), rows("day"), rows("agent"),
                       rows("language"), dict(where.most_common()))
