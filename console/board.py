"""The supervisors' live board: callers waiting and the longest wait, agents and their
states, calls in progress, callbacks and voicemails waiting.

The page is drawn from a snapshot (so a reload is always right); its script listens to the
events the consoles already hear (`agent_state_changed` in `supervisors`, the queue's in
`queue`) and asks for a fresh snapshot over Socket.IO (`board_snapshot`, supervisors only)
on each, and every BOARD_REFRESH_SECONDS for what has no event (calls starting and ending
in the IVR). Nothing on the board names a caller."""
from __future__ import annotations

import datetime as dt

from flask import abort
from flask import render_template
from flask import request
from sqlalchemy import func
from sqlalchemy import select

from shared import callbacks
from shared.extensions import db
from shared.extensions import socketio
from shared.models import AgentState
from shared.models import Call
from shared.models import User
from shared.models import utcnow
from shared.twilio_rest import MAX_CALL_DURATION
from shared.types import AgentStatus
from shared.types import Role

from . import bp
from . import states
from .auth import role_required
from .csv_export import csv_response
from .figure_labels import BOARD_COLUMNS
from .queue import voicemails_to_handle
from .queue import waited_seconds
from .queue import waiting_calls

BOARD_ROLES = (Role.SUPERVISOR,)
KPIS = ("calls_waiting", "longest_wait_seconds", "calls_in_progress", "agents_available",
        "agents_on_call", "agents_wrap_up", "agents_paused", "agents_offline",
        "callbacks_waiting", "voicemails_waiting")


def effective_state(state: AgentState | None, now: dt.datetime) -> AgentStatus:
    """The agent's state now (a wrap-up whose time has run out is available), read only."""
    if state is None:
        return AgentStatus.OFFLINE
    if state.state is AgentStatus.WRAP_UP and state.wrapup_ends_at is not None \
            and state.wrapup_ends_at <= now:
        return AgentStatus.AVAILABLE
    return state.state


def agents_now(session, now: dt.datetime) -> list[dict]:
    rows = session.execute(select(User, AgentState).outerjoin(AgentState, AgentState.user_id == User.id)
                           .where(User.role == Role.AGENT, User.active.is_(True))
                           .order_by(User.display_name)).all()
    return [{"user_id": user.id, "display_name": user.display_name,
             "state": effective_state(state, now).value,
             "reason": state.reason if state is not None else None}
            for user, state in rows]


def snapshot(session) -> dict:
    """The board's figures now (JSON-safe)."""
    now = utcnow()
    waiting = waiting_calls(session)
    agents = agents_now(session, now)
    counts = {status: sum(agent["state"] == status.value for agent in agents)
              for status in AgentStatus}
    in_progress = session.scalar(select(func.count()).select_from(Call).where(
        Call.ended_at.is_(None), Call.started_at > now - MAX_CALL_DURATION))  # older: its end was lost
    kpis = {
        "calls_waiting": len(waiting),
        "longest_wait_seconds": max((waited_seconds(item, now) for item in waiting), default=0),
        "calls_in_progress": in_progress,
        "agents_available": counts[AgentStatus.AVAILABLE],
        "agents_on_call": counts[AgentStatus.ON_CALL],
        "agents_wrap_up": counts[AgentStatus.WRAP_UP],
        "agents_paused": counts[AgentStatus.PAUSED],
        "agents_offline": counts[AgentStatus.OFFLINE],
        "callbacks_waiting": callbacks.count_waiting(session),
        "voicemails_waiting": len(voicemails_to_handle(session)),
    }
    return {"kpis": kpis, "agents": agents, "at": now.isoformat()}


@bp.get("/board")
@role_required(*BOARD_ROLES)
def board():
    """The live board (or its agents' table as CSV with ?format=csv)."""
    data = snapshot(db.session)
    db.session.rollback()
    if request.args.get("format") == "csv":
        return board_csv(data, request.args.get("table", "kpis"))
    return render_template("console/supervisor/board.html", board=data, kpis=KPIS,
                           names=BOARD_COLUMNS,
                           labels={status.value: label for status, label in states.LABELS.items()},
                           reasons=states.PAUSE_REASONS)


def board_csv(data: dict, table: str):
    """The board's figures (table=kpis) or its agents (table=agents) as CSV."""
    if table == "agents":
        rows = [[agent["display_name"], states.LABELS[AgentStatus(agent["state"])],
                 states.PAUSE_REASONS.get(agent["reason"], "")] for agent in data["agents"]]
        return csv_response("board-agents.csv", [BOARD_COLUMNS["agent"], BOARD_COLUMNS["state"],
                                                 BOARD_COLUMNS["reason"]], rows)
    if table != "kpis":
        abort(400, "table: kpis or agents")
    return csv_response("board.csv", [BOARD_COLUMNS["figure"], BOARD_COLUMNS["value"]],
                        [[BOARD_COLUMNS[name], data["kpis"][name]] for name in KPIS])


@socketio.on("board_snapshot")
@role_required(*BOARD_ROLES)
def board_snapshot(data=None):
    """The board's figures now, for a supervisor's board (an agent is refused)."""
    try:
        return snapshot(db.session)
    finally:
        db.session.rollback()
