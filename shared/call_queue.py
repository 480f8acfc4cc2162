"""The live face of the agents' queue: what the consoles are told when a caller enters it,
leaves it or is taken, and the signal that a claimed call has ended.

The IVR (ivr/queue.py, ivr/views.py) and the console (console/claims.py) both speak
through here, so neither imports the other. Events are queued on the session and go out
once it commits (shared/notify.py), to QUEUE_ROOM only: the room that the console's
Socket.IO `connect` joins for logged-in agents and supervisors, never anyone else. Their
payloads carry no full phone number (law 09-08): the number's last two digits at most.
"""
from __future__ import annotations

import datetime as dt

from blinker import Namespace
from sqlalchemy.orm import Session

from .administrations import by_code
from .identity import mask
from .models import Administration
from .models import Call
from .models import utcnow
from .notify import queue_event

QUEUE_ROOM = "queue"
WAITING = "queue_item_added"
GONE = "queue_item_removed"

_signals = Namespace()
# Sent by the IVR's status webhook when a call an agent took has ended, before its commit:
# receivers write in the same session (the agent goes to wrap-up). Arguments: call, session.
claimed_call_ended = _signals.signal("claimed-call-ended")


def queued_at(call: Call) -> dt.datetime:
    """When the caller entered the queue (the call's start if it never did)."""
    return call.queued_at or call.started_at


def is_waiting(call: Call) -> bool:
    """Queued for an agent, not taken, not ended."""
    return call.step == "agent" and call.agent_id is None and call.ended_at is None


def waiting_item(call: Call, administration: Administration | None) -> dict:
    """One waiting caller as the consoles show it: JSON-safe, the number masked, the
    administration's names in every language (each console picks its own)."""
    answers = call.answers or {}
    return {
        "call_sid": call.call_sid,
        "language": call.language,
        "kind": answers.get("kind"),
        "administration": {"code": administration.code, "names": dict(administration.names)}
        if administration is not None else None,
        "phone": mask(call.caller),
        "queued_at": queued_at(call).isoformat(),
    }


def announce_waiting(session: Session, call: Call) -> None:
    """Tell every console that `call` waits for an agent (sent on commit)."""
    administration = by_code(session, (call.answers or {}).get("administration", ""))
    queue_event(session, WAITING, waiting_item(call, administration), room=QUEUE_ROOM)


def announce_gone(session: Session, call_sid: str, reason: str) -> None:
    """Tell every console that the caller no longer waits: `reason` is claimed, left or
    ended (sent on commit; a console without that item ignores it)."""
    queue_event(session, GONE, {"call_sid": call_sid, "reason": reason,
                                "at": utcnow().isoformat()}, room=QUEUE_ROOM)
