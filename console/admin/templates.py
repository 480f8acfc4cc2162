"""An administration's answer templates, managed by an admin (its officers manage them
from their own page, console/officer.py): listed, added, changed, deleted with the same
form and rules (console/answer_template_forms.py). A reply copies its template's text,
so deleting a template changes no case. Every change is recorded (shared/admin_changes.py)."""
from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from shared import admin_changes
from shared import answer_templates
from shared.extensions import db
from shared.models import Administration
from shared.models import AnswerTemplate
from shared.types import Role

from .. import bp
from ..answer_template_forms import LANGUAGE_LABELS
from ..answer_template_forms import DeleteForm
from ..answer_template_forms import TemplateForm
from ..answer_template_forms import TemplateRefused
from ..answer_template_forms import form_for
from ..answer_template_forms import save
from ..auth import role_required

LIST = "console/admin/templates.html"
PAGE = "console/admin/template.html"


def _template(admin_id: int, template_id: int) -> tuple[Administration, AnswerTemplate]:
    """The administration named in the URL and its template (another's template: 404)."""
    admin = db.get_or_404(Administration, admin_id)
    template = db.session.get(AnswerTemplate, template_id)
    if template is None or template.administration_id != admin.id:
        abort(404)
    return admin, template


def _record(action: str, template: AnswerTemplate, before: dict, after: dict) -> None:
    """The change's rows, unless nothing changed (a form saved as it was)."""
    details = admin_changes.differences(before, after)
    if details:
        admin_changes.record(db.session, current_user, action,
                             f"answer_template:{template.id}", details)


def _saved(admin: Administration, action: str, template: AnswerTemplate, before: dict):
    """Logs the change from `before`, commits, and goes back to the list."""
    _record(action, template, before, answer_templates.snapshot(template))
    db.session.commit()
    flash(_("The template is saved."), "info")
    return redirect(url_for("console.admin_templates", admin_id=admin.id), 303)


def _list(admin: Administration, form: TemplateForm | None = None, status: int = 200,
          refusal: str | None = None):
    return render_template(
        LIST, admin=admin, form=form or TemplateForm(formdata=None, language="ar"),
        refusal=refusal, delete_form=DeleteForm(formdata=None), languages=LANGUAGE_LABELS,
        templates=answer_templates.of_administration(db.session, admin.id),
        placeholders=answer_templates.PLACEHOLDERS), status


@bp.get("/admin/administrations/<int:admin_id>/templates")
@role_required(Role.ADMIN)
def admin_templates(admin_id: int):
    return _list(db.get_or_404(Administration, admin_id))


@bp.post("/admin/administrations/<int:admin_id>/templates")
@role_required(Role.ADMIN)
def admin_template_add(admin_id: int):
    admin, form = db.get_or_404(Administration, admin_id), TemplateForm()
    try:
        template = save(form, admin.id)
    except TemplateRefused as refusal:
        return _list(admin, form, 400, refusal.message)
    db.session.flush()  # its id names it in the log
    none = dict.fromkeys(answer_templates.snapshot(template))
    return _saved(admin, admin_changes.TEMPLATE_CREATE, template, none)


@bp.get("/admin/administrations/<int:admin_id>/templates/<int:template_id>")
@role_required(Role.ADMIN)
def admin_template(admin_id: int, template_id: int):
    admin, template = _template(admin_id, template_id)
    return render_template(PAGE, admin=admin, template=template, form=form_for(template),
                           placeholders=answer_templates.PLACEHOLDERS)


@bp.post("/admin/administrations/<int:admin_id>/templates/<int:template_id>")
@role_required(Role.ADMIN)
def admin_template_save(admin_id: int, template_id: int):
    admin, template = _template(admin_id, template_id)
    before, form = answer_templates.snapshot(template), TemplateForm()
    try:
        save(form, admin.id, template)
    except TemplateRefused as refusal:
        return render_template(PAGE, admin=admin, template=template, form=form,
                               refusal=refusal.message,
                               placeholders=answer_templates.PLACEHOLDERS), 400
    return _saved(admin, admin_changes.TEMPLATE_EDIT, template, before)


@bp.post("/admin/administrations/<int:admin_id>/templates/<int:template_id>/delete")
@role_required(Role.ADMIN)
def admin_template_delete(admin_id: int, template_id: int):
    admin, template = _template(admin_id, template_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    before = answer_templates.snapshot(template)
    _record(admin_changes.TEMPLATE_DELETE, template, before, dict.fromkeys(before))
    db.session.delete(template)
    db.session.commit()
    flash(_("The template is deleted."), "info")
    return redirect(url_for("console.admin_templates", admin_id=admin.id), 303)
