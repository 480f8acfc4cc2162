"""A case the agent just filed: its reference as it is spoken, the script to read in the
caller's language, the legal reply date, and two actions: text the reference (once), or
have the IVR play it on the live call (then back to the agent, or the call ends)."""
from __future__ import annotations

import logging

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SubmitField

from ivr.agent_readback import AFTER
from ivr.agent_readback import readback_url
from shared import identity
from shared import references
from shared import twilio_rest
from shared.cases import CaseService
from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.models import CaseEvent
from shared.sms import schedule_filed_sms
from shared.types import Role

from . import bp
from .auth import role_required
from .call_scripts import filed_script
from .call_scripts import language_dir
from .call_scripts import language_name
from .call_scripts import reply_date
from .calls import find_held_call
from .views import AGENT_PAGE_ROLES
from .labels import STATUS_LABELS

log = logging.getLogger(__name__)
CALL_UPDATE_TIMEOUT_SECONDS = 5  # the agent waits this long at most for Twilio


class SmsForm(FlaskForm):
    submit = SubmitField(_l("Send the reference by SMS"), id="sms-submit")


class ReadbackForm(FlaskForm):
    """Sent by one of two buttons named `then`: back to the agent, or hang up."""
    then = SelectField(choices=[SelectChoice(after, after) for after in AFTER])


def filed_context(case: Case, call: Call | None) -> dict:
    """What console/case/_filed.html shows of `case` (`call`: the live call it came from,
    if any, to play the reference to)."""
    language = case.language
    return {"case": case, "groups": references.grouped(case.reference),
            "script": filed_script(case), "script_lang": language,
            "script_dir": language_dir(language),
            "status": STATUS_LABELS.get(case.status, case.status.value),
            "script_language": language_name(language),
            "reply_date": reply_date(case.reply_due_on, str(get_locale())),
            "phone": identity.mask(case.citizen_phone),
            "can_text": bool(case.citizen_phone) and identity.is_mobile(case.citizen_phone),
            "call": call if call is not None and call.ended_at is None else None,
            "sms_form": SmsForm(formdata=None), "readback_form": ReadbackForm(formdata=None)}


def filed_case(reference: str) -> Case:
    """The case `reference` if the current user filed it (or is a supervisor); else 404."""
    if not references.is_valid(reference):
        abort(404)
    case = CaseService(db.session).find(reference)
    if case is None:
        abort(404)
    if current_user.role is not Role.SUPERVISOR and db.session.scalar(
            select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                       CaseEvent.action == "file",
                                       CaseEvent.user_id == current_user.id)) is None:
        abort(404)
    return case


def case_call(case: Case) -> Call | None:
    """The live call the case was filed from, if the current user holds it."""
    call = db.session.scalar(select(Call).where(Call.case_id == case.id,
                                                Call.ended_at.is_(None)))
    return find_held_call(call.call_sid) if call is not None else None


def back_to(case: Case, call: Call | None):
    if call is not None:
        return redirect(url_for("console.call_page", call_sid=call.call_sid), 303)
    return redirect(url_for("console.filed", reference=case.reference), 303)


@bp.get("/filed/<reference>")
@role_required(*AGENT_PAGE_ROLES)
def filed(reference: str):
    case = filed_case(reference)
    return render_template("console/case_filed.html",
                           filed=filed_context(case, case_call(case)))


@bp.post("/filed/<reference>/sms")
@role_required(*AGENT_PAGE_ROLES)
def text_reference(reference: str):
    """Text the reference and the reply date to the case's mobile: one SMS, however many
    times this is sent (one job per case, one message per event: shared/sms.py)."""
    case = filed_case(reference)  # (its CSRF token is checked app-wide: CSRFProtect)
    if not (case.citizen_phone and identity.is_mobile(case.citizen_phone)):
        flash(_("The case has no mobile number to text."), "error")
        return back_to(case, case_call(case))
    schedule_filed_sms(db.session, case)
    db.session.commit()
    flash(_("The SMS is on its way (it is sent once only)."), "info")
    return back_to(case, case_call(case))


@bp.post("/filed/<reference>/readback")
@role_required(*AGENT_PAGE_ROLES)
def play_reference(reference: str):
    """Move the live call to the IVR, which reads the reference to the caller, then sends
    the caller back to this agent or hangs up (`then`)."""
    case = filed_case(reference)
    form = ReadbackForm()
    if not form.validate_on_submit() or form.then.data not in AFTER:
        abort(400, "then: agent or hangup")
    call = case_call(case)
    if call is None:
        flash(_("There is no live call of yours to play it to."), "error")
        return back_to(case, None)
    sid, agent_id = call.call_sid, call.agent_id or current_user.id
    db.session.rollback()  # no transaction held while Twilio is asked
    try:
        twilio_rest.update_call(sid, readback_url(agent_id, form.then.data),
                                CALL_UPDATE_TIMEOUT_SECONDS)
    except twilio_rest.TwilioRejected as error:
        log.warning("read-back of case %s: Twilio refused the call update (%s)",
                    case.reference, error)
        flash(_("The call could not be moved: it may have ended."), "error")
    except Exception as error:  # noqa: BLE001 - Twilio down or slow: the agent is told
        log.warning("read-back of case %s: the call update failed (%s)", case.reference,
                    error)
        flash(_("The phone service did not answer in time: try again."), "error")
    else:
        flash(_("The caller hears the reference now."), "info")
    return back_to(case, call)
