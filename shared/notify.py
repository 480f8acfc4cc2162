"""Live events for the console, emitted only after the transaction that caused them commits,
so an agent never fetches a case that is not saved. Payloads carry no CIN and a masked phone."""
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "pending_live_events"
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
    pending = session.info.pop(_KEY, [])
    if _emitter is None:
        return
    for name, payload, room in pending:
        try:
            _emitter(name, payload, to=room)
        except Exception:  # a console that cannot hear must never break a filing
            log.exception("could not emit %s", name)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_KEY, None)
