"""The admins' changes: each one is a row of `admin_changes` (who, when, the action, its
target, the values before and after) and a row of the access log under the same action
name, so the log of who saw or changed what holds them too."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from . import access_log
from .models import AdminChange
from .models import User

USER_CREATE = "admin_user_create"
USER_EDIT = "admin_user_edit"
USER_DEACTIVATE = "admin_user_deactivate"
USER_REACTIVATE = "admin_user_reactivate"
USER_PASSWORD = "admin_user_password_reset"
ADMINISTRATION_EDIT = "admin_administration_edit"
OPENING_HOURS_EDIT = "admin_opening_hours_edit"
TEMPLATE_CREATE = "admin_answer_template_create"
TEMPLATE_EDIT = "admin_answer_template_edit"
TEMPLATE_DELETE = "admin_answer_template_delete"


@event.listens_for(AdminChange, "before_update")
@event.listens_for(AdminChange, "before_delete")
def _refuse_changes(_mapper, _connection, change: AdminChange) -> None:
    raise access_log.AppendOnly(f"the admins' changes are append-only (row {change.id})")


def record(session: Session, user: User, action: str, target: str,
           details: dict[str, Any] | None = None) -> AdminChange:
    """Add the change's rows (in the caller's transaction: committed with the change)."""
    change = AdminChange(user_id=user.id, actor=f"user:{user.username}", action=action,
                         target=target, details=details or {})
    session.add(change)
    # The hash-chained log gets what changed (the action, the target, the field names), not
    # the values (a name, a password's fact).
    access_log.record_change(session, user, action, {"action": action,
                                                     "fields": sorted(details or {})},
                             target=target[:64])
    return change


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [before, after]} of the fields that changed."""
    return {name: [before.get(name), value] for name, value in after.items()
            if before.get(name) != value}
