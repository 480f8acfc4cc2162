"""Users: the list, creating one, changing a role, deactivating and reactivating (the
user's sessions end and their open consoles are disconnected at once), resetting a
password. The rules are shared with `flask users create` (shared/users.py)."""
from __future__ import annotations

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shared import admin_changes
from shared import administrations
from shared import users
from shared.extensions import db
from shared.models import User
from shared.types import AgentStatus
from shared.types import Role

from .. import bp
from .. import states
from ..auth import disconnect_consoles
from ..auth import revoke_sessions
from ..auth import role_required
from .forms import ROLE_LABELS
from .forms import UserActiveForm
from .forms import UserCreateForm
from .forms import UserPasswordForm
from .forms import UserRoleForm
from .refusals import refused

LIST = "console/admin/users.html"
PAGE = "console/admin/user.html"


def _list_page(form: UserCreateForm | None = None, **context):
    return dict(template=LIST, form=form or UserCreateForm(formdata=None),
                users=db.session.scalars(select(User).order_by(User.username)).all(),
                roles=ROLE_LABELS, **context)


def _user_page(user: User, **context):
    return dict(template=PAGE, user=user, roles=ROLE_LABELS,
                role_form=context.pop("role_form", None) or UserRoleForm(
                    formdata=None, role=user.role.value,
                    administration=user.administration.code if user.administration else ""),
                password_form=UserPasswordForm(formdata=None),
                active_form=UserActiveForm(formdata=None), **context)


def _render(page: dict, status: int = 200):
    return render_template(page.pop("template"), **page), status


def _refused(page: dict, reason: str):
    return refused(page.pop("template"), reason, **page)


def _administration(role: str, code: str):
    """The administration an officer belongs to (None for other roles); UserRefused when
    an officer's code names none."""
    if role != Role.OFFICER.value:
        return None
    admin = administrations.by_code(db.session, (code or "").strip())
    if admin is None and code:
        raise users.UserRefused("no_such_administration", "no such administration")
    return admin


@bp.get("/admin/users")
@role_required(Role.ADMIN)
def admin_users():
    return _render(_list_page())


@bp.post("/admin/users")
@role_required(Role.ADMIN)
def admin_create_user():
    form = UserCreateForm()
    if not form.validate_on_submit():
        return _refused(_list_page(form), "form")
    try:
        user = users.create(db.session, form.username.data, form.display_name.data,
                            Role(form.role.data),
                            _administration(form.role.data, form.administration.data),
                            form.password.data, form.console_language.data or None)
    except users.UserRefused as error:
        db.session.rollback()
        return _refused(_list_page(form), error.reason)
    admin_changes.record(db.session, current_user, admin_changes.USER_CREATE,
                         f"user:{user.username}", {"role": user.role.value, "administration":
                                                   user.administration.code
                                                   if user.administration else None})
    db.session.commit()
    flash(_("User %(username)s created.", username=user.username), "info")
    return redirect(url_for("console.admin_user", user_id=user.id), 303)


@bp.get("/admin/users/<int:user_id>")
@role_required(Role.ADMIN)
def admin_user(user_id: int):
    return _render(_user_page(db.get_or_404(User, user_id)))


def _role_of(user: User) -> dict:
    """What a role change changes, as the change log records it."""
    return {"role": user.role.value,
            "administration": user.administration.code if user.administration else None}


@bp.post("/admin/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def admin_user_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserRoleForm()
    if not form.validate_on_submit():
        return _refused(_user_page(user, role_form=form), "form")
    before = _role_of(user)
    try:
        users.change_role(db.session, user, Role(form.role.data),
                          _administration(form.role.data, form.administration.data),
                          current_user)
    except users.UserRefused as error:
        db.session.rollback()
        return _refused(_user_page(db.get_or_404(User, user_id), role_form=form), error.reason)
    after = _role_of(user)
    admin_changes.record(db.session, current_user, admin_changes.USER_EDIT,
                         f"user:{user.username}", admin_changes.differences(before, after))
    if before["role"] != after["role"]:
        revoke_sessions(user)  # the new role applies from a new login
    db.session.commit()
    if before["role"] != after["role"]:
        disconnect_consoles(user.id)
    flash(_("The role of %(username)s is saved.", username=user.username), "info")
    return redirect(url_for("console.admin_user", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def admin_user_deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if not UserActiveForm().validate_on_submit():
        return _refused(_user_page(user), "form")
    try:
        users.deactivate(db.session, user, current_user)
    except users.UserRefused as error:
        return _refused(_user_page(user), error.reason)
    revoke_sessions(user)
    states.change(db.session, user, AgentStatus.OFFLINE)
    admin_changes.record(db.session, current_user, admin_changes.USER_DEACTIVATE,
                         f"user:{user.username}")
    db.session.commit()
    disconnect_consoles(user.id)
    flash(_("%(username)s is deactivated: their sessions have ended.",
            username=user.username), "info")
    return redirect(url_for("console.admin_user", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def admin_user_reactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if not UserActiveForm().validate_on_submit():
        return _refused(_user_page(user), "form")
    if not user.active:
        user.active = True
        admin_changes.record(db.session, current_user, admin_changes.USER_REACTIVATE,
                             f"user:{user.username}")
        db.session.commit()
    flash(_("%(username)s can log in again.", username=user.username), "info")
    return redirect(url_for("console.admin_user", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/password")
@role_required(Role.ADMIN)
def admin_user_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserPasswordForm()
    if not form.validate_on_submit():
        return _refused(_user_page(user), "form")
    try:
        users.set_password(user, form.password.data)
    except users.UserRefused as error:
        return _refused(_user_page(user), error.reason)
    if user.id != current_user.id:
        revoke_sessions(user)  # whoever used the old password is logged out
    admin_changes.record(db.session, current_user, admin_changes.USER_PASSWORD,
                         f"user:{user.username}")
    db.session.commit()
    if user.id != current_user.id:
        disconnect_consoles(user.id)
    flash(_("The password of %(username)s is reset.", username=user.username), "info")
    return redirect(url_for("console.admin_user", user_id=user.id), 303)
