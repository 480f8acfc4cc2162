"""Deadline notifications of officers and supervisors (shared/deadlines.py writes them):
the list with the unread ones first, "mark all as read", and the unread count as JSON for
the page's script (the live count comes over Socket.IO, event `notification`). Each user
sees only their own notifications."""
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy import update
from wtforms import SubmitField

from shared import deadlines
from shared.extensions import db
from shared.models import Notification
from shared.models import utcnow
from shared.types import Role

from . import bp
from .auth import role_required

NOTIFIED_ROLES = (Role.OFFICER, Role.SUPERVISOR)
PAGE_SIZE = 100
THRESHOLD_LABELS = {
    deadlines.TRANSMIT_SOON: _l("Transmission due soon"),
    deadlines.TRANSMIT_OVERDUE: _l("Transmission overdue"),
    deadlines.REPLY_SOON: _l("Answer due soon"),
    deadlines.REPLY_OVERDUE: _l("Answer overdue"),
}


class MarkReadForm(FlaskForm):
    submit = SubmitField(_l("Mark all as read"), id="mark-read")


@bp.get("/notifications")
@role_required(*NOTIFIED_ROLES)
def notifications():
    items = db.session.scalars(
        select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                  Notification.id.desc())
        .limit(PAGE_SIZE)).all()
    return render_template(
        "console/notifications.html", items=items, labels=THRESHOLD_LABELS,
        case_path=deadlines.case_path,
        unread=deadlines.unread_count(db.session, current_user.id), form=MarkReadForm())


@bp.get("/notifications/count")
@role_required(*NOTIFIED_ROLES)
def notification_count():
    return jsonify(unread=deadlines.unread_count(db.session, current_user.id))


@bp.post("/notifications/read")
@role_required(*NOTIFIED_ROLES)
def mark_notifications_read():
    form = MarkReadForm()
    if not form.validate_on_submit():
        return render_template("console/forbidden.html"), 400
    db.session.execute(update(Notification).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("console.notifications"))
