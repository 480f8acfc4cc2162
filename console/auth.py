"""Who may use the console: logins limited per account and per address, sessions with idle
and absolute timeouts, and `role_required` on every page, form and Socket.IO event."""
from __future__ import annotations

import functools
import secrets
from urllib.parse import urlsplit

from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from limits import parse_many
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from shared import models
from shared.database import will_write
from shared.extensions import db
from shared.extensions import limiter
from shared.extensions import login_manager
from shared.extensions import socketio
from shared.models import User
from shared.types import Role

# A hash to check when the username is unknown, so both failures take the same time.
_NO_USER_HASH = generate_password_hash(secrets.token_hex(16))


def utcnow():
    """The sessions' clock (tests freeze it)."""
    return models.utcnow()


# Sessions ------------------------------------------------------------------------------

def _session_expired(now) -> bool:
    """True past the idle or the absolute timeout of this login."""
    config = current_app.config
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if login_at is None or seen_at is None:
        return True
    stamp = now.timestamp()
    return (stamp - seen_at > config["CONSOLE_IDLE_TIMEOUT_SECONDS"]
            or stamp - login_at > config["CONSOLE_SESSION_MAX_SECONDS"])


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user while the session is alive and not ended by a logout elsewhere."""
    now = utcnow()
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or user.session_token is None \
            or session.get("token") != user.session_token:
        return None
    if _session_expired(now):
        session.clear()
        g.session_expired = True
        return None
    session["seen_at"] = now.timestamp()
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Pages send the browser to the login form (and back afterwards); anything else 401."""
    if getattr(g, "session_expired", False):
        flash(_("Your session has expired. Please log in again."), "info")
    if request.method == "GET":
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    abort(401)


def start_session(user: User) -> None:
    """A new session for `user` (nothing of the anonymous one is kept: no fixation)."""
    language = session.get("language")
    session.clear()
    if user.session_token is None:
        will_write(db.session)  # SQLite: logins at once each take the write turn in order
        user.session_token = secrets.token_urlsafe(32)
        db.session.commit()
    now = utcnow().timestamp()
    login_user(user)
    session.update(token=user.session_token, login_at=now, seen_at=now)
    if language and not user.console_language:
        session["language"] = language
    session.permanent = False


def revoke_sessions(user: User) -> None:
    """Every session of `user` ends (at its next request), e.g. when an admin deactivates
    the account; the caller commits."""
    user.session_token = None


def end_sessions(user: User) -> None:
    """Log out: this session and every other session of the user end."""
    revoke_sessions(user)
    db.session.commit()
    logout_user()
    session.clear()


def disconnect_consoles(user_id: int) -> None:
    """Close the user's live connections (of this process) after a logout: a console left
    open elsewhere stops hearing events at once."""
    from .states import agent_room
    room = agent_room(user_id)
    for sid, _eio_sid in list(socketio.server.manager.get_participants("/", room)):
        socketio.server.disconnect(sid, namespace="/")


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        check_password_hash(_NO_USER_HASH, password)
        return None
    return user if user.check_password(password) and user.active else None


# Failed logins -------------------------------------------------------------------------

def _login_limits(username: str):
    config = current_app.config
    account = username.strip().lower()[:64]
    for item in parse_many(config["CONSOLE_LOGIN_LIMIT_ACCOUNT"]):
        yield item, "console-login-account", account
    for item in parse_many(config["CONSOLE_LOGIN_LIMIT_ADDRESS"]):
        yield item, "console-login-address", request.remote_addr or "-"


def login_locked(username: str) -> bool:
    """Too many failures lately for this account or from this address."""
    return any(not limiter.limiter.test(item, *keys) for item, *keys in _login_limits(username))


def count_failed_login(username: str) -> None:
    for item, *keys in _login_limits(username):
        limiter.limiter.hit(item, *keys)


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path of this site (never another origin), else None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


# Roles ---------------------------------------------------------------------------------

def has_role(*roles: Role) -> bool:
    return current_user.is_authenticated and current_user.role in roles


def role_required(*roles: Role):
    """Only users with one of `roles` run the view or Socket.IO handler. A page answers
    the login form (not logged in) or 403; an event is refused with {"error": ...}."""
    def decorator(handler):
        @functools.wraps(handler)
        def guarded(*args, **kwargs):
            if has_role(*roles):
                return handler(*args, **kwargs)
            if getattr(request, "sid", None) is not None:  # a Socket.IO event
                return {"error": "forbidden" if current_user.is_authenticated
                        else "unauthorized"}
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            abort(403)
        return guarded
    return decorator
