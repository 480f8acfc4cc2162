"""The pages of an administration's officer: the work list, the case page and its moves
(each through the case service, a line of the timeline), the answer templates.

What the officer sees of the citizen: the name, the CIN, the commune and the address (the
administration needs them to find the citizen's file and to answer on the merits); the
phone number stays masked: the answer reaches the citizen through the 3737 line and its
SMS, never by an officer's call. Every opening of a case is written to the access log."""
from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shared import access_log
from shared import administrations
from shared import answer_templates
from shared import legal
from shared.extensions import db
from shared.identity import mask
from shared.models import AnswerTemplate
from shared.models import Call
from shared.models import Case
from shared.models import TranscriptSegment
from shared.models import utcnow
from shared.sms import schedule_news_sms
from shared.states import TRANSITIONS
from shared.states import CLOSE_FROM
from shared.types import CloseReason
from shared.types import Role

from . import answer_template_forms
from . import bp
from . import worklist
from .auth import role_required
from .case_labels import CHANNEL_LABELS
from .labels import KIND_LABELS
from .labels import STATUS_LABELS
from .cases import FormRefused
from .cases import case_page_context
from .cases import run_move
from .officer_forms import CloseForm
from .officer_forms import InternalNoteForm
from .officer_forms import NoteForm
from .officer_forms import QuestionForm
from .officer_forms import RedirectForm
from .officer_forms import ReplyForm
from .officer_forms import WorkListForm
from .officer_scope import find_visible
from .officer_scope import officer_case
from .officer_scope import officer_ids


def _user():
    return current_user._get_current_object()


# The work list -------------------------------------------------------------------------

@bp.get("/officer/")
@role_required(Role.OFFICER)
def officer_list():
    form = WorkListForm(request.args)
    if not form.validate():
        return render_template("console/officer/list.html", form=form, work=None,
                               error=_("Check the filters: one of them is wrong.")), 400
    filters = worklist.Filters(
        officer_ids(), status=form.status.data or None, kind=form.kind.data or None,
        channel=form.channel.data or None, filed_from=form.filed_from.data,
        filed_to=form.filed_to.data, text=form.q.data, page=form.page.data or 1)
    work = worklist.work_page(db.session, filters, utcnow())
    return render_template("console/officer/list.html", form=form, work=work, error=None,
                           kind_labels=KIND_LABELS, channel_labels=CHANNEL_LABELS,
                           status_labels=STATUS_LABELS, page_url=_page_url)


def _page_url(number: int) -> str:
    """The list with the same filters, at page `number`."""
    return url_for("console.officer_list", **{**request.args.to_dict(), "page": number})


# The case page -------------------------------------------------------------------------

def _offered(case: Case) -> set[str]:
    """The moves the page offers at the case's status (the server checks them again)."""
    offered = {name for name in ("transmit", "start", "answer", "ask_information")
               if case.status in TRANSITIONS[name]}
    if case.status in CLOSE_FROM[CloseReason.INADMISSIBLE]:
        offered |= {"redirect", "close"}
    return offered | {"note"}


FORMS = {"transmit": NoteForm, "start": NoteForm, "answer": ReplyForm,
         "redirect": RedirectForm, "close": CloseForm, "ask_information": QuestionForm,
         "note": InternalNoteForm}


@bp.get("/officer/cases/<reference>")
@role_required(Role.OFFICER)
def officer_case_page(reference: str):
    case = officer_case(reference)
    access_log.record(db.session, _user(), access_log.CASE_PAGE, case=case)
    db.session.commit()
    return _page(case)


def _page(case: Case, status: int = 200, error: str | None = None, forms=None):
    forms = forms or {}
    today = legal.local_date(utcnow())
    templates = answer_templates.for_case(db.session, case, officer_ids())
    default_language = case.language if case.language in answer_templates.LANGUAGES else "ar"
    reply_form = forms.get("answer") or ReplyForm(formdata=None, language=default_language)
    return render_template(
        "console/officer/case.html", **case_page_context(case), error=error,
        forms={name: forms.get(name) or form(formdata=None) for name, form in FORMS.items()
               if name != "answer"} | {"answer": reply_form},
        offered=_offered(case), events=case.events, show_address=True,
        shown_phone=mask(case.citizen_phone), shown_cin=case.citizen_cin,
        live_transcript=_live_transcript(case),
        case_url=lambda reference: url_for("console.officer_case_page", reference=reference),
        templates=[(t, answer_templates.fill(t, case, today)) for t in templates],
    ), status


