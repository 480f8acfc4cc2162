"""Filing a case from the console (channel phone-agent): the case form of a held call or
of a new case (/console/cases/new), the administration search, and the filing itself
(through the case service, closed at once when out of scope, linked to the held call).
What follows the filing is console/filed_case.py."""
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
from flask_login import current_user
from sqlalchemy import select

from shared.cases import CaseService
from shared.errors import InvalidCase
from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.models import TranscriptSegment
from shared.types import Channel

from . import bp
from .administration_search import search
from .auth import role_required
from .call_scripts import checklist_scripts
from .call_scripts import language_dir
from .calls import held_call
from .case_form import CaseForm
from .case_form import filing_of
from .case_form import new_form
from .filed_case import filed_context
from .views import AGENT_PAGE_ROLES

log = logging.getLogger(__name__)


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

