"""Live events for the console, emitted only after the transaction that caused them commits,
so an agent never fetches a case that is not saved. Payloads carry no CIN and a masked phone."""
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "pending_live_events"
_MARKS = "pending_live_events_savepoints"  # savepoint -> how many events were queued before
_emitter = None


def queue_event(session: Session, name: str, payload: dict, room: str | None = None) -> None:
    """Emit `name` with `payload` to `room` once `session` commits (dropped on rollback)."""
    session.info.setdefault(_KEY, []).append((name, payload, room))


def set_emitter(emit) -> None:
    """Install the function that sends events (socketio.emit); None disables."""
    global _emitter
    _emitter = emit


@event.listens_for(Session, "after_commit")
def _emit_pending(session):
    if session.in_nested_transaction():
        return  # a savepoint released (after_commit fires then too): nothing is saved yet
    pending = session.info.pop(_KEY, [])
    if _emitter is None:
        return
    for name, payload, room in pending:
        try:
            _emitter(name, payload, to=room)
        except Exception:  # a console that cannot hear must never break a filing
            log.exception("could not emit %s", name)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session, transaction):
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(session.info.get(_KEY, ()))


@event.listens_for(Session, "after_soft_rollback")
def _drop_savepoint_events(session, previous_transaction):
    # A rolled-back savepoint (e.g. a reference drawn twice) drops only what was queued
    # inside it; what the enclosing transaction queued before still goes out on commit.
    if previous_transaction.nested:
        mark = session.info.get(_MARKS, {}).pop(id(previous_transaction), None)
        if mark is not None and _KEY in session.info:
            del session.info[_KEY][mark:]


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session, transaction):
    # The outermost transaction ended: after a commit its events are already sent;
    # after a rollback (or a close without commit) they must never be.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop(_MARKS, None)


def user_room(user_id: int) -> str:
    """A console user's own Socket.IO room: each of their consoles joins it."""
    return f"agent:{user_id}"
