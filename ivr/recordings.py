"""Call recordings (the caller's name, the description, a voicemail): downloaded from Twilio
by a job, stored under RECORDINGS_DIR, attached to the case, then deleted at Twilio.

Only recordings with a SID of Twilio's shape and a URL on Twilio's API host are fetched:
the download carries the account's credentials, and the SID names a file.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import jobs
from shared import twilio_rest
from shared.cases import CaseService
from shared.extensions import db
from shared.jobs import PermanentError
from shared.jobs import RetryLater
from shared.jobs import enqueue
from shared.models import Call
from shared.models import Case
from shared.models import Job
from shared.models import utcnow
from shared.types import JobState
from shared.twilio_rest import MAX_CALL_DURATION

from .speech import transcribe

log = logging.getLogger(__name__)
PURPOSE_FIELDS = {"name": "name_recording_path", "description": "recording_path"}
RECORDING_SID = re.compile(r"^RE[0-9a-f]{32}$")
# Waiting for a call's end longer than Twilio's longest call fails the job (visibly).
CALL_END_WAIT = MAX_CALL_DURATION + dt.timedelta(minutes=30)


class RefusedRecording(PermanentError):
    """A recording this app will not fetch (a SID or a URL not of Twilio's)."""


def register_jobs(app) -> None:
    jobs.register(app, "fetch_recording", fetch_recording)
    transcribe.register_jobs(app)


def check(recording_sid: str, recording_url: str) -> None:
    """Raise RefusedRecording unless the SID has Twilio's shape and the URL is on Twilio's
    API host."""
    if not RECORDING_SID.match(recording_sid or ""):
        raise RefusedRecording(f"refused recording: {(recording_sid or '')[:40]!r} is not a Twilio "
                               "recording SID")
    try:
        twilio_rest.api_url(recording_url)
    except twilio_rest.ForeignUrl as refused:
        raise RefusedRecording(f"refused recording {recording_sid}: {refused}") from None


def schedule_fetch(session: Session, call_sid: str, recording_sid: str | None,
                   recording_url: str | None) -> None:
    """Queue (once per recording) the job that stores it; a later call only wakes it."""
    if not recording_sid or not recording_url:
        return
    try:
        check(recording_sid, recording_url)
    except RefusedRecording as refused:
        log.warning("call %s: %s", call_sid, refused)
        return
    # The job of that recording, new or already queued (enqueue looks it up once): one
    # waiting (for the call's end) is due now.
    job = enqueue(session, "fetch_recording", unique_key=f"recording:{recording_sid}",
                  call_sid=call_sid, recording_sid=recording_sid, recording_url=recording_url)
    now = utcnow()
    if job.state is JobState.PENDING and job.run_after > now:
        job.run_after = now


def wake_fetches(session: Session, call: Call) -> int:
    """The call has ended: its recordings waiting for that end are due now (rather than at
    their next poll). Returns how many were woken."""
    sids = [answer["sid"] for answer in (call.answers or {}).values()
            if isinstance(answer, dict) and answer.get("sid")]
    if not sids:
        return 0
    waiting = session.scalars(select(Job).where(
        Job.unique_key.in_([f"recording:{sid}" for sid in sids]),
        Job.state == JobState.PENDING)).all()
    for job in waiting:
        job.run_after = utcnow()
    return len(waiting)


def purpose_of(call: Call, recording_sid: str) -> str | None:
    for purpose in PURPOSE_FIELDS:
        if (call.answers.get(f"{purpose}_recording") or {}).get("sid") == recording_sid:
            return purpose
    return None


def fetch_recording(app, call_sid: str, recording_sid: str, recording_url: str) -> None:
    """Download, store, attach, then delete at Twilio. No database transaction is held
    while Twilio is asked (on SQLite it would hold the only write lock)."""
    check(recording_sid, recording_url)
    session = db.session
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    case = session.get(Case, call.case_id) if call is not None and call.case_id else None
    purpose = purpose_of(call, recording_sid) if call is not None else None
    call_ended = call is None or call.ended_at is not None or \
        utcnow() - call.started_at > MAX_CALL_DURATION
    reference = case.reference if case is not None else None
    session.rollback()
    if reference is None or purpose is None:
        if not call_ended:
            raise RetryLater("the call goes on: its case is not filed yet",
                             max_wait=CALL_END_WAIT)
        # The caller hung up before filing: nothing to attach it to, do not keep it anywhere.
        delete_at_twilio(recording_sid)
        log.info("recording %s of an unfiled call deleted", recording_sid)
        return
    path = store(reference, purpose, recording_sid, twilio_rest.download(recording_url))
    case = session.scalar(select(Case).where(Case.reference == reference))
    CaseService(session, actor="ivr").complete(case, note=f"{purpose} recording stored",
                                               **{PURPOSE_FIELDS[purpose]: str(path)})
    if purpose == "description":  # a voicemail's message is one too
        transcribe.schedule(session, current_app.config, reference, recording_sid, path)
    session.commit()  # attached (and its transcript queued) before Twilio's copy goes
    delete_at_twilio(recording_sid)
    log.info("recording %s stored for case %s", recording_sid, reference)


def delete_at_twilio(recording_sid: str) -> None:
    """Delete Twilio's copy; one already gone (a retry after a lost answer) is fine."""
    try:
        with twilio_rest.classified():
            twilio_rest.client().recordings(recording_sid).delete()
    except twilio_rest.TwilioRejected as rejected:
        if rejected.status != 404:
            raise


def store(reference: str, purpose: str, recording_sid: str, audio: bytes) -> Path:
    if not RECORDING_SID.match(recording_sid) or purpose not in PURPOSE_FIELDS:
        raise RefusedRecording(f"refused recording file name: {recording_sid[:40]!r}")
    if not audio:
        raise RetryLater("empty recording: not ready yet at Twilio")
    folder = Path(current_app.config["RECORDINGS_DIR"]) / reference
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{purpose}-{recording_sid}.wav"
    temporary = path.with_suffix(".part")
    temporary.write_bytes(audio)
    temporary.replace(path)  # never a half-written file under the final name
    return path


def delete_recording_files(case: Case) -> None:
    """The files of a case's recordings (its description and its name), gone from disk."""
    for name in PURPOSE_FIELDS.values():
        path = getattr(case, name)
        if path:
            Path(path).unlink(missing_ok=True)


def purge_expired(session: Session, retention_days: int, now=None) -> int:
    """Delete the recordings of cases filed more than `retention_days` ago (law 09-08:
    limited retention), and their transcripts; the trail keeps that they existed. Returns
    how many cases."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    service = CaseService(session, actor="retention")
    expired = session.scalars(select(Case).where(
        Case.filed_at < cutoff,
        (Case.recording_path.is_not(None)) | (Case.name_recording_path.is_not(None))))
    count = 0
    for case in expired:
        delete_recording_files(case)
        service.complete(case, note=f"recordings deleted after {retention_days} days",
                         recording_path=None, name_recording_path=None)
        if case.recording_transcribed_at or case.recording_transcript_correction:
            service.clear_transcript(
                case, note=f"transcript deleted with its recording after {retention_days} days")
        count += 1
    return count
