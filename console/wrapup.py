"""The wrap-up of a call: its agent says how it ended (a disposition, required) and adds
notes; the call keeps them, and the agent is available again."""
from flask import abort
from flask import flash
from flask import make_response
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shared.extensions import db
from shared.models import Call
from shared.models import utcnow
from shared.types import AgentStatus

from . import bp
from . import states
from .auth import role_required
from .calls import call_page
from .followup_forms import StartWrapupForm
from .followup_forms import WrapupForm
from .views import AGENT_PAGE_ROLES
from .views import change_agent_state


@bp.app_context_processor
def wrapup_context() -> dict:
    return {"new_wrapup_form": lambda: WrapupForm(formdata=None),
            "new_start_wrapup_form": lambda: StartWrapupForm(formdata=None)}


def own_call(call_sid: str) -> Call:
    """The call of the URL if the current user is the agent who took it; 404 otherwise
    (a supervisor or another agent cannot wrap up someone else's call)."""
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None or call.agent_id is None or call.agent_id != current_user.id:
        abort(404)
    return call


def _refused(call_sid: str, reason: str, status: int):
    """The call's page again with the reason, and a 4xx."""
    flash(reason, "error")
    response = make_response(call_page(call_sid))
    response.status_code = status
    return response


def not_wrapped_up(call_sid: str) -> Call:
    """The current agent's call of the URL (else 404), not wrapped up yet (else 409)."""
    call = own_call(call_sid)
    if call.wrapped_up_at is not None:
        abort(_refused(call_sid, _("This call is already wrapped up."), 409))
    return call


@bp.post("/calls/<call_sid>/wrapup/start")
@role_required(*AGENT_PAGE_ROLES)
def start_wrapup(call_sid: str):
    """The agent starts the call's wrap-up by hand (the call's end usually does it)."""
    not_wrapped_up(call_sid)
    if not StartWrapupForm().validate_on_submit():
        return _refused(call_sid, _("Check the form: a field is missing or wrong."), 400)
    if states.current(db.session, current_user).state is not AgentStatus.WRAP_UP:
        change_agent_state(AgentStatus.WRAP_UP.value, None)
    return redirect(url_for("console.call_page", call_sid=call_sid), 303)


@bp.post("/calls/<call_sid>/wrapup")
@role_required(*AGENT_PAGE_ROLES)
def wrap_up(call_sid: str):
    call = not_wrapped_up(call_sid)
    form = WrapupForm()
    if not form.validate_on_submit():
        return _refused(call_sid, _("Choose how the call ended."), 400)
    call.disposition = form.disposition.data
    call.wrapup_notes = (form.notes.data or "").strip() or None
    call.wrapped_up_at = utcnow()
    states.finish_wrapup(db.session, current_user._get_current_object())
    db.session.commit()
    flash(_("Call wrapped up: you are available again."), "info")
    return redirect(url_for("console.agent"), 303)
