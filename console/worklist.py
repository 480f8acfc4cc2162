"""An officer's work list: the cases of their administrations, the most urgent legal date
first, filtered, searched in the case's words and its transcripts, a page at a time.

Built to stay fast at a million cases (bench/million_cases.py):
- the order is the stored legal date (cases.due_on, kept in step with the status and the
  dates by the Case model) read from the index ix_cases_admin_due, one administration at a
  time, then merged: a page reads its 25 rows instead of sorting every case of a big one;
- the pager counts COUNT_LIMIT cases at most ("more than 1,000": filter or search to
  narrow), and pages through those;
- the search is a LIKE of each word in the case's text (shared/models.py case_text(),
  one expression: a pg_trgm index on PostgreSQL, a scan on SQLite), or in its calls' live
  transcripts, looked up first in their own table so the cases' query stays indexable."""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union_all
from sqlalchemy.orm import Session

from shared import legal
from shared.models import Call
from shared.models import Case
from shared.models import TranscriptSegment
from shared.models import case_text
from shared.states import OPEN_BEFORE_ANSWER
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel

from .case_labels import Deadline
from .case_labels import deadlines

PAGE_SIZE = 25
SOON_DAYS = 7  # a running legal date this close is marked as soon due
MAX_WORDS = 8
# The pager counts this many cases at most and pages through them; beyond, the officer
# is told there are more and narrows the list (counting 171,000 cases took 200 ms).
COUNT_LIMIT = 1000
# Up to this many administrations (an officer's and those below it) are read one by one,
# each in index order, and merged; more are read together and sorted.
MAX_MERGED = 200
# Cases found by their live transcripts passed to the cases' query by id; beyond, it
# looks the transcripts up itself (right, not indexable).
MAX_TRANSCRIPT_CASES = 1000
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
    total: int  # at most COUNT_LIMIT
    page: int
    more: bool = False  # more than COUNT_LIMIT cases match: total is COUNT_LIMIT

    @property
    def pages(self) -> int:
        return _pages(self.total)


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def search_words(text: str | None) -> list[str]:
    """The words searched: normalised (NFKC, lower case), LIKE's wildcards escaped."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    words = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
             for w in text.split()]
    return words[:MAX_WORDS]


def contains_word(column, word: str):
    """`word` (escaped by search_words) anywhere in `column`, whatever its case."""
    return func.lower(column).like(f"%{word}%", escape="\\")


def _word_matches(session: Session, filters: Filters, word: str):
    """The word in the case's text, or in a live transcript of one of its calls."""
    in_text = case_text().like(f"%{word}%", escape="\\")
    spoken = (select(Call.case_id).join(TranscriptSegment, TranscriptSegment.call_id == Call.id)
              .join(Case, Case.id == Call.case_id)
              .where(Case.administration_id.in_(filters.administration_ids),
                     contains_word(TranscriptSegment.text, word)))
    found = session.scalars(spoken.distinct().limit(MAX_TRANSCRIPT_CASES + 1)).all()
    if not found:
        return in_text
    if len(found) > MAX_TRANSCRIPT_CASES:
        return or_(in_text, Case.id.in_(spoken))
    return or_(in_text, Case.id.in_(found))


def conditions(session: Session, filters: Filters) -> list:
    """What the cases must be, besides belonging to the officer's administrations."""
    found = []
    if filters.status == OPEN:
        found.append(Case.status.in_(OPEN_BEFORE_ANSWER))
    elif filters.status:
        found.append(Case.status == CaseStatus(filters.status))
    if filters.kind:
        found.append(Case.kind == CaseKind(filters.kind))
    if filters.channel:
        found.append(Case.channel == Channel(filters.channel))
    if filters.filed_from:
        found.append(Case.filed_at >= legal.local_midnight(filters.filed_from))
    if filters.filed_to:
        found.append(Case.filed_at < legal.local_midnight(filters.filed_to + dt.timedelta(days=1)))
    found.extend(_word_matches(session, filters, word) for word in search_words(filters.text))
    return found


def counted(session: Session, filters: Filters, where: list) -> int:
    """How many cases match, counting COUNT_LIMIT + 1 at most."""
    matching = (select(Case.id).where(Case.administration_id.in_(filters.administration_ids),
                                      *where).limit(COUNT_LIMIT + 1))
    return session.scalar(select(func.count()).select_from(matching.subquery()))


def ordered_ids(session: Session, filters: Filters, where: list, offset: int) -> list[int]:
    """The ids of a page: cases waiting for the administration first, the nearest legal
    date first (due_on: the 15 days to transmit, then the 60 to answer); then the others,
    newest first. Each administration's first offset + PAGE_SIZE come in the order of
    ix_cases_admin_due (it stops there), then those few are merged (PostgreSQL reads an
    IN list, or a UNION ALL of unordered branches, whole before sorting it)."""
    ids = sorted(filters.administration_ids)
    scopes = [Case.administration_id == one for one in ids] if len(ids) <= MAX_MERGED \
        else [Case.administration_id.in_(ids)]
    order = _order(Case.due_on, Case.filed_at, Case.id)
    branches = [select(Case.id, Case.due_on, Case.filed_at).where(scope, *where)
                .order_by(*order).limit(offset + PAGE_SIZE).subquery() for scope in scopes]
    if len(branches) == 1:
        rows = branches[0]
    else:  # each branch a subquery: SQLite takes no ORDER BY in a compound's members
        rows = union_all(*(select(branch) for branch in branches)).subquery()
    return list(session.scalars(select(rows.c.id)
                                .order_by(*_order(rows.c.due_on, rows.c.filed_at, rows.c.id))
                                .offset(offset).limit(PAGE_SIZE)))


def _order(due_on, filed_at, case_id) -> tuple:
    """The list's order, as ix_cases_admin_due holds it (PostgreSQL's ASC is NULLS LAST)."""
    return due_on.asc().nullslast(), filed_at.desc(), case_id.asc()


def work_page(session: Session, filters: Filters, now: dt.datetime) -> WorkPage:
    """One page of the list (a page past the last shows the last)."""
    if not filters.administration_ids:
        return WorkPage([], 0, 1)
    where = conditions(session, filters)
    total = counted(session, filters, where)
    more = total > COUNT_LIMIT
    total = min(total, COUNT_LIMIT)
    page = min(filters.page, _pages(total))
    ids = ordered_ids(session, filters, where, (page - 1) * PAGE_SIZE)
    cases = {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(ids)))}
    return WorkPage([WorkItem(cases[i], _most_urgent(cases[i], now)) for i in ids
                     if i in cases], total, page, more)


def _most_urgent(case: Case, now: dt.datetime) -> Deadline | None:
    running = [d for d in deadlines(case, now) if d.running]
    return min(running, key=lambda d: d.days_left) if running else None
