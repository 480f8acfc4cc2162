"""An officer's work list: the cases of their administrations, the most urgent legal date
first, filtered, searched in the case's words and its transcripts, a page at a time.

The search is a LIKE over lower-cased text (each word must be somewhere: subject,
description, the recording's transcript or its correction, the call's live transcript),
so it runs the same on SQLite and PostgreSQL; a trigram or full-text index can back it on
PostgreSQL later without changing this."""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_
from sqlalchemy import case as when
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import legal
from shared.models import Call
from shared.models import Case
from shared.models import TranscriptSegment
from shared.states import OPEN_BEFORE_ANSWER
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel

from .case_labels import Deadline
from .case_labels import deadlines

PAGE_SIZE = 25
SOON_DAYS = 7  # a running legal date this close is marked as soon due
MAX_WORDS = 8
OPEN = "open"  # the status filter of every case the administration still has to act on


@dataclass(frozen=True)
class Filters:
    administration_ids: frozenset[int]
    status: str | None = None  # a CaseStatus value, or OPEN
    kind: str | None = None
    channel: str | None = None
    filed_from: dt.date | None = None  # Moroccan dates, both included
    filed_to: dt.date | None = None
    text: str | None = None
    page: int = 1


@dataclass(frozen=True)
class WorkItem:
    case: Case
    deadline: Deadline | None  # the most urgent running legal date; None once answered

    @property
    def urgency(self) -> str:
        if self.deadline is None:
            return "done"
        if self.deadline.overdue:
            return "overdue"
        return "soon" if self.deadline.days_left <= SOON_DAYS else "on_time"


@dataclass(frozen=True)
class WorkPage:
    items: list[WorkItem]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search_words(text: str | None) -> list[str]:
    """The words searched: normalised (NFKC, lower case), LIKE's wildcards escaped."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    words = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
             for w in text.split()]
    return words[:MAX_WORDS]


def _word_matches(word: str):
    pattern = f"%{word}%"

    def like(column):
        return func.lower(column).like(pattern, escape="\\")
    in_live_transcript = exists(
        select(TranscriptSegment.id).join(Call, Call.id == TranscriptSegment.call_id)
        .where(Call.case_id == Case.id, like(TranscriptSegment.text)))
    return or_(like(Case.subject), like(Case.description), like(Case.transcript),
               like(Case.recording_transcript), like(Case.recording_transcript_correction),
               Case.reference.like(pattern, escape="\\"), in_live_transcript)


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=legal.TIMEZONE).astimezone(
        dt.timezone.utc)


def conditions(filters: Filters) -> list:
    found = [Case.administration_id.in_(filters.administration_ids)]
    if filters.status == OPEN:
        found.append(Case.status.in_(OPEN_BEFORE_ANSWER))
    elif filters.status:
        found.append(Case.status == CaseStatus(filters.status))
    if filters.kind:
        found.append(Case.kind == CaseKind(filters.kind))
    if filters.channel:
        found.append(Case.channel == Channel(filters.channel))
    if filters.filed_from:
        found.append(Case.filed_at >= _local_midnight(filters.filed_from))
    if filters.filed_to:
        found.append(Case.filed_at < _local_midnight(filters.filed_to + dt.timedelta(days=1)))
    found.extend(_word_matches(word) for word in search_words(filters.text))
    return found


def work_page(session: Session, filters: Filters, now: dt.datetime) -> WorkPage:
    """One page of the list: cases waiting for the administration first, the nearest
    legal date (15 days to transmit, 60 to answer) first; then the others, newest first."""
    if not filters.administration_ids:
        return WorkPage([], 0, 1)
    where = and_(*conditions(filters))
    total = session.scalar(select(func.count(Case.id)).where(where))
    waiting = Case.status.in_(OPEN_BEFORE_ANSWER)
    due = when((Case.status.in_((CaseStatus.RECEIVED, CaseStatus.REOPENED)),
                Case.transmit_due_on), else_=Case.reply_due_on)
    page = min(filters.page, max(1, -(-total // PAGE_SIZE)))
    cases = session.scalars(
        select(Case).where(where)
        .order_by(when((waiting, 0), else_=1), when((waiting, due), else_=None),
                  Case.filed_at.desc(), Case.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return WorkPage([WorkItem(case, _most_urgent(case, now)) for case in cases], total, page)


def _most_urgent(case: Case, now: dt.datetime) -> Deadline | None:
    running = [d for d in deadlines(case, now) if d.running]
    return min(running, key=lambda d: d.days_left) if running else None
