"""How a call ends: Twilio's status callback closes the call record with its outcome and
clears the personal data the call gathered on the way (law 09-08): what was filed is on
the case; the call row keeps only its outcome, timings and where it ended."""
from __future__ import annotations

from typing import Any

from shared.models import Call
from shared.models import utcnow

from .flow import remember

TERMINAL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
# Answers that are personal data: the CIN digits and phone keyed, the caller's number.
PERSONAL_ANSWERS = ("cin_digits", "phone")
# Recordings of the caller's voice: only their Twilio SID stays (the job that stores them
# finds its recording by SID; its URL is in the job's arguments).
RECORDING_ANSWERS = ("name_recording", "description_recording")


def without_personal_data(answers: dict[str, Any] | None) -> dict[str, Any]:
    """`answers` without what identifies the caller."""
    kept = {name: value for name, value in (answers or {}).items()
            if name not in PERSONAL_ANSWERS}
    for name in RECORDING_ANSWERS:
        if isinstance(kept.get(name), dict):
            kept[name] = {"sid": kept[name].get("sid")}
    return kept


def clear_personal_data(call: Call) -> None:
    """Forget what the caller keyed and heard (a reply read back can name people)."""
    call.answers = without_personal_data(call.answers)
    call.last_response = None
    call.last_request_key = None


def close_call(call: Call, status: str, duration: int | None) -> bool:
    """Close the call on a terminal status; replays and late callbacks change nothing.
    Returns True when the call was closed now."""
    if status not in TERMINAL_STATUSES or call.ended_at is not None:
        return False
    call.ended_at, call.twilio_status = utcnow(), status
    call.duration_seconds = duration
    if call.outcome is None:
        call.outcome = "abandoned" if status == "completed" else status
        remember(call, abandoned_at=call.step)
    clear_personal_data(call)
    return True
