"""How a call ends: Twilio's status callback closes the call record with its outcome."""
from __future__ import annotations

from shared.models import Call
from shared.models import utcnow

from .flow import remember

TERMINAL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}


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
    return True
