"""Console pages: the landing page, login and logout, the language switcher, the agent's page."""
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from shared.extensions import db
from shared.types import AgentStatus
from shared.types import Role

from . import bp
from . import states
from .auth import authenticate
from .auth import disconnect_consoles
from .auth import count_failed_login
from .auth import end_sessions
from .auth import login_locked
from .auth import role_required
from .auth import safe_next
from .auth import start_session
from .forms import LanguageForm
from .forms import LoginForm
from .forms import LogoutForm
from .forms import StateForm

# Who works on the agent's page (supervisors see it too).
AGENT_PAGE_ROLES = (Role.AGENT, Role.SUPERVISOR)

site = Blueprint("site", __name__, template_folder="templates")


@site.get("/")
def landing():
    """What this server is, for whoever opens it."""
    return render_template("console/landing.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a success lands on /console/ or the page that asked for the login."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        return render_template("console/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("console/login.html", form=form), 400
    username = form.username.data.strip()
    if login_locked(username):
        flash(_("Too many failed logins. Wait a few minutes before trying again."), "error")
        return render_template("console/login.html", form=form), 429
    user = authenticate(username, form.password.data)
    if user is None:
        count_failed_login(username)
        flash(_("Wrong username or password."), "error")
        return render_template("console/login.html", form=form), 401
    start_session(user)
    return redirect(safe_next(form.next.data) or home_url(user))


def home_url(user) -> str:
    """Where a login lands: an officer's work list, an admin's screens, else the agent's
    page."""
    return url_for({Role.OFFICER: "console.officer_list", Role.ADMIN: "console.admin_home"}
                   .get(user.role, "console.agent"))


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST with its CSRF token): offline, and every session of the user ends."""
    if LogoutForm().validate_on_submit():
        user = current_user._get_current_object()
        states.change(db.session, user, AgentStatus.OFFLINE)
        end_sessions(user)
        disconnect_consoles(user.id)
        flash(_("You are logged out."), "info")
    return redirect(url_for("console.login"))


@bp.post("/language")
def change_language():
    """The console's language: kept in the session, and on the user's row once logged in."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.console_language = form.language.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("site.landing"))


@bp.get("/")
@role_required(*AGENT_PAGE_ROLES)
def agent():
    """The agent's working page: their state now (the queue comes next)."""
    state = states.current(db.session, current_user)
    db.session.commit()
    form = StateForm(state=state.state.value, reason=state.reason or "")
    return render_template("console/agent.html", state=state, form=form,
                           labels=states.LABELS, reasons=states.PAUSE_REASONS)


@bp.post("/state")
@role_required(*AGENT_PAGE_ROLES)
def change_state():
    """The state form (the page without JavaScript; with it, the `change_state` event)."""
    form = StateForm()
    if not form.validate_on_submit():
        flash(_("Choose a state."), "error")
        return redirect(url_for("console.agent")), 303
    try:
        change_agent_state(form.state.data, form.reason.data or None)
    except states.InvalidState:
        flash(_("A pause needs a reason."), "error")
    return redirect(url_for("console.agent")), 303


def change_agent_state(state: str, reason: str | None) -> None:
    """The current user's new state, saved and announced; a wrap-up ends by itself."""
    app = current_app._get_current_object()
    seconds = app.config["AGENT_WRAPUP_SECONDS"]
    new = states.change(db.session, current_user, state, reason, wrapup_seconds=seconds)
    db.session.commit()
    if new.state is AgentStatus.WRAP_UP:
        states.schedule_wrapup_end(app, current_user.id, seconds)
