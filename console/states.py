"""Agents' states (available, paused with a reason, on a call, wrap-up, offline): stored in
agent_states and told, after commit, to the agent's own consoles and to the supervisors."""
from __future__ import annotations

import datetime as dt
import threading

from flask import Flask
from flask_babel import lazy_gettext as _l

from shared import models
from shared.database import will_write
from shared.notify import user_room
from shared.extensions import db
from shared.models import AgentState
from shared.models import User
from shared.notify import queue_event
from shared.types import AgentStatus

EVENT = "agent_state_changed"
SUPERVISORS_ROOM = "supervisors"

LABELS = {
    AgentStatus.AVAILABLE: _l("Available"),
    AgentStatus.PAUSED: _l("Paused"),
    AgentStatus.ON_CALL: _l("On a call"),
    AgentStatus.WRAP_UP: _l("Wrap-up"),
    AgentStatus.OFFLINE: _l("Offline"),
}
PAUSE_REASONS = {
    "break": _l("Break"),
    "meal": _l("Meal"),
    "training": _l("Training"),
    "meeting": _l("Meeting"),
    "technical": _l("Technical problem"),
}
# What agents choose themselves; offline comes from logging out or disconnecting.
CHOSEN = (AgentStatus.AVAILABLE, AgentStatus.PAUSED, AgentStatus.ON_CALL, AgentStatus.WRAP_UP)


class InvalidState(ValueError):
    """A state or pause reason that does not exist, or a pause without a reason."""


agent_room = user_room  # an agent's consoles: the user's own room


def utcnow() -> dt.datetime:
    """The states' clock (tests freeze it)."""
    return models.utcnow()


def current(session, user: User) -> AgentState:
    """The user's state (offline when never set); an ended wrap-up is available again."""
    state = session.get(AgentState, user.id)
    if state is None:
        state = AgentState(user=user, state=AgentStatus.OFFLINE, changed_at=utcnow())
        session.add(state)
        session.flush()
    _end_wrapup_if_due(session, state)
    return state


def change(session, user: User, new: AgentStatus | str, reason: str | None = None,
           wrapup_seconds: int = 0) -> AgentState:
    """Set the user's state, queue the event to their consoles and the supervisors (sent
    on commit). Raises InvalidState for an unknown state or reason."""
    try:
        new = AgentStatus(new)
    except ValueError:
        raise InvalidState(f"unknown state {new!r}") from None
    if new is AgentStatus.PAUSED:
        if reason not in PAUSE_REASONS:
            raise InvalidState(f"a pause needs one of the reasons {', '.join(PAUSE_REASONS)}")
    else:
        reason = None
    will_write(session)  # SQLite: read the state with the write turn (another may change it)
    state = current(session, user)
    now = utcnow()
    state.state, state.reason, state.changed_at = new, reason, now
    state.wrapup_ends_at = None
    if new is AgentStatus.WRAP_UP:
        state.wrapup_ends_at = now + dt.timedelta(seconds=wrapup_seconds)
        _end_wrapup_if_due(session, state)  # no wrap-up time configured
    _announce(session, state)
    return state


def finish_wrapup(session, user: User) -> AgentState:
    """The agent has wrapped up their call (its disposition saved): available again at once,
    whether the wrap-up time has run out or not. A paused or offline agent stays so."""
    state = current(session, user)
    if state.state in (AgentStatus.WRAP_UP, AgentStatus.ON_CALL):
        return change(session, user, AgentStatus.AVAILABLE)
    return state


def end_wrapup(session, user_id: int) -> None:
    """If the user's wrap-up has ended, make them available (idempotent; the timer calls it)."""
    state = session.get(AgentState, user_id)
    if state is not None:
        _end_wrapup_if_due(session, state)


def _end_wrapup_if_due(session, state: AgentState) -> None:
    if state.state is AgentStatus.WRAP_UP and state.wrapup_ends_at is not None \
            and state.wrapup_ends_at <= utcnow():
        state.state, state.changed_at, state.wrapup_ends_at = (
            AgentStatus.AVAILABLE, state.wrapup_ends_at, None)
        _announce(session, state)


def payload(state: AgentState) -> dict:
    return {
        "user_id": state.user_id,
        "username": state.user.username,
        "display_name": state.user.display_name,
        "state": state.state.value,
        "reason": state.reason,
        "changed_at": state.changed_at.isoformat(),
        "wrapup_ends_at": state.wrapup_ends_at.isoformat() if state.wrapup_ends_at else None,
    }


def _announce(session, state: AgentState) -> None:
    body = payload(state)
    queue_event(session, EVENT, body, room=agent_room(state.user_id))
    queue_event(session, EVENT, body, room=SUPERVISORS_ROOM)


def schedule_wrapup_end(app: Flask, user_id: int, seconds: float) -> None:
    """Make the agent available when the wrap-up ends, live (a page load would anyway)."""
    def run():
        with app.app_context():
            end_wrapup(db.session, user_id)
            db.session.commit()
            db.session.remove()
    timer = threading.Timer(seconds, run)
    timer.daemon = True
    timer.start()