def _live_transcript(case: Case) -> list[str]:
    """The call's live transcript (already masked when written), in order."""
    return list(db.session.scalars(
        select(TranscriptSegment.text).join(Call, Call.id == TranscriptSegment.call_id)
        .where(Call.case_id == case.id).order_by(Call.id, TranscriptSegment.seq)))


@bp.post("/officer/cases/<reference>/<move>")
@role_required(Role.OFFICER)
def officer_move(reference: str, move: str):
    if move not in MOVES:
        abort(404)
    case = officer_case(reference)
    return run_move(case, move, FORMS[move](), MOVES[move], _page,
                    url_for("console.officer_case_page", reference=case.reference))


def _answer(service, case, form):
    service.answer(case, form.reply.data, form.language.data)
    schedule_news_sms(db.session, case, "answered")


def _ask(service, case, form):
    service.ask_information(case, form.question.data)
    schedule_news_sms(db.session, case, "information_needed")


def _redirect(service, case, form):
    target = administrations.by_code(db.session, form.administration.data.strip())
    if target is None:
        raise FormRefused(_("No administration has this keypad code."))
    if target.id == case.administration_id:
        raise FormRefused(_("Redirect to another administration than the case's own."))
    service.close(case, CloseReason.NOT_COMPETENT, note=form.reason.data.strip(),
                  redirect_administration=target)


def _close(service, case, form):
    reason = CloseReason(form.reason.data)
    original = None
    if reason is CloseReason.DUPLICATE:
        reference = "".join((form.original.data or "").split())
        original = find_visible(reference)
        if original is None or original.id == case.id:
            raise FormRefused(_("A duplicate names the original case: the reference of "
                                "another case of your administration."))
    service.close(case, reason, note=form.note.data.strip(), duplicate_of=original)


MOVES = {
    "transmit": lambda service, case, form: service.transmit(case, form.note.data or None),
    "start": lambda service, case, form: service.start(case, form.note.data or None),
    "answer": _answer,
    "redirect": _redirect,
    "close": _close,
    "ask_information": _ask,
    "note": lambda service, case, form: service.note(case, form.text.data),
}


# Answer templates ------------------------------------------------------------------------

def _log_template_change(action: str, template: AnswerTemplate) -> None:
    """An officer's change to their templates in the access and change log (as an admin's
    is): the action, the template and its language; its text is in the table itself."""
    access_log.record_change(db.session, _user(), access_log.TEMPLATE_CHANGE,
                             {"action": action, "language": template.language},
                             target=f"answer_template:{template.id}")


@bp.route("/officer/templates", methods=["GET", "POST"])
@role_required(Role.OFFICER)
def answer_templates_page():
    """The officer's administration's templates: listed, added, deleted."""
    if current_user.administration_id is None:
        abort(403)  # an officer of no administration has no templates to manage
    form = (answer_template_forms.TemplateForm() if request.method == "POST"
            else answer_template_forms.TemplateForm(formdata=None))
    status, error = 200, None
    if request.method == "POST":
        try:
            template = answer_template_forms.save(form, current_user.administration_id)
        except answer_template_forms.TemplateRefused as refusal:
            status, error = 400, refusal.message
        else:
            db.session.flush()  # its id names it in the log
            _log_template_change("create", template)
            db.session.commit()
            flash(_("The template is saved."), "info")
            return redirect(url_for("console.answer_templates_page"), 303)
    return render_template(
        "console/officer/templates.html", form=form, error=error,
        delete_form=answer_template_forms.DeleteForm(),
        templates=answer_templates.of_administration(db.session,
                                                     current_user.administration_id),
        placeholders=answer_templates.PLACEHOLDERS), status


@bp.post("/officer/templates/<int:template_id>/delete")
@role_required(Role.OFFICER)
def delete_answer_template(template_id: int):
    template = db.session.get(AnswerTemplate, template_id)
    if template is None or template.administration_id != current_user.administration_id:
        abort(404)
    if not answer_template_forms.DeleteForm().validate_on_submit():
        abort(400)
    _log_template_change("delete", template)
    db.session.delete(template)
    db.session.commit()
    flash(_("The template is deleted."), "info")
    return redirect(url_for("console.answer_templates_page"), 303)
