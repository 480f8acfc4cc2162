"""Limited retention (law 09-08): what the line keeps about callers goes after a configured
period. Run by the recurring job `retention` (RETENTION_EVERY_HOURS) and by
`flask retention run` (or its old name `flask ivr purge-recordings`); each run logs and
prints what it did.

- recordings of cases filed more than RECORDING_RETENTION_DAYS ago: deleted, with their
  transcripts (recordings.py); the finished download jobs of older recordings (their
  arguments hold Twilio's recording URL) too;
- transcripts (a recording's, a call's live transcript) older than
  TRANSCRIPT_RETENTION_DAYS: deleted, even when the recording is kept longer;
- closed cases (a final status) closed more than CASE_RETENTION_DAYS ago: pseudonymised
  (shared/cases.py CaseService.pseudonymise): what the statistics need stays;
- calls started more than CALL_RETENTION_DAYS ago: anonymised (no number, no answers that
  identify the caller, no TwiML, no agent's wrap-up notes), so the line's figures
  (outcomes, dispositions, timings) stay; their live transcripts (what the caller said)
  are deleted;
- caller preferences (a number and its language) unused for CALLER_PREFERENCE_RETENTION_DAYS:
  deleted;
- callback requests made more than CALLBACK_RETENTION_DAYS ago: deleted.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import jobs
from shared.cases import CaseService
from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.models import Job
from shared.models import CallbackRequest
from shared.models import CallerPreference
from shared.models import TranscriptSegment
from shared.models import utcnow
from shared.states import FINAL
from shared.types import JobState

from .outcomes import clear_personal_data
from .recordings import delete_recording_files
from .recordings import purge_expired

log = logging.getLogger(__name__)
JOB = "retention"


def anonymise_calls(session: Session, days: int, now: dt.datetime) -> int:
    """Anonymise the calls started more than `days` ago; returns how many changed."""
    cutoff = now - dt.timedelta(days=days)
    count = 0
    for call in session.scalars(select(Call).where(
            Call.started_at < cutoff,
            or_(Call.caller.is_not(None), Call.last_response.is_not(None),
                Call.wrapup_notes.is_not(None)))):
        call.caller = call.wrapup_notes = None
        clear_personal_data(call)
        count += 1
    return count


def delete_transcripts(session: Session, days: int, now: dt.datetime) -> int:
    """Delete the transcript segments of calls started more than `days` ago."""
    cutoff = now - dt.timedelta(days=days)
    old_calls = select(Call.id).where(Call.started_at < cutoff)
    return session.execute(delete(TranscriptSegment).where(
        TranscriptSegment.call_id.in_(old_calls))).rowcount


def delete_caller_preferences(session: Session, days: int, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=days)
    return session.execute(delete(CallerPreference).where(
        CallerPreference.updated_at < cutoff)).rowcount


def delete_callback_requests(session: Session, days: int, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=days)
    return session.execute(delete(CallbackRequest).where(
        CallbackRequest.requested_at < cutoff)).rowcount


def delete_case_transcripts(session: Session, days: int, now: dt.datetime) -> int:
    """Delete the transcripts of cases filed more than `days` ago; returns how many cases."""
    cutoff = now - dt.timedelta(days=days)
    service = CaseService(session, actor="retention", clock=lambda: now)
    count = 0
    for case in session.scalars(select(Case).where(
            Case.filed_at < cutoff,
            or_(Case.recording_transcript.is_not(None), Case.transcript.is_not(None),
                Case.recording_transcript_correction.is_not(None)))):
        service.clear_transcript(case, note=f"transcript deleted after {days} days")
        case.transcript = None
        count += 1
    return count


def delete_recording_jobs(session: Session, days: int, now: dt.datetime) -> int:
    """Delete the finished download jobs created more than `days` ago: their arguments
    hold the recording's URL and SID."""
    cutoff = now - dt.timedelta(days=days)
    return session.execute(delete(Job).where(
        Job.name == "fetch_recording", Job.state.in_((JobState.DONE, JobState.FAILED)),
        Job.created_at < cutoff)).rowcount


def pseudonymise_closed_cases(session: Session, days: int, now: dt.datetime) -> int:
    """Pseudonymise the cases closed more than `days` ago (their recordings' files go
    too); open and reopened cases are left alone. Returns how many."""
    cutoff = now - dt.timedelta(days=days)
    service = CaseService(session, actor="retention", clock=lambda: now)
    count = 0
    for case in session.scalars(select(Case).where(
            Case.status.in_(FINAL), Case.closed_at < cutoff,
            Case.pseudonymised_at.is_(None))).all():
        delete_recording_files(case)
        service.pseudonymise(case, note=f"pseudonymised {days} days after closing")
        count += 1
    return count


def purge(session: Session, config, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply every retention period of `config`; returns what was done, by kind (logged)."""
    now = now or utcnow()
    transcript_days = min(config["CALL_RETENTION_DAYS"], config["TRANSCRIPT_RETENTION_DAYS"])
    done = {
        "cases' recordings deleted": purge_expired(session, config["RECORDING_RETENTION_DAYS"],
                                                   now=now),
        "recording downloads forgotten": delete_recording_jobs(
            session, config["RECORDING_RETENTION_DAYS"], now),
        "cases' transcripts deleted": delete_case_transcripts(
            session, config["TRANSCRIPT_RETENTION_DAYS"], now),
        "calls anonymised": anonymise_calls(session, config["CALL_RETENTION_DAYS"], now),
        "transcript segments deleted": delete_transcripts(session, transcript_days, now),
        "caller preferences deleted": delete_caller_preferences(
            session, config["CALLER_PREFERENCE_RETENTION_DAYS"], now),
        "callback requests deleted": delete_callback_requests(
            session, config["CALLBACK_RETENTION_DAYS"], now),
        "closed cases pseudonymised": pseudonymise_closed_cases(
            session, config["CASE_RETENTION_DAYS"], now),
    }
    log.info("retention: %s", "; ".join(f"{what}: {count}" for what, count in done.items()))
    return done


def run_job(app) -> None:
    purge(db.session, app.config)


def register_jobs(app) -> None:
    from shared import schedule
    jobs.register(app, JOB, run_job)
    hours = app.config["RETENTION_EVERY_HOURS"]
    schedule.every(app, JOB, dt.timedelta(hours=hours) if hours else None)
