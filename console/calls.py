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


def may_work_on(call: Call, user) -> bool:
    """The agent who holds the call, or a supervisor."""
    return user.role is Role.SUPERVISOR or (call.agent_id is not None
                                            and call.agent_id == user.id)


def find_held_call(call_sid) -> Call | None:
    """The call `call_sid` if the current user may work on it, else None."""
    if not isinstance(call_sid, str) or not call_sid or len(call_sid) > 64:
        return None
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    return call if call is not None and may_work_on(call, current_user) else None


def held_call(call_sid: str) -> Call:
    """The call named in the URL, if the current user may work on it: the agent who holds
    it, or a supervisor. Anyone else gets a 404 (not even whether the call exists)."""
    call = find_held_call(call_sid)
    if call is None:
        abort(404)
    return call


@bp.get("/calls/<call_sid>")
@role_required(*AGENT_PAGE_ROLES)
def call_page(call_sid: str):
    call = held_call(call_sid)
    page = render_template("console/call.html", call=call)
    db.session.commit()  # what the page looked up went to the access log
    return page
