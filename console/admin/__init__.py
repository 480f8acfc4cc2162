"""The admins' screens: users, administrations and their answer templates, opening
hours. Admins alone (every route is guarded by `role_required(Role.ADMIN)`); every change
is recorded (shared/admin_changes.py)."""
from flask import redirect
from flask import url_for

from shared.types import Role

from .. import bp
from ..auth import role_required


@bp.get("/admin/")
@role_required(Role.ADMIN)
def admin_home():
    return redirect(url_for("console.admin_users"))


from . import users  # noqa: E402,F401
from . import administrations  # noqa: E402,F401
from . import hours  # noqa: E402,F401
from . import templates  # noqa: E402,F401
