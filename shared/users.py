"""Console users: the rules of an account, shared by `flask users create` and the admins'
screens (one place for them). A refusal names its reason with a stable code, so the
console can say it in the admin's language."""
from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import DomainError
from .models import Administration
from .models import User
from .types import Role

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class UserRefused(DomainError):
    """A user change that breaks a rule; `reason` is one of the codes below."""
    error_id = "user-refused"

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_username(session: Session, username: str, strict: bool = True) -> str:
    """The username (lower case when `strict`); refused if malformed or taken (whatever
    its case)."""
    username = (username or "").strip()
    if strict:
        username = username.lower()
    if not username or strict and not USERNAME.match(username):
        raise UserRefused("bad_username", "a username is 2-64 letters, digits, '.', '_' or '-'")
    if session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise UserRefused("username_taken", f"the username {username!r} is taken")
    return username


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        raise UserRefused("weak_password",
                          f"a password has {MIN_PASSWORD_LENGTH} characters or more")
    return password


def check_administration(role: Role, administration: Administration | None) -> None:
    """An officer belongs to one administration; the other roles to none."""
    if role == Role.OFFICER and administration is None:
        raise UserRefused("officer_needs_administration",
                          "an officer needs an administration")


def create(session: Session, username: str, display_name: str | None, role: Role,
           administration: Administration | None, password: str,
           console_language: str | None = None, strict: bool = True) -> User:
    """A new active user (added to the session), after every rule is checked. `strict`
    (the console) adds the username's form and the password's length; the command line
    (`flask users create`, an operator's tool) keeps its own words."""
    username = check_username(session, username, strict)
    if strict:
        check_password(password)
    check_administration(role, administration)
    user = User(username=username, display_name=(display_name or "").strip() or username,
                role=role, administration=administration if role == Role.OFFICER else None,
                languages=[], console_language=console_language or None, active=True)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def active_admins(session: Session) -> int:
    """The active admins, their rows locked until the commit (PostgreSQL): two admins
    removing each other at once cannot both pass the last-admin check."""
    return len(session.scalars(select(User.id).where(
        User.role == Role.ADMIN, User.active.is_(True)).with_for_update()).all())


def check_keeps_an_admin(session: Session, user: User, acting: User) -> None:
    """Before `user` stops being an active admin: never oneself, never the last one."""
    if user.id == acting.id:
        raise UserRefused("not_yourself", "an admin cannot deactivate or demote themselves")
    if user.role == Role.ADMIN and user.active and active_admins(session) <= 1:
        raise UserRefused("last_admin", "the last active admin cannot be removed")


def change_role(session: Session, user: User, role: Role,
                administration: Administration | None, acting: User) -> None:
    check_administration(role, administration)
    if user.role == Role.ADMIN and role != Role.ADMIN:
        check_keeps_an_admin(session, user, acting)
    user.role = role
    user.administration = administration if role == Role.OFFICER else None


def deactivate(session: Session, user: User, acting: User) -> None:
    """The account stops working (load_user refuses an inactive user at once)."""
    check_keeps_an_admin(session, user, acting)
    user.active = False


def set_password(user: User, password: str) -> None:
    """A new password (the console also ends the user's open sessions)."""
    check_password(password)
    user.set_password(password)
