"""Retention on a frozen clock (law 09-08): transcripts deleted after
TRANSCRIPT_RETENTION_DAYS even when the recording stays, old recording downloads forgotten,
closed cases pseudonymised CASE_RETENTION_DAYS after closing while open cases and the
figures the statistics need are kept; `flask retention run` says what it did."""
import datetime as dt

import pytest
from sqlalchemy import func
from sqlalchemy import select

from ivr import retention
from shared import schedule
from shared.cases import PSEUDONYMISED
from shared.cases import CaseService
from shared.jobs import run_pending
from shared.models import Call
from shared.models import Case
from shared.models import Job
from shared.models import TranscriptSegment
from shared.types import CaseStatus
from shared.types import JobState
from tests.shared.helpers import MAY_10
from tests.shared.helpers import bring_to
from tests.shared.helpers import new_case
from tests.support.clock import FrozenClock

DAYS = 30


@pytest.fixture()
def clock():
    return FrozenClock(MAY_10)


@pytest.fixture()
def service(session, clock):
    return CaseService(session, actor="test", clock=clock)


def filed(service, admin, status="received", **overrides):
    case = service.file(new_case(admin, **overrides))
    return bring_to(service, case, status)


def periods_with(**values):
    periods = {"RECORDING_RETENTION_DAYS": 365, "TRANSCRIPT_RETENTION_DAYS": 365,
               "CALL_RETENTION_DAYS": 365, "CALLER_PREFERENCE_RETENTION_DAYS": 365,
               "CALLBACK_RETENTION_DAYS": 365, "CASE_RETENTION_DAYS": 365}
    return {**periods, **values}


def figures(session):
    """What the statistics read of cases: per administration, kind, channel, status, the
    dates and the rating."""
    return sorted(session.execute(select(
        Case.reference, Case.administration_id, Case.kind, Case.channel, Case.language,
        Case.status, Case.close_reason, Case.rating, Case.reopen_count, Case.filed_at,
        Case.transmitted_at, Case.replied_at, Case.closed_at, Case.transmit_due_on,
        Case.reply_due_on)).all())


def test_a_closed_case_is_pseudonymised_after_its_period_and_not_before(
        session, service, admin, clock, tmp_path):
    closed = filed(service, admin, "closed")
    service.rate(closed, 2)
    recording = tmp_path / "description.wav"
    recording.write_bytes(b"RIFF")
    closed.recording_path = str(recording)
    name_recording = tmp_path / "name.wav"  # the citizen's voice saying their name
    name_recording.write_bytes(b"RIFF")
    closed.name_recording_path = str(name_recording)
    closed.recording_transcript = closed.recording_transcript_correction = "Fatima Zahra, Rabat"
    closed.idempotency_key = "web-retry-0612345678"
    service.add_information(closed, "Mon voisin M. Bennani a le dossier")
    refused = filed(service, admin, "inadmissible")
    still_open = filed(service, admin, "in_progress")
    answered = filed(service, admin, "answered")  # answered, not closed: kept
    session.commit()
    before = figures(session)

    just_before = clock.advance(days=DAYS) - dt.timedelta(seconds=1)
    assert retention.pseudonymise_closed_cases(session, DAYS, just_before) == 0
    assert closed.citizen_name == "Fatima Zahra" and recording.exists()

    later = clock.advance(seconds=1)
    assert retention.pseudonymise_closed_cases(session, DAYS, later) == 2
    session.commit()
    session.expire_all()
    for case in (closed, refused):
        assert (case.citizen_name, case.citizen_cin, case.citizen_phone, case.citizen_commune,
                case.citizen_address, case.recording_path) == (None,) * 6
        assert case.subject == case.description == PSEUDONYMISED
        assert case.pseudonymised_at == later
        assert case.events[-1].action == "pseudonymise"
        assert case.events[-1].actor == "retention"
    assert closed.reply == PSEUDONYMISED
    assert not recording.exists() and not name_recording.exists()
    assert (closed.name_recording_path, closed.recording_transcript,
            closed.recording_transcript_correction, closed.idempotency_key) == (None,) * 4
    notes = [event.note for event in closed.events if event.action == "add_information"]
    assert notes == [PSEUDONYMISED]
    for case in (still_open, answered):
        assert (case.citizen_name, case.citizen_cin, case.description) == (
            "Fatima Zahra", "AB123456", "Remboursement en retard")
        assert case.pseudonymised_at is None
    assert figures(session) == before  # the statistics are unchanged
    assert closed.rating == 2 and closed.status is CaseStatus.CLOSED
    # Once only.
    assert retention.pseudonymise_closed_cases(session, DAYS, clock.advance(days=1)) == 0


