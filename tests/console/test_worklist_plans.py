"""PostgreSQL reads the work list and the voicemails through the indexes made for them
(migration 0018_worklist): a page in index order with no sort, merged across a ministry's
administrations; the search by the trigram indexes; the voicemails still waiting by their
partial index. The test data are tiny, so the planner is told that reading whole tables
costs a fortune: what is left is what an index can do, and a missing or mismatched index
shows as a sequential scan or a sort."""
import re

import pytest
from sqlalchemy import event
from sqlalchemy import select

from console import queue
from console import worklist
from console.officer_scope import administration_ids
from shared.extensions import db
from shared.models import Case
from shared.models import TranscriptSegment
from shared.models import case_text
from shared.models import utcnow
from tests.console.officers import AGENCY
from tests.console.officers import MINISTRY
from tests.console.officers import admin_id
from tests.console.officers import file_at

pytestmark = pytest.mark.postgresql_only
SORT = re.compile(r"(^|->)\s*(Incremental )?Sort ")


def plans(run, *settings) -> list[tuple[str, str]]:
    """(statement, plan) of each statement `run()` sends, explained with `settings`."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    db.session.rollback()
    found = []
    with db.engine.begin() as conn:
        for setting in settings:
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        for statement, parameters in seen:
            lines = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars()
            found.append((statement, "\n".join(lines)))
    return found


def page_plan(app, code: str, **filters) -> str:
    """The plan of the statement that reads a page's ids (the one with ORDER BY)."""
    with app.app_context():
        ids = administration_ids(db.session, admin_id(app, code))
        explained = plans(lambda: worklist.work_page(
            db.session, worklist.Filters(ids, **filters), utcnow()),
            "enable_seqscan", "enable_sort", "enable_bitmapscan")
        db.session.remove()
    [plan] = [plan for statement, plan in explained if "ORDER BY" in statement]
    return plan


def test_a_page_is_read_in_index_order_without_sorting(app):
    file_at(app, AGENCY, "transmitted")
    plan = page_plan(app, AGENCY)
    assert "ix_cases_admin_due" in plan and not SORT.search(plan), plan
    plan = page_plan(app, AGENCY, status="open", kind="complaint")
    assert "ix_cases_admin_due" in plan and not SORT.search(plan), plan


def test_a_ministrys_administrations_are_merged_not_sorted(app):
    file_at(app, MINISTRY, "transmitted")
    file_at(app, AGENCY, "received")
    plan = page_plan(app, MINISTRY)
    assert "Merge Append" in plan and not SORT.search(plan), plan
    assert plan.count("ix_cases_admin_due") >= 3  # the ministry and the two below it


def explain(app, statement, *settings) -> str:
    with app.app_context():
        [(_, plan)] = plans(lambda: db.session.execute(statement), *settings)
        db.session.remove()
    return plan


def test_the_search_uses_the_trigram_indexes(app):
    file_at(app, AGENCY, description="Pension de retraite non versée")
    plan = explain(app, select(Case.id).where(case_text().like("%retraite%")),
                   "enable_seqscan", "enable_indexscan")
    assert "ix_cases_text_trgm" in plan, plan
    plan = explain(app, select(TranscriptSegment.call_id).where(worklist.contains_word(
        TranscriptSegment.text, "ramed")), "enable_seqscan", "enable_indexscan")
    assert "ix_transcript_segments_text_trgm" in plan, plan


def test_the_voicemails_waiting_are_read_from_their_partial_index(app):
    with app.app_context():
        explained = plans(lambda: queue.voicemails_to_handle(db.session), "enable_seqscan",
                          "enable_sort")
        db.session.remove()
    [(_, plan)] = explained
    assert "ix_cases_description_pending" in plan, plan
