"""The page of a call an agent holds: the screen pop, the live transcript, the case form
and the wrap-up. Each part is its own template under console/call/."""
from flask import abort
from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from shared.extensions import db
from shared.models import Call
from shared.types import Role

from . import bp
from .auth import role_required
from .views import AGENT_PAGE_ROLES


def held_call(call_sid: str) -> Call:
    """The call named in the URL, if the current user may work on it: the agent who holds
    it, or a supervisor. Anyone else gets a 404 (not even whether the call exists)."""
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        abort(404)
    if current_user.role is not Role.SUPERVISOR and call.agent_id != current_user.id:
        abort(404)
    return call


@bp.get("/calls/<call_sid>")
@role_required(*AGENT_PAGE_ROLES)
def call_page(call_sid: str):
    call = held_call(call_sid)
    return render_template("console/call.html", call=call)
