"""Taking a waiting call: a conditional update makes one agent its holder (two agents can
never both hold it), then Twilio's live call update sends the caller to that agent's
client. If Twilio fails or does not answer in time, the claim is released and the call
waits again. When the held call ends, its agent goes to wrap-up."""
from __future__ import annotations

import logging

from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from requests import RequestException
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException

from shared.twilio_rest import MAX_CALL_DURATION
from shared import call_queue
from shared import callbacks
from shared import twilio_rest
from shared.database import will_write
from shared.extensions import db
from shared.models import Call
from shared.models import User
from shared.models import utcnow
from shared.notify import queue_event
from shared.types import AgentStatus
from shared.urls import public_endpoint

from . import bp
from . import states
from .auth import role_required
from .forms import ClaimForm
from .queue import CLAIM_ROLES

log = logging.getLogger(__name__)
HELD_CALL_ENDED = "held_call_ended"  # to the agent's room: the caller has hung up
TWILIO_ERRORS = (twilio_rest.TwilioRejected, twilio_rest.TwilioFailed, TwilioException,
                 RequestException)


def take(session: Session, call_sid: str, agent_id: int) -> bool:
    """Make `agent_id` the holder of the waiting call `call_sid` (not committed); False
    when it is not waiting any more (another agent was first, the caller left)."""
    will_write(session)  # SQLite: the update's check and its write in one turn
    taken = session.execute(update(Call).where(
        Call.call_sid == call_sid, Call.agent_id.is_(None), Call.ended_at.is_(None),
        Call.step == "agent", Call.outcome == "agent",
    ).values(agent_id=agent_id, claimed_at=utcnow()).execution_options(
        synchronize_session=False)).rowcount == 1
    if taken:
        call_queue.announce_gone(session, call_sid, "claimed")
    return taken


def release(session: Session, call_sid: str, agent_id: int) -> None:
    """Undo `agent_id`'s claim (Twilio could not move the call): the call waits again and
    the consoles show it again once this commits."""
    will_write(session)
    session.execute(update(Call).where(Call.call_sid == call_sid, Call.agent_id == agent_id)
                    .values(agent_id=None, claimed_at=None)
                    .execution_options(synchronize_session=False))
    call = session.scalar(select(Call).where(Call.call_sid == call_sid)
                          .execution_options(populate_existing=True))
    if call is not None and call_queue.is_waiting(call):
        call_queue.announce_waiting(session, call)


def holds_a_call(session: Session, agent_id: int) -> bool:
    """The agent holds a call not ended yet (one whose status callback was lost ends
    with Twilio's longest call), or is calling a citizen back."""
    return session.scalar(select(Call.id).where(
        Call.agent_id == agent_id, Call.ended_at.is_(None),
        Call.started_at > utcnow() - MAX_CALL_DURATION).limit(1)) is not None \
        or callbacks.held_by(session, agent_id)


def connect_to_agent(call_sid: str, agent_id: int) -> bool:
    """Twilio's live call update: the caller leaves the queue for the agent's client.
    False (logged) when Twilio refused, failed or did not answer in time."""
    timeout = current_app.config["CLAIM_TWILIO_TIMEOUT_SECONDS"]
    try:
        twilio_rest.update_call(call_sid, public_endpoint("ivr.connect_agent", agent=agent_id),
                                timeout)
    except TWILIO_ERRORS as error:
        log.warning("call %s: claimed by agent %s but Twilio did not move it (%s): released",
                    call_sid, agent_id, error)
        return False
    return True


def answer(error: str | None, message: str | None = None, url: str | None = None):
    """The claim's outcome: JSON for the page's script ({"ok", "error", "message", "url"};
    a refusal is an answer, not a failed request), a redirect for a plain form (the
    message then shown on the agent's page)."""
    wants_json = request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json"
    if wants_json:
        return jsonify({"ok": error is None, "error": error, "message": message, "url": url})
    if message:
        flash(message, "error" if error else "info")
    return redirect(url or url_for("console.agent"), 303)


@bp.post("/calls/<call_sid>/claim")
@role_required(*CLAIM_ROLES)
def claim_call(call_sid: str):
    """Take a waiting call; on success the agent is on the call and goes to its page."""
    if not ClaimForm().validate_on_submit():
        abort(400, "the claim form's CSRF token is missing or expired")  # CSRFProtect first
    agent_id = current_user.id
    if holds_a_call(db.session, agent_id):
        db.session.rollback()
        return answer("busy", _("You already hold a call: finish it first."))
    if not take(db.session, call_sid, agent_id):
        db.session.rollback()
        return answer("taken", _("This call has already been taken, or the caller has left."))
    before = states.current(db.session, current_user)
    was, reason = before.state, before.reason
    # On the call from now: a hang-up during Twilio's update then finds the agent on it.
    states.change(db.session, current_user, AgentStatus.ON_CALL)
    db.session.commit()  # the others' consoles drop it now; no lock is held while Twilio works
    if not connect_to_agent(call_sid, agent_id):
        release(db.session, call_sid, agent_id)
        states.change(db.session, current_user, was, reason)
        db.session.commit()
        return answer("not_connected", _("The call could not be put through to you: it is "
                                         "back in the queue. Try again in a moment."))
    log.info("call %s taken by agent %s", call_sid, agent_id)
    return answer(None, url=url_for("console.call_page", call_sid=call_sid))


@call_queue.claimed_call_ended.connect
def wrap_up_after_call(call: Call, session: Session) -> None:
    """The held call ended (the IVR's status webhook, before its commit): the agent on it
    goes to wrap-up, and their pages are told."""
    user = session.get(User, call.agent_id)
    if user is None:
        return
    queue_event(session, HELD_CALL_ENDED, {"call_sid": call.call_sid},
                room=states.agent_room(user.id))
    wrap_up(session, user)


def wrap_up(session: Session, user: User) -> None:
    """An agent on a call goes to wrap-up (AGENT_WRAPUP_SECONDS); one who already moved on
    (paused, or on the next call's wrap-up) stays so."""
    if states.current(session, user).state is not AgentStatus.ON_CALL:
        return
    app = current_app._get_current_object()
    seconds = app.config["AGENT_WRAPUP_SECONDS"]
    states.change(session, user, AgentStatus.WRAP_UP, wrapup_seconds=seconds)
    if seconds:
        states.schedule_wrapup_end(app, user.id, seconds)
