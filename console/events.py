"""Socket.IO: only a logged-in agent, supervisor or officer may connect; each joins their own
room (`agent:<id>`), supervisors also `supervisors`; agents change their state with
`change_state`. Officers only hear what is sent to their own room (deadline alerts) and
have no agent state."""
from flask import current_app
from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError
from flask_socketio import emit
from flask_socketio import join_room

from shared.call_queue import QUEUE_ROOM
from shared.extensions import db
from shared.extensions import socketio
from shared.models import AgentState
from shared.models import User
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
    join_room(QUEUE_ROOM)  # the waiting callers (shared/call_queue.py)
    if current_user.role is Role.SUPERVISOR:
        join_room(states.SUPERVISORS_ROOM)
    state = states.current(db.session, current_user)
    db.session.commit()
    emit(states.EVENT, states.payload(state))  # this connection only: where it starts


@socketio.on("disconnect")
def disconnect(reason=None):
    """The agent's last console closed: offline, unless another page of theirs connects
    within CONSOLE_DISCONNECT_GRACE_SECONDS (a reload, the agent page giving way to the
    call's page: an agent on a call must not turn offline on the way) or their state
    changes meanwhile."""
    if not current_user.is_authenticated or current_user.role not in AGENT_PAGE_ROLES:
        return
    app = current_app._get_current_object()
    user_id, closing = current_user.id, request.sid
    grace = app.config["CONSOLE_DISCONNECT_GRACE_SECONDS"]
    if grace == 0:
        offline_unless_connected(user_id, closing)
        return
    state = db.session.get(AgentState, user_id)
    since = state.changed_at if state else None
    db.session.rollback()

    def later():
        socketio.sleep(grace)
        with app.app_context():
            offline_unless_connected(user_id, closing, since)
            db.session.remove()
    socketio.start_background_task(later)


def offline_unless_connected(user_id: int, closing: str, since=None) -> None:
    """Offline, when no console of the user (other than the one closing) is connected to
    this process and, if `since` is given, their state has not changed since then."""
    room = states.agent_room(user_id)
    if any(sid != closing for sid, _ in socketio.server.manager.get_participants("/", room)):
        return
    user = db.session.get(User, user_id)
    state = db.session.get(AgentState, user_id)
    if user is None or (since is not None and (state is None or state.changed_at != since)):
        db.session.rollback()
        return
    states.change(db.session, user, AgentStatus.OFFLINE)
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
