"""Opening hours: the agents' weekly hours, kept as a setting that overrides the
environment's default; the IVR's queue decision reads it (shared/opening_hours.py). Admins
edit them as a week (each day closed or open with its time ranges, shared/weekly_hours.py)
or, in the advanced form, as text in OPENING_HOURS' syntax (an empty text goes back to the
environment's default). Both write the same setting, recorded the same way."""
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
from shared import weekly_hours
from shared.extensions import db
from shared.hours import DAYS
from shared.types import Role

from .. import bp
from ..auth import role_required
from .forms import MAX_RANGES
from .forms import OpeningHoursForm
from .forms import WeeklyHoursForm
from .refusals import refused

PAGE = "console/admin/hours.html"


def _week_form(spec: str) -> WeeklyHoursForm:
    """The week form filled with `spec`, one empty range more on each day."""
    days = weekly_hours.from_spec(spec, current_app.config["TIMEZONE"])
    blank = {"start": "", "end": ""}
    return WeeklyHoursForm(formdata=None, data={day: {
        "open": bool(ranges),
        "ranges": ([{"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
                    for start, end in ranges] + [blank])[:MAX_RANGES]}
        for day, ranges in zip(DAYS, days)})


def _page(form: OpeningHoursForm | None = None, week: WeeklyHoursForm | None = None) -> dict:
    console_set = opening_hours.setting(db.session)
    in_force = console_set or current_app.config["OPENING_HOURS"]
    return {"form": form or OpeningHoursForm(formdata=None, opening_hours=console_set),
            "week": week or _week_form(in_force),
            "default": current_app.config["OPENING_HOURS"],
            "console_set": console_set is not None,
            "advanced_open": form is not None,  # the text form was sent: show it again
            "in_force": in_force}


def _store(value: str):
    """Save and record `value`, then back to the page (ValueError if it cannot be read:
    nothing saved nor recorded)."""
    before = opening_hours.setting(db.session)
    kept = opening_hours.save(db.session, value, current_user)
    admin_changes.record(db.session, current_user, admin_changes.OPENING_HOURS_EDIT,
                         "setting:opening_hours", {"value": [before, kept or None]})
    db.session.commit()
    opening_hours.forget()
    flash(_("The opening hours are saved."), "info")
    return redirect(url_for("console.admin_hours"), 303)


@bp.get("/admin/hours")
@role_required(Role.ADMIN)
def admin_hours():
    return render_template(PAGE, **_page())


@bp.post("/admin/hours")
@role_required(Role.ADMIN)
def admin_hours_save():
    """The advanced form: the hours as text."""
    form = OpeningHoursForm()
    if not form.validate_on_submit():
        return refused(PAGE, "form", **_page(form))
    try:
        return _store(form.opening_hours.data or "")
    except ValueError:
        return refused(PAGE, "bad_hours", **_page(form))


@bp.post("/admin/hours/week")
@role_required(Role.ADMIN)
def admin_hours_week_save():
    """The week form: every day closed or open with its ranges (a closed day's typed
    ranges are not kept)."""
    week = WeeklyHoursForm()
    if not week.validate_on_submit():
        return refused(PAGE, "form", **_page(week=week))
    days = []
    for label, day in week.days():
        if not day.open.data:
            days.append([])
            continue
        try:
            ranges = weekly_hours.day_ranges([(entry.start.data or "", entry.end.data or "")
                                              for entry in day.ranges])
        except weekly_hours.Refused as error:
            return refused(PAGE, f"hours_{error.reason}", {"day": label, **error.values},
                           **_page(week=week))
        if not ranges:
            return refused(PAGE, "hours_open_without_hours", {"day": label},
                           **_page(week=week))
        days.append(ranges)
    if not any(days):
        return refused(PAGE, "hours_all_closed", **_page(week=week))
    return _store(weekly_hours.to_spec(days))
