"""Helpers of the admin screens' tests: the rows an admin's change leaves."""
from sqlalchemy import select

from shared.extensions import db
from shared.models import AccessLogEntry
from shared.models import AdminChange


def changes(app) -> list[tuple[str, str, str, dict]]:
    """[(actor, action, target, details)] of admin_changes, oldest first; each one also
    has its row in the access log (same actor and action)."""
    with app.app_context():
        rows = db.session.scalars(select(AdminChange).order_by(AdminChange.id)).all()
        logged = [(entry.actor, entry.kind) for entry in db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.kind.like("admin_%"))
            .order_by(AccessLogEntry.id))]
        found = [(row.actor, row.action, row.target, row.details) for row in rows]
        db.session.remove()
    assert logged == [(actor, action) for actor, action, _target, _details in found]
    return found
