"""Filing a case from the console (channel phone-agent) and reading its reference back:
the case form of a held call or of a new case (/console/cases/new), the administration
search, then the filed case's panel with its reference, the script to read to the caller
and two actions: text it (once), or have the IVR play it on the live call."""
from __future__ import annotations

import logging

from flask import abort
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
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
from shared.errors import InvalidCase
from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.models import CaseEvent
from shared.models import TranscriptSegment
from shared.sms import schedule_filed_sms
from shared.types import CaseStatus
from shared.types import Channel
from shared.types import Role

from . import bp
from .administration_search import search
from .auth import role_required
from .call_scripts import checklist_scripts
from .call_scripts import filed_script
from .call_scripts import language_dir
from .call_scripts import language_name
from .call_scripts import reply_date
from .calls import find_held_call
from .calls import held_call
from .case_form import CaseForm
from .case_form import filing_of
from .case_form import new_form
from .views import AGENT_PAGE_ROLES

log = logging.getLogger(__name__)
CALL_UPDATE_TIMEOUT_SECONDS = 5  # the agent waits this long at most for Twilio
# The statuses a case can have right after filing (others: the follow-up's look-up).
STATUS_LABELS = {CaseStatus.RECEIVED: _l("Received"),
                 CaseStatus.INADMISSIBLE: _l("Inadmissible"),
                 CaseStatus.NOT_COMPETENT: _l("Not competent (redirected)")}


class SmsForm(FlaskForm):
    submit = SubmitField(_l("Send the reference by SMS"), id="sms-submit")


class ReadbackForm(FlaskForm):
    """Sent by one of two buttons named `then`: back to the agent, or hang up."""
    then = SelectField(choices=[SelectChoice(after, after) for after in AFTER])


# -- the form ---------------------------------------------------------------------------
def case_form_context(call: Call | None) -> dict:
    """What _case_form.html needs (a template global, so the call page's view needs no
    change): the form (the one just sent back with its errors, else a prefilled one),
    the checklist's scripts in the caller's language, and the filed case if any."""
    case = filed_case_of(call) if call is not None else None
    if case is not None:
        return {"filed": filed_context(case, call)}
    form = g.get("case_form") or new_form(call, stored_transcript(call))
    language = form.language.data or str(get_locale())
    return {"form": form, "scripts": checklist_scripts(language),
            "script_lang": language, "script_dir": language_dir(language)}


def stored_transcript(call: Call | None) -> list[str]:
    if call is None:
        return []
    return list(db.session.scalars(select(TranscriptSegment.text).where(
        TranscriptSegment.call_id == call.id).order_by(TranscriptSegment.seq)))


def filed_case_of(call: Call) -> Case | None:
    """The case an agent filed from this call (a case the IVR filed is not: the agent may
    still file one)."""
    case = db.session.get(Case, call.case_id) if call.case_id else None
    return case if case is not None and case.channel is Channel.PHONE_AGENT else None


bp.add_app_template_global(case_form_context)


@bp.get("/cases/new")
@role_required(*AGENT_PAGE_ROLES)
def new_case():
    """The case form without a call: the agent calls out, or a citizen walks in."""
    return render_template("console/case_new.html")


@bp.get("/administrations")
@role_required(*AGENT_PAGE_ROLES)
def find_administrations():
    """?q=<code, acronym, name or synonym in any language> -> {"results": [...]}."""
    query = request.args.get("q", "")
    if len(query) > 100:
        return jsonify(error=_("The search is too long.")), 400
    return jsonify(results=search(db.session, query, str(get_locale())))


@bp.post("/cases")
@role_required(*AGENT_PAGE_ROLES)
def file_case():
    """File the form's case (once per form, however often it is sent), close it at once
    when out of scope, and link it to the held call."""
    call_sid = request.form.get("call_sid") or None
    call = held_call(call_sid) if call_sid else None
    form = CaseForm(caller=caller_of(call))
    if not form.validate_on_submit():
        g.case_form = form
        flash(_("The case is not filed: correct the fields marked."), "error")
        if call is not None:
            return render_template("console/call.html", call=call), 400
        return render_template("console/case_new.html"), 400
    if call is not None and form.call_sid.data != call.call_sid:
        abort(400)
    user = current_user._get_current_object()
    filing = filing_of(form, user.id)
    service = CaseService(db.session, user=user)
    try:
        case, new = service.file_or_get(filing.case)
        if new and filing.close_reason is not None:
            service.close(case, filing.close_reason, note=filing.note,
                          redirect_to=filing.redirect_to)
    except InvalidCase as error:
        db.session.rollback()
        log.info("console filing refused: %s", error)
        abort(400, str(error))
    if call is not None:
        call.case_id = case.id
    db.session.commit()
    if call is not None:
        return redirect(url_for("console.call_page", call_sid=call.call_sid), 303)
    return redirect(url_for("console.filed", reference=case.reference), 303)


def caller_of(call: Call | None) -> str | None:
    if call is None:
        return None
    return (call.answers or {}).get("phone") or call.caller


# -- after filing ------------------------------------------------------------------------
def filed_context(case: Case, call: Call | None) -> dict:
    language = case.language
    return {"case": case, "groups": references.grouped(case.reference),
            "display": references.format_for_display(case.reference),
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
