"""Follow-up calls: find a case (by reference, phone or CIN), see its status, its trail, its
legal dates and the administration's reply, and act on it through the case service: the
caller's rating, a reopening with a reason, information added. Every look-up of personal
data (a case page opened, a search by phone or CIN) is written to the access log."""
from __future__ import annotations

from flask import abort
from flask import make_response
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from shared import access_log
from shared import legal
from shared import references
from shared.cases import INTERNAL_ACTIONS
from shared.cases import CaseService
from shared.errors import AlreadyRated
from shared.errors import DomainError
from shared.errors import IllegalTransition
from shared.extensions import db
from shared.identity import mask
from shared.models import Case
from shared.models import utcnow
from shared.states import TRANSITIONS

from . import bp
from . import lookup
from .auth import role_required
from .case_labels import ACTION_LABELS
from .labels import STATUS_LABELS
from .case_labels import deadlines
from .followup_forms import InformationForm
from .followup_forms import LookupForm
from .followup_forms import RatingForm
from .followup_forms import ReopenForm
from .views import AGENT_PAGE_ROLES


@bp.app_context_processor
def lookup_context() -> dict:
    """The look-up box can be included in any page (what was searched is never echoed)."""
    return {"new_lookup_form": lambda: LookupForm(formdata=None)}


@bp.app_template_filter("moroccan_time")
def moroccan_time(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC moment as agents read it: Moroccan local time."""
    return moment.astimezone(legal.TIMEZONE).strftime(pattern) if moment else "—"


def _user():
    return current_user._get_current_object()


@bp.post("/lookup")
@role_required(*AGENT_PAGE_ROLES)
def lookup_case():
    """The look-up box (a POST: a phone number or a CIN never goes into a URL). One case:
    its page; several: a list; the search itself is logged, by a keyed hash."""
    form = LookupForm()
    if not form.validate_on_submit():
        return _results(error=_("Type a reference, a phone number or a CIN.")
                        if form.query.errors else
                        _("Check the form: a field is missing or wrong."), status=400)
    try:
        search = lookup.classify(form.query.data)
    except lookup.InvalidSearch as error:
        return _results(error=str(error), status=400)
    matches = lookup.find(db.session, search)
    if search.kind != access_log.SEARCH_REFERENCE:
        access_log.record(db.session, _user(), search.kind, searched=search.value,
                          matches=len(matches))
        db.session.commit()
    if len(matches) == 1:
        return redirect(url_for("console.case_page", reference=matches[0].reference), 303)
    return _results(matches=matches)


def _results(matches=(), error: str | None = None, status: int = 200):
    return render_template("console/lookup_results.html", matches=matches,
                           error=error, status_labels=STATUS_LABELS), status


def case_for(reference: str) -> Case:
    """The case of the URL: 400 (with the reason) for a reference that cannot be one,
    404 when none has it."""
    if not references.is_valid(reference):
        reason = _("This reference's check digit is wrong: check the digits with the caller.") \
            if reference.isdigit() and len(reference) == references.LENGTH \
            else _("A reference has 10 digits.")
        abort(make_response(_results(error=reason, status=400)))
    case = CaseService(db.session).find(reference)
    if case is None:
        abort(make_response(_results(error=_("No case has this reference."), status=404)))
    return case


@bp.get("/cases/<reference>")
@role_required(*AGENT_PAGE_ROLES)
def case_page(reference: str):
    case = case_for(reference)
    access_log.record(db.session, _user(), access_log.CASE_PAGE, case=case)
    db.session.commit()
    return _case_page(case)


def _case_page(case: Case, status: int = 200, error: str | None = None, forms=None):
    forms = forms or {}
    return render_template(
        "console/case.html", **case_page_context(case), error=error,
        rating_form=forms.get("rate") or RatingForm(formdata=None),
        reopen_form=forms.get("reopen") or ReopenForm(formdata=None),
        information_form=forms.get("information") or InformationForm(formdata=None),
        can_rate=case.status in TRANSITIONS["rate"] and case.reply and case.rating is None,
        can_reopen=case.status in TRANSITIONS["reopen"],
        shown_phone=mask(case.citizen_phone), shown_cin=mask(case.citizen_cin),
        events=[e for e in case.events if e.action not in INTERNAL_ACTIONS],
        case_url=lambda reference: url_for("console.case_page", reference=reference),
    ), status


def case_page_context(case: Case) -> dict:
    """What the case page's parts (templates console/case/) need, whoever reads them."""
    return dict(case=case, deadlines=deadlines(case, utcnow()), status_labels=STATUS_LABELS,
                action_labels=ACTION_LABELS,
                grouped=references.format_for_display(case.reference))


class FormRefused(DomainError):
    """A move refused with a reason already in the agent's language."""


def _act(reference: str, name: str, form, move):
    case = case_for(reference)
    return run_move(case, name, form, move, _case_page,
                    url_for("console.case_page", reference=case.reference))


def run_move(case: Case, name: str, form, move, page, done_url: str):
    """Run `move(service, case, form)` for a valid form, then go to `done_url`; else
    `page(case, status, error, {name: form})` again with the reason (4xx, never a 500)."""
    if not form.validate_on_submit():
        return page(case, 400, _("Check the form: a field is missing or wrong."), {name: form})
    service = CaseService(db.session, user=_user())
    try:
        move(service, case, form)
    except AlreadyRated:
        db.session.rollback()
        return page(case, 409, _("This answer has already been rated."), {})
    except IllegalTransition:
        db.session.rollback()
        return page(case, 409, _("The case's status does not allow this."), {})
    except FormRefused as refused:
        db.session.rollback()
        return page(case, 400, str(refused), {name: form})
    except DomainError:
        db.session.rollback()
        return page(case, 400, _("Check the form: a field is missing or wrong."), {name: form})
    db.session.commit()
    return redirect(done_url, 303)


@bp.post("/cases/<reference>/rate")
@role_required(*AGENT_PAGE_ROLES)
def rate_case(reference: str):
    """The caller's rating of the answer, once per answer (as on the IVR)."""
    return _act(reference, "rate", RatingForm(), lambda service, case, form: service.rate(
        case, form.rating.data))


@bp.post("/cases/<reference>/reopen")
@role_required(*AGENT_PAGE_ROLES)
def reopen_case(reference: str):
    """The caller is not convinced by the answer: reopened with the reason (where the
    domain allows: answered or closed)."""
    return _act(reference, "reopen", ReopenForm(), lambda service, case, form: service.reopen(
        case, note=form.reason.data.strip()))


@bp.post("/cases/<reference>/information")
@role_required(*AGENT_PAGE_ROLES)
def add_information(reference: str):
    """What the caller adds to the case (a note in its trail)."""
    return _act(reference, "information", InformationForm(),
                lambda service, case, form: service.add_information(case, form.information.data))
