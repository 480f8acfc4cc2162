"""A known data set for the supervisors' figures: a few calls and cases whose figures the
tests compute by hand (November 2026: Morocco is at UTC+1, so local = UTC + 1 h)."""
from __future__ import annotations

import datetime as dt

from shared import administrations
from shared import references
from shared.models import Call
from shared.models import Case
from shared.models import User
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel
from shared.types import Role

UTC = dt.timezone.utc


def at(text: str) -> dt.datetime:
    """A UTC instant written 2026-11-02 08:10:00."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def seconds_after(moment: dt.datetime, seconds: int) -> dt.datetime:
    return moment + dt.timedelta(seconds=seconds)


def add_agents(session) -> tuple[User, User]:
    agents = []
    for name in ("amal", "badr"):
        user = User(username=name, display_name=name.title(), role=Role.AGENT, languages=[])
        user.set_password("unused password 3737")
        session.add(user)
        agents.append(user)
    session.flush()
    return agents[0], agents[1]


def add_call(session, sid: str, started: str, language: str, outcome: str | None, *,
             queued_after: int | None = None, claimed_after: int | None = None,
             ended_after: int | None = None, wrapped_after: int | None = None,
             agent: User | None = None, survey: int | None = None, **answers) -> Call:
    """A call started at `started` (UTC); the other moments in seconds after its start."""
    start = at(started)
    call = Call(call_sid=sid, caller="+212612345678", language=language, outcome=outcome,
                started_at=start, answers=answers,
                queued_at=seconds_after(start, queued_after) if queued_after is not None else None, step=answers.pop("step", "goodbye"),
                agent_id=agent.id if agent else None,
                claimed_at=seconds_after(start, claimed_after) if claimed_after else None,
                ended_at=seconds_after(start, ended_after) if ended_after else None,
                wrapped_up_at=seconds_after(start, wrapped_after) if wrapped_after else None,
                survey_rating=survey)
    session.add(call)
    return call


def add_known_calls(session) -> tuple[User, User]:
    """Six calls from 2 to 4 November 2026 (local), two outside."""
    amal, badr = add_agents(session)
    add_call(session, "CA1", "2026-11-02 08:10:00", "fr", "filed", ended_after=120, survey=5)
    # queued 60 s after the start, taken 15 s later, handled 300 s (to the wrap-up's end)
    add_call(session, "CA2", "2026-11-02 08:20:00", "ar", "agent", queued_after=60,
             claimed_after=75, ended_after=315, wrapped_after=375, agent=amal, survey=4)
    # taken 60 s after queueing (within 60 s, just), handled 225 s, no wrap-up
    add_call(session, "CA3", "2026-11-02 09:05:00", "ary", "agent", queued_after=60,
             claimed_after=120, ended_after=345, agent=badr, survey=2)
    # taken 90 s after queueing, handled 240 s
    add_call(session, "CA4", "2026-11-02 09:30:00", "ary", "agent", queued_after=60,
             claimed_after=150, ended_after=270, wrapped_after=390, agent=amal)
    # 00:30 local on 4 November: hung up while waiting for an agent
    add_call(session, "CA5", "2026-11-03 23:30:00", "ar", "abandoned_in_queue",
             queued_after=60, ended_after=180, step="agent")
    add_call(session, "CA6", "2026-11-03 10:00:00", "fr", "abandoned", ended_after=90,
             abandoned_at="description")
    add_call(session, "CA7", "2026-11-01 22:59:00", "fr", "filed", ended_after=60)  # 1 Nov local
    add_call(session, "CA8", "2026-11-04 23:00:00", "fr", "filed", ended_after=60)  # 5 Nov local
    session.flush()
    return amal, badr


def add_case(session, filed: str, code: str, status: CaseStatus, *, replied_days=None,
             rating=None, reopened=0) -> Case:
    filed_at = at(filed)
    case = Case(reference=references.new_reference(), kind=CaseKind.COMPLAINT,
                administration=administrations.by_code(session, code),
                channel=Channel.PHONE_IVR, language="fr", status=status, filed_at=filed_at,
                transmit_due_on=filed_at.date(), reply_due_on=filed_at.date(),
                replied_at=filed_at + dt.timedelta(days=replied_days) if replied_days else None,
                rating=rating, reopen_count=reopened, pending_fields=[])
    session.add(case)
    return case


def add_known_cases(session) -> None:
    """Five cases of November and December 2026 (local), one outside; 101 is a ministry,
    201 (the CNSS) a public body."""
    add_case(session, "2026-10-31 23:30:00", "101", CaseStatus.ANSWERED, replied_days=10,
             rating=5)  # 00:30 local on 1 November
    add_case(session, "2026-11-05 10:00:00", "101", CaseStatus.CLOSED, replied_days=20,
             rating=2, reopened=1)
    add_case(session, "2026-11-10 10:00:00", "201", CaseStatus.IN_PROGRESS)
    add_case(session, "2026-11-12 10:00:00", "201", CaseStatus.REOPENED, replied_days=5.5,
             reopened=1)
    add_case(session, "2026-12-01 10:00:00", "201", CaseStatus.RECEIVED)
    add_case(session, "2026-10-31 22:30:00", "201", CaseStatus.RECEIVED)  # 31 Oct local
    session.flush()
