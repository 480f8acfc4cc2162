"""Call recordings (the caller's name, the description, a voicemail): downloaded from Twilio
by a job, stored under RECORDINGS_DIR, attached to the case, then deleted at Twilio.

Transcription plugs in through RECORDING_STORED_HOOKS: each hook gets (case, purpose, path)
after the file is stored and attached.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import twilio_rest
from shared.cases import CaseService
from shared.database import will_write
from shared.extensions import db
from shared.jobs import RetryLater
from shared.jobs import enqueue
from shared.jobs import job
from shared.models import Call
from shared.models import Case
from shared.models import Job
from shared.models import utcnow
from shared.types import JobState

log = logging.getLogger(__name__)
RECORDING_STORED_HOOKS: list[Callable[[Case, str, Path], None]] = []
PURPOSE_FIELDS = {"name": "name_recording_path", "description": "recording_path"}


def schedule_fetch(session: Session, call_sid: str, recording_sid: str | None,
                   recording_url: str | None) -> None:
    """Queue (once per recording) the job that stores it; a later call only wakes it."""
    if not recording_sid or not recording_url:
        return
    will_write(session)  # SQLite: what is read here is written over
    existing = session.scalar(select(Job).where(Job.unique_key == f"recording:{recording_sid}"))
    if existing is not None:
        if existing.state is JobState.PENDING:
            existing.run_after = utcnow()
        return
    enqueue(session, "fetch_recording", unique_key=f"recording:{recording_sid}",
            call_sid=call_sid, recording_sid=recording_sid, recording_url=recording_url)


def purpose_of(call: Call, recording_sid: str) -> str | None:
    for purpose in PURPOSE_FIELDS:
        if (call.answers.get(f"{purpose}_recording") or {}).get("sid") == recording_sid:
            return purpose
    return None


@job("fetch_recording")
def fetch_recording(app, call_sid: str, recording_sid: str, recording_url: str) -> None:
    """Download, store, attach, then delete at Twilio. No database transaction is held
    while Twilio is asked (on SQLite it would hold the only write lock)."""
    session = db.session
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    case = session.get(Case, call.case_id) if call is not None and call.case_id else None
    purpose = purpose_of(call, recording_sid) if call is not None else None
    call_ended = call is not None and call.ended_at is not None
    reference = case.reference if case is not None else None
    session.rollback()
    if reference is None or purpose is None:
        if not call_ended:
            raise RetryLater("the call goes on: its case is not filed yet")
        # The caller hung up before filing: nothing to attach it to, do not keep it anywhere.
        twilio_rest.client().recordings(recording_sid).delete()
        log.info("recording %s of an unfiled call deleted", recording_sid)
        return
    path = store(reference, purpose, recording_sid, twilio_rest.download(recording_url))
    case = session.scalar(select(Case).where(Case.reference == reference))
    CaseService(session, actor="ivr").complete(case, note=f"{purpose} recording stored",
                                               **{PURPOSE_FIELDS[purpose]: str(path)})
    session.commit()  # attached before Twilio's copy goes
    twilio_rest.client().recordings(recording_sid).delete()
    log.info("recording %s stored for case %s", recording_sid, reference)
    case = session.scalar(select(Case).where(Case.reference == reference))
    for hook in RECORDING_STORED_HOOKS:
        hook(case, purpose, path)


def store(reference: str, purpose: str, recording_sid: str, audio: bytes) -> Path:
    if not audio:
        raise RetryLater("empty recording: not ready yet at Twilio")
    folder = Path(current_app.config["RECORDINGS_DIR"]) / reference
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{purpose}-{recording_sid}.wav"
    temporary = path.with_suffix(".part")
    temporary.write_bytes(audio)
    temporary.replace(path)  # never a half-written file under the final name
    return path


def purge_expired(session: Session, retention_days: int, now=None) -> int:
    """Delete the recordings of cases filed more than `retention_days` ago (law 09-08:
    limited retention); the trail keeps that they existed. Returns how many cases."""
    import datetime as dt
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    service = CaseService(session, actor="retention")
    expired = session.scalars(select(Case).where(
        Case.filed_at < cutoff,
        (Case.recording_path.is_not(None)) | (Case.name_recording_path.is_not(None))))
    count = 0
    for case in expired:
        for name in PURPOSE_FIELDS.values():
            path = getattr(case, name)
            if path:
                Path(path).unlink(missing_ok=True)
        service.complete(case, note=f"recordings deleted after {retention_days} days",
                         recording_path=None, name_recording_path=None)
        count += 1
    return count
