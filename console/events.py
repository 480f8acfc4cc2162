"""Socket.IO: only a logged-in agent, supervisor or officer may connect; each joins their own
room (`agent:<id>`), supervisors also `supervisors`; agents change their state with
`change_state`. Officers only hear what is sent to their own room (deadline alerts) and
have no agent state."""
from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError
from flask_socketio import emit
from flask_socketio import join_room

from shared.extensions import db
from shared.extensions import socketio
from shared.types import AgentStatus
from shared.types import Role

from . import states
from .auth import has_role
from .auth import role_required
from .views import AGENT_PAGE_ROLES
from .views import change_agent_state


@socketio.on("connect")
def connect(auth=None):
    """Refuse a connection without a live console session (HTTP decorators do not guard it)."""
    if has_role(Role.OFFICER):
        join_room(states.agent_room(current_user.id))
        return
    if not has_role(*AGENT_PAGE_ROLES):
        raise ConnectionRefusedError("unauthorized")
    join_room(states.agent_room(current_user.id))
    if current_user.role is Role.SUPERVISOR:
        join_room(states.SUPERVISORS_ROOM)
    state = states.current(db.session, current_user)
    db.session.commit()
    emit(states.EVENT, states.payload(state))  # this connection only: where it starts


@socketio.on("disconnect")
def disconnect(reason=None):
    """The agent's last console closed: offline (another open tab keeps the state)."""
    if not current_user.is_authenticated or current_user.role not in AGENT_PAGE_ROLES:
        return
    room = states.agent_room(current_user.id)
    others = [sid for sid, _ in socketio.server.manager.get_participants("/", room)
              if sid != request.sid]
    if not others:
        states.change(db.session, current_user, AgentStatus.OFFLINE)
        db.session.commit()


@socketio.on("change_state")
@role_required(*AGENT_PAGE_ROLES)
def change_state(data=None):
    """{"state": ..., "reason": ...} -> the new state, told to every console concerned."""
    data = data if isinstance(data, dict) else {}
    if data.get("state") not in {s.value for s in states.CHOSEN}:
        return {"error": "invalid_state"}
    try:
        change_agent_state(data["state"], data.get("reason"))
    except states.InvalidState:
        db.session.rollback()
        return {"error": "invalid_reason"}
    return {"ok": True}
