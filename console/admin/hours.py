"""Opening hours: the agents' weekly hours in OPENING_HOURS' syntax, kept as a setting
that overrides the environment's default; the IVR's queue decision reads it
(shared/opening_hours.py)."""
from __future__ import annotations

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from shared import admin_changes
from shared import opening_hours
from shared.extensions import db
from shared.types import Role

from .. import bp
from ..auth import role_required
from .forms import OpeningHoursForm
from .refusals import refused

PAGE = "console/admin/hours.html"


def _page(form: OpeningHoursForm | None = None) -> dict:
    return {"form": form or OpeningHoursForm(formdata=None,
                                             opening_hours=opening_hours.setting(db.session)),
            "default": current_app.config["OPENING_HOURS"],
            "in_force": opening_hours.spec(db.session)}


@bp.get("/admin/hours")
@role_required(Role.ADMIN)
def admin_hours():
    return render_template(PAGE, **_page())


@bp.post("/admin/hours")
@role_required(Role.ADMIN)
def admin_hours_save():
    form = OpeningHoursForm()
    if not form.validate_on_submit():
        return refused(PAGE, "form", **_page(form))
    before = opening_hours.setting(db.session)
    try:
        kept = opening_hours.save(db.session, form.opening_hours.data or "", current_user)
    except ValueError:
        db.session.rollback()
        return refused(PAGE, "bad_hours", **_page(form))
    admin_changes.record(db.session, current_user, admin_changes.OPENING_HOURS_EDIT,
                         "setting:opening_hours", {"value": [before, kept or None]})
    db.session.commit()
    opening_hours.forget()
    flash(_("The opening hours are saved."), "info")
    return redirect(url_for("console.admin_hours"), 303)
