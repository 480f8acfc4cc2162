"""Administrations: finding one (by a name in any language, acronym or keypad code, the
inactive ones too) and editing it. After an edit the IVR's grammars of spoken names are
rewritten (the listeners of shared.administrations.changed) and Open311 reads the table:
both follow at once, and a later reload of the data files keeps the edit."""
from __future__ import annotations

import logging

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shared import admin_changes
from shared import administrations
from shared.administrations import fold
from shared.extensions import db
from shared.languages import load_languages
from shared.models import Administration
from shared.open311.queries import searchable
from shared.types import Role

from .. import bp
from ..auth import role_required
from .forms import AdministrationForm
from .forms import AdministrationSearchForm
from .refusals import refused

log = logging.getLogger(__name__)
MAX_LISTED = 50
PAGE = "console/admin/administration.html"


def find(text: str) -> list[Administration]:
    """Administrations `text` names: the code (or its start), else a folded name, acronym
    or synonym; active or not; at most MAX_LISTED, shortest codes first."""
    query = (text or "").strip()
    rows = db.session.scalars(select(Administration)).all()
    if query.isascii() and query.isdigit():
        found = [admin for admin in rows if admin.code.startswith(query)]
    else:
        needle = fold(query)
        found = [admin for admin in rows if not needle or needle in searchable(admin)]
    return sorted(found, key=lambda admin: (len(admin.code), admin.code))[:MAX_LISTED]


def _snapshot(admin: Administration) -> dict:
    return {"code": admin.code, "names": dict(admin.names), "acronym": admin.acronym,
            "synonyms": dict(admin.synonyms or {}), "active": admin.active}


def _form_for(admin: Administration) -> AdministrationForm:
    values = {"code": admin.code, "acronym": admin.acronym or "", "active": admin.active}
    for language in load_languages():
        values[f"name_{language.code}"] = admin.names.get(language.code, "")
        values[f"synonyms_{language.code}"] = "\n".join(
            (admin.synonyms or {}).get(language.code, []))
    return AdministrationForm(formdata=None, **values)


@bp.get("/admin/administrations")
@role_required(Role.ADMIN)
def admin_administrations():
    form = AdministrationSearchForm(request.args)
    if not form.validate():
        return refused("console/admin/administrations.html", "form", form=form, found=[])
    found = find(form.q.data) if form.q.data else []
    return render_template("console/admin/administrations.html", form=form, found=found)


@bp.get("/admin/administrations/<int:admin_id>")
@role_required(Role.ADMIN)
def admin_administration(admin_id: int):
    admin = db.get_or_404(Administration, admin_id)
    return render_template(PAGE, admin=admin, form=_form_for(admin))


@bp.post("/admin/administrations/<int:admin_id>")
@role_required(Role.ADMIN)
def admin_administration_save(admin_id: int):
    admin = db.get_or_404(Administration, admin_id)
    form = AdministrationForm()
    if not form.validate_on_submit():
        return refused(PAGE, "form", admin=admin, form=form)
    languages = [language.code for language in load_languages()]
    names = {code: (form[f"name_{code}"].data or "").strip() for code in languages}
    if not any(names.values()):
        return refused(PAGE, "no_name", admin=admin, form=form)
    synonyms = {code: list(dict.fromkeys(line.strip() for line in
                                         (form[f"synonyms_{code}"].data or "").splitlines()
                                         if line.strip()))
                for code in languages}
    before = _snapshot(admin)
    try:
        administrations.edit(db.session, admin, names=names, synonyms=synonyms,
                             acronym=(form.acronym.data or "").strip(), code=form.code.data,
                             active=form.active.data)
    except administrations.CodeRefused as error:
        db.session.rollback()
        return refused(PAGE, error.reason, admin=db.get_or_404(Administration, admin_id), form=form)
    admin_changes.record(db.session, current_user, admin_changes.ADMINISTRATION_EDIT,
                         f"administration:{admin.id}",
                         admin_changes.differences(before, _snapshot(admin)))
    db.session.commit()
    try:
        administrations.changed(current_app)
    except OSError:  # the grammars' folder: the edit is saved, the grammars are old
        log.exception("administration %s saved, grammars not rewritten", admin.code)
        flash(_("Saved, but the speech grammars could not be rewritten: run `flask speech "
                "grammars`."), "error")
    flash(_("The administration is saved."), "info")
    return redirect(url_for("console.admin_administration", admin_id=admin.id), 303)
