"""Concurrent writers: 50 simultaneous filings, and racing moves on one case, on SQLite (WAL,
write turns, BEGIN IMMEDIATE for transactions that write) and on PostgreSQL
(TEST_DATABASE_URL)."""
import threading
import time
import traceback

import pytest
from sqlalchemy import func
from sqlalchemy import select

from shared import jobs
from shared import references
from shared.cases import CaseService
from shared.errors import IllegalTransition
from shared.extensions import db
from shared.jobs import enqueue
from shared.models import Administration
from shared.models import Case
from shared.models import CaseEvent
from shared.models import Job
from tests.shared.helpers import bring_to
from tests.shared.helpers import file_case
from tests.shared.helpers import new_case

FILERS = 50
RACERS = 10
TIMEOUT = 60


def run_together(app, count, work):
    """Run work(index) in `count` threads released at once, each in its own app context
    and session; returns (results, errors) where errors are formatted tracebacks."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    results, errors = [None] * count, []

    def target(index):
        with app.app_context():
            try:
                barrier.wait()
                results[index] = work(index)
            except BaseException:
                db.session.rollback()
                errors.append(traceback.format_exc())
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


@pytest.fixture()
def admin_id(admin, session):
    admin_id = admin.id
    session.commit()  # no transaction (and on SQLite no write lock) left open
    return admin_id


def test_50_simultaneous_filings(app, session, admin_id):
    def file(index):
        admin = db.session.get(Administration, admin_id)
        case = CaseService(db.session, actor=f"agent{index}").file(
            new_case(admin, description=f"plainte {index}"))
        db.session.commit()
        return case.reference

    started = time.monotonic()
    refs, errors = run_together(app, FILERS, file)
    elapsed = time.monotonic() - started

    assert errors == []
    assert len(set(refs)) == FILERS and all(references.is_valid(r) for r in refs)
    stored = session.scalars(select(Case)).all()
    assert len(stored) == FILERS and {c.reference for c in stored} == set(refs)
    assert {c.description for c in stored} == {f"plainte {i}" for i in range(FILERS)}
    events = session.scalars(select(CaseEvent)).all()
    assert len(events) == FILERS and {e.action for e in events} == {"file"}
    assert {e.case_id for e in events} == {c.id for c in stored}
    assert elapsed < 20


def test_simultaneous_filings_drawing_the_same_reference_retry(app, session, admin_id,
                                                               monkeypatch):
    """Every thread first draws the same reference: one keeps it, the others draw again."""
    clash = references.new_reference()
    real = references.new_reference
    drawn_once = threading.local()

    def draw():
        if not getattr(drawn_once, "done", False):
            drawn_once.done = True
            return clash
        return real()

    monkeypatch.setattr(references, "new_reference", draw)

    def file(index):
        admin = db.session.get(Administration, admin_id)
        case = CaseService(db.session).file(new_case(admin))
        db.session.commit()
        return case.reference

    refs, errors = run_together(app, 20, file)
    assert errors == []
    assert len(set(refs)) == 20 and clash in refs
    assert session.scalar(select(func.count()).select_from(Case)) == 20
    assert session.scalar(select(func.count()).select_from(CaseEvent)) == 20


def race_on_one_case(app, session, admin, status, move):
    """RACERS threads each load the case at `status` then try `move` on it; returns
    (successes, refusals, other errors)."""
    service = CaseService(session)
    reference = bring_to(service, file_case(session, admin), status).reference
    session.commit()
    # Every thread reads the case before any writes, the worst case for a read-then-write
    # race: the move must lock and reload it (FOR UPDATE on PostgreSQL; on SQLite the read
    # transaction starts again with the write lock).
    all_read = threading.Barrier(RACERS, timeout=TIMEOUT)

    def attempt(index):
        service = CaseService(db.session, actor=f"officer{index}")
        case = service.get(reference)
        assert case.status.value == status
        all_read.wait()
        try:
            move(service, case)
        except IllegalTransition:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return "moved"

    results, errors = run_together(app, RACERS, attempt)
    session.expire_all()
    return reference, results, errors


def test_racing_transmits_on_one_case(app, session, admin):
    reference, results, errors = race_on_one_case(
        app, session, admin, "received", lambda service, case: service.transmit(case))
    assert errors == []
    assert sorted(results) == ["moved"] + ["refused"] * (RACERS - 1)
    case = CaseService(session).get(reference)
    assert case.status.value == "transmitted"
    assert [e.action for e in case.events] == ["file", "transmit"]


def test_racing_reopens_do_not_lose_an_update(app, session, admin):
    reference, results, errors = race_on_one_case(
        app, session, admin, "closed", lambda service, case: service.reopen(case))
    assert errors == []
    assert results.count("moved") == 1
    case = CaseService(session).get(reference)
    assert case.status.value == "reopened" and case.reopen_count == 1
    assert [e.action for e in case.events].count("reopen") == 1


def test_racing_different_moves_leave_a_consistent_trail(app, session, admin):
    """Half try to answer, half to close as inadmissible: exactly one wins, and the
    trail's statuses chain (each event starts where the previous one ended)."""
    def move(service, case):
        if int(service.actor.removeprefix("officer")) % 2:
            service.answer(case, "Réponse motivée.", "fr")
        else:
            service.close(case, "inadmissible")

    reference, results, errors = race_on_one_case(app, session, admin, "in_progress", move)
    assert errors == []
    assert results.count("moved") == 1
    case = CaseService(session).get(reference)
    assert case.status.value in ("answered", "inadmissible")
    for before, after in zip(case.events, case.events[1:]):
        assert after.from_status is before.to_status


