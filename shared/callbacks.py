"""Calling back the citizens who asked for it (the IVR's fallback key 2): what the console
(console/callbacks.py: an agent takes one and Twilio rings their softphone) and the IVR
(ivr/callbacks.py: the softphone's call dials the citizen, then tells how it went) share,
so neither imports the other.

A callback waits until an agent takes it (a conditional update: one agent at a time).
The dial's outcome settles the take: answered, it is done; not answered (no-answer, busy,
failed), one attempt more and it waits again, until CALLBACK_MAX_ATTEMPTS closes it as
unreachable; anything else (the agent never picked up, or hung up first) only releases it.
The consoles hear each change in the queue's room, the number masked."""
from __future__ import annotations

import datetime as dt

from blinker import Namespace
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from .agent_phones import agent_address
from .call_queue import QUEUE_ROOM
from .database import will_write
from .identity import mask
from .models import CallbackRequest
from .models import utcnow
from .notify import queue_event
from .twilio_rest import MAX_CALL_DURATION

CHANGED = "callback_changed"  # to QUEUE_ROOM: {"id", "state": waiting|taken|closed, ...}
WAITING, TAKEN, CLOSED = "waiting", "taken", "closed"
ANSWERED, UNREACHABLE = "answered", "unreachable"
# Twilio's DialCallStatus: the citizen answered / an attempt that counts.
REACHED = frozenset({"completed", "answered"})
NOT_REACHED = frozenset({"no-answer", "busy", "failed"})
# A take whose end Twilio never told (both webhooks lost) lapses after its longest call.
TAKE_LIMIT = MAX_CALL_DURATION

_signals = Namespace()
# Sent when a take is settled, before the commit (the console's receiver moves the agent
# on). Arguments: callback (settled), session, agent_id, reached (the citizen answered).
callback_settled = _signals.signal("callback-settled")


def _not_taken(now: dt.datetime):
    return or_(CallbackRequest.agent_id.is_(None), CallbackRequest.taken_at < now - TAKE_LIMIT)


def _waiting(now: dt.datetime):
    return and_(CallbackRequest.done_at.is_(None), _not_taken(now))


def waiting(session: Session, limit: int) -> list[CallbackRequest]:
    """The callbacks nobody is making, oldest request first."""
    return list(session.scalars(select(CallbackRequest).where(_waiting(utcnow()))
                                .order_by(CallbackRequest.requested_at).limit(limit)))


def count_waiting(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CallbackRequest)
                          .where(_waiting(utcnow())))


def held_by(session: Session, agent_id: int) -> bool:
    """The agent is making a callback (taken, not settled, not lapsed)."""
    now = utcnow()
    return session.scalar(select(CallbackRequest.id).where(
        CallbackRequest.agent_id == agent_id, CallbackRequest.done_at.is_(None),
        CallbackRequest.taken_at >= now - TAKE_LIMIT).limit(1)) is not None


def take(session: Session, callback_id: int, agent_id: int) -> bool:
    """Make `agent_id` the one calling back `callback_id` (not committed); False when it
    is done or another agent is on it."""
    will_write(session)  # SQLite: the update's check and its write in one turn
    now = utcnow()
    taken = session.execute(update(CallbackRequest).where(
        CallbackRequest.id == callback_id, _waiting(now),
    ).values(agent_id=agent_id, taken_at=now, agent_call_sid=None).execution_options(
        synchronize_session=False)).rowcount == 1
    if taken:
        announce(session, callback_id, TAKEN)
    return taken


def note_agent_call(session: Session, callback_id: int, agent_id: int, call_sid: str) -> None:
    """Twilio's call to the agent's softphone: only its webhooks settle the take."""
    session.execute(update(CallbackRequest).where(
        CallbackRequest.id == callback_id, CallbackRequest.agent_id == agent_id,
        CallbackRequest.done_at.is_(None), CallbackRequest.agent_call_sid.is_(None),
    ).values(agent_call_sid=call_sid).execution_options(synchronize_session=False))


def release(session: Session, callback_id: int, agent_id: int) -> bool:
    """Undo `agent_id`'s take (Twilio could not ring them): it waits again."""
    return _settle(session, callback_id, agent_id, None, 1, tell=False) is not None


def in_progress(session: Session, callback_id: int, call_sid: str | None,
                to: str | None) -> CallbackRequest | None:
    """The callback that Twilio's call `call_sid` (to `to`) is making, if it still is: the
    call noted for its take, or (before it is noted) a call to the taker's softphone. A
    call for a take released or settled since gets None."""
    callback = session.get(CallbackRequest, callback_id, populate_existing=True)
    if callback is None or callback.done_at is not None or callback.agent_id is None \
            or not call_sid:
        return None
    if callback.agent_call_sid is not None:
        return callback if callback.agent_call_sid == call_sid else None
    return callback if to == agent_address(callback.agent_id) else None


def settle(session: Session, callback_id: int, agent_id: int, dial_status: str | None,
           max_attempts: int) -> CallbackRequest | None:
    """End `agent_id`'s take with Twilio's DialCallStatus (None: the citizen was never
    dialed). Only one settling wins (a conditional update: webhooks are retried); returns
    the callback it settled, else None. `callback_settled` is sent (the agent moves on)."""
    return _settle(session, callback_id, agent_id, dial_status, max_attempts, tell=True)


def _settle(session: Session, callback_id: int, agent_id: int, dial_status: str | None,
            max_attempts: int, tell: bool) -> CallbackRequest | None:
    will_write(session)
    now = utcnow()
    values = {"agent_id": None, "taken_at": None, "agent_call_sid": None}
    reached = dial_status in REACHED
    if reached:
        values |= {"done_at": now, "outcome": ANSWERED, "handled_by_id": agent_id}
    elif dial_status in NOT_REACHED:
        values |= {"attempts": CallbackRequest.attempts + 1, "last_attempt_at": now,
                   "handled_by_id": agent_id}
    mine = (CallbackRequest.id == callback_id, CallbackRequest.agent_id == agent_id,
            CallbackRequest.done_at.is_(None))
    if session.execute(update(CallbackRequest).where(*mine).values(**values)
                       .execution_options(synchronize_session=False)).rowcount != 1:
        return None
    if dial_status in NOT_REACHED:  # the last attempt allowed closes it
        session.execute(update(CallbackRequest).where(
            CallbackRequest.id == callback_id, CallbackRequest.done_at.is_(None),
            CallbackRequest.attempts >= max_attempts,
        ).values(done_at=now, outcome=UNREACHABLE).execution_options(synchronize_session=False))
    callback = session.get(CallbackRequest, callback_id, populate_existing=True)
    announce(session, callback_id, CLOSED if callback.done_at else WAITING, callback)
    if tell:
        callback_settled.send(callback, session=session, agent_id=agent_id, reached=reached)
    return callback


def item(callback: CallbackRequest) -> dict:
    """A waiting callback as the consoles show it (JSON-safe, the number masked)."""
    return {"id": callback.id, "phone": mask(callback.phone), "language": callback.language,
            "requested_at": callback.requested_at.isoformat(), "attempts": callback.attempts}


def announce(session: Session, callback_id: int, state: str,
             callback: CallbackRequest | None = None) -> None:
    """Tell the consoles (on commit) that the callback waits (with its item), is taken or
    closed."""
    payload = {"id": callback_id, "state": state}
    if state == WAITING and callback is not None:
        payload["item"] = item(callback)
    queue_event(session, CHANGED, payload, room=QUEUE_ROOM)
