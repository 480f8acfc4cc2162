"""Limited retention (law 09-08): what the line keeps about callers goes after a configured
period. Run daily by `flask ivr purge-recordings`.

- recordings of cases filed more than RECORDING_RETENTION_DAYS ago: deleted, with their
  transcripts (recordings.py);
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

from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Call
from shared.models import CallbackRequest
from shared.models import CallerPreference
from shared.models import TranscriptSegment
from shared.models import utcnow

from .outcomes import clear_personal_data
from .recordings import purge_expired


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


def purge(session: Session, config, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply every retention period of `config`; returns what was done, by kind."""
    now = now or utcnow()
    return {
        "cases' recordings deleted": purge_expired(session, config["RECORDING_RETENTION_DAYS"],
                                                   now=now),
        "calls anonymised": anonymise_calls(session, config["CALL_RETENTION_DAYS"], now),
        "transcript segments deleted": delete_transcripts(
            session, config["CALL_RETENTION_DAYS"], now),
        "caller preferences deleted": delete_caller_preferences(
            session, config["CALLER_PREFERENCE_RETENTION_DAYS"], now),
        "callback requests deleted": delete_callback_requests(
            session, config["CALLBACK_RETENTION_DAYS"], now),
    }