def test_simultaneous_enqueues_of_one_unique_key_make_one_job(app, session):
    session.commit()

    def add(index):
        enqueue(db.session, "send_filed_sms", unique_key="sms:race", reference=str(index))
        db.session.commit()

    _, errors = run_together(app, RACERS, add)
    assert errors == []
    assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_simultaneous_filings_with_one_idempotency_key_make_one_case(app, session, admin_id):
    """A client retrying a filing while the first is still running gets the same case."""
    def file(index):
        admin = db.session.get(Administration, admin_id)
        case = CaseService(db.session).file(new_case(admin, idempotency_key="web:retry-42"))
        db.session.commit()
        return case.reference

    refs, errors = run_together(app, RACERS, file)
    assert errors == []
    assert len(set(refs)) == 1
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    assert session.scalar(select(func.count()).select_from(CaseEvent)) == 1


def test_job_workers_running_at_once_share_the_jobs(app, session, handlers):
    """Claims and completions lock the job first: on SQLite a worker that read before
    another's commit would otherwise fail to write (BUSY_SNAPSHOT)."""
    ran = []
    handlers["noop"] = lambda _app, n: ran.append(n)
    for n in range(30):
        enqueue(session, "noop", n=n)
    session.commit()
    results, errors = run_together(app, 6, lambda _index: jobs.run_pending(app))
    assert errors == []
    assert sorted(ran) == list(range(30)) and sum(results) == 30
    assert {job.state.value for job in session.scalars(select(Job))} == {"done"}


def test_sms_workers_running_at_once_send_each_sms_first_time(app, session, admin,
                                                              fake_twilio):
    """Each SMS job reads its case, then records its attempt: on SQLite a worker whose read
    began before another's commit would otherwise fail its insert ("database is locked")
    and be retried minutes later."""
    from shared.sms import schedule_filed_sms
    for _ in range(24):
        schedule_filed_sms(session, file_case(session, admin))
    session.commit()
    results, errors = run_together(app, 6, lambda _index: jobs.run_pending(app))
    assert errors == []
    assert sum(results) == 24 and len(fake_twilio.sent) == 24
    assert {(job.state.value, job.attempts) for job in session.scalars(select(Job))} \
        == {("done", 1)}
