"""The clock of bench/console_events.py: every live event carries the time right after the
commit that sent it, as `bench_committed_at` (seconds since the epoch) in its payload, so
each console measures the delivery from the commit, whatever the event.

Live events are queued in the session and emitted by shared/notify.py's `after_commit`
listener; `install` adds a listener that runs before it (SQLAlchemy's `insert=True`) and
notes the time in the committing thread, and an emitter that copies the payload with that
time. The server and the consoles are on one machine, so their clocks agree."""
from __future__ import annotations

import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from shared.notify import set_emitter

STAMP = "bench_committed_at"
_commit = threading.local()


def note_commit(session) -> None:
    if not session.in_nested_transaction():
        _commit.at = time.time()


def stamped(emit):
    """`emit` (socketio.emit), the payload carrying the time of the commit that sent it."""
    def emit_stamped(name: str, payload, to=None):
        if isinstance(payload, dict):
            payload = {**payload, STAMP: getattr(_commit, "at", None)}
        return emit(name, payload, to=to)
    return emit_stamped


def install(emit) -> None:
    if not event.contains(Session, "after_commit", note_commit):
        event.listen(Session, "after_commit", note_commit, insert=True)
    set_emitter(stamped(emit))


def uninstall(emit) -> None:
    """Back to the plain emitter (tests)."""
    if event.contains(Session, "after_commit", note_commit):
        event.remove(Session, "after_commit", note_commit)
    set_emitter(emit)