def test_a_reopened_case_waits_for_its_new_closing(session, service, admin, clock):
    case = filed(service, admin, "closed")
    clock.advance(days=DAYS - 1)
    service.reopen(case)
    session.commit()
    assert retention.pseudonymise_closed_cases(session, DAYS, clock.advance(days=5)) == 0
    assert case.citizen_name == "Fatima Zahra"


def test_transcripts_go_after_their_own_period_while_the_recording_stays(
        session, service, admin, clock, tmp_path):
    case = filed(service, admin, "transmitted")
    recording = tmp_path / "description.wav"
    recording.write_bytes(b"RIFF")
    case.recording_path = str(recording)
    service.attach_transcript(case, "ma pension est en retard", "fr", confidence=0.9,
                              model="vosk-fr")
    call = Call(call_sid="CA" + "1" * 32, started_at=clock(), case_id=case.id)
    session.add(call)
    session.flush()
    session.add(TranscriptSegment(call_id=call.id, seq=1, text="bonjour", created_at=clock()))
    session.commit()
    periods = periods_with(TRANSCRIPT_RETENTION_DAYS=DAYS)

    done = retention.purge(session, periods, now=clock.advance(days=DAYS - 1))
    assert done["cases' transcripts deleted"] == done["transcript segments deleted"] == 0
    assert case.recording_transcript is not None

    done = retention.purge(session, periods, now=clock.advance(days=2))
    session.commit()
    assert done["cases' transcripts deleted"] == done["transcript segments deleted"] == 1
    assert done["cases' recordings deleted"] == 0
    assert case.recording_transcript is None and case.recording_path == str(recording)
    assert recording.exists()
    assert session.scalar(select(func.count(TranscriptSegment.id))) == 0
    assert case.events[-1].action == "clear_transcript"


def test_old_recording_downloads_are_forgotten(session, clock):
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "a" * 32
    session.add_all([
        Job(name="fetch_recording", args={"recording_url": url}, state=JobState.DONE,
            created_at=clock(), run_after=clock()),
        Job(name="fetch_recording", args={"recording_url": url}, state=JobState.PENDING,
            created_at=clock(), run_after=clock()),
        Job(name="send_sms", args={}, state=JobState.DONE, created_at=clock(),
            run_after=clock())])
    session.commit()
    assert retention.delete_recording_jobs(session, DAYS, clock.advance(days=DAYS - 1)) == 0
    assert retention.delete_recording_jobs(session, DAYS, clock.advance(days=2)) == 1
    session.commit()
    assert sorted(session.scalars(select(Job.name))) == ["fetch_recording", "send_sms"]


def test_the_command_says_what_it_did(app, session, admin, config):
    old = FrozenClock(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=DAYS + 1))
    old_service = CaseService(session, actor="test", clock=old)
    filed(old_service, admin, "duplicate")
    filed(old_service, admin, "received")
    session.commit()
    config(CASE_RETENTION_DAYS=DAYS)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "closed cases pseudonymised: 1" in result.output
    assert "cases' transcripts deleted: 0" in result.output
    again = runner.invoke(args=["retention", "run"])
    assert "closed cases pseudonymised: 0" in again.output
    session.rollback()
    assert session.scalar(select(func.count(Case.id)).where(
        Case.pseudonymised_at.is_not(None))) == 1


def test_the_retention_job_runs_once_a_period(app, session, admin, config):
    old = FrozenClock(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=DAYS + 1))
    filed(CaseService(session, actor="test", clock=old), admin, "inadmissible")
    session.commit()
    config(CASE_RETENTION_DAYS=DAYS)
    assert schedule.periods(app)[retention.JOB] == dt.timedelta(hours=24)
    now = dt.datetime.now(dt.timezone.utc)
    schedule.enqueue_due(app, now)
    schedule.enqueue_due(app, now)  # another worker, same day: the same job
    session.rollback()
    assert session.scalars(select(Job.name).where(Job.name == retention.JOB)).all() == [
        retention.JOB]
    run_pending(app)
    session.rollback()
    assert session.scalar(select(Job.state).where(Job.name == retention.JOB)) is JobState.DONE
    assert session.scalar(select(Case.pseudonymised_at)) is not None
    schedule.enqueue_due(app, now + dt.timedelta(days=1))  # the next day: a new one
    session.rollback()
    assert session.scalar(select(func.count(Job.id)).where(Job.name == retention.JOB)) == 2
