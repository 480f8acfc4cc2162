"""Calling a citizen back (click-to-call): an available agent who holds no call takes a
callback request (a conditional update, as a queue claim: one agent wins), then Twilio
rings the agent's softphone, whose call dials the citizen from the line's number
(ivr/callbacks.py): the agent never sees the number. If Twilio fails or does not answer in
time, the callback is released and the agent told. The dial's outcome (shared/callbacks.py)
moves the agent on: to wrap-up after speaking with the citizen, else available again."""
from __future__ import annotations

import logging

from flask import abort
from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from shared import callbacks
from shared import twilio_rest
from shared.agent_phones import agent_address
from shared.extensions import db
from shared.models import CallbackRequest
from shared.models import User
from shared.types import AgentStatus
from shared.urls import public_endpoint

from . import bp
from . import states
from .auth import role_required
from .claims import TWILIO_ERRORS
from .claims import answer
from .claims import holds_a_call
from .claims import wrap_up
from .forms import ClaimForm
from .queue import CLAIM_ROLES

log = logging.getLogger(__name__)


def ring_agent(callback_id: int, agent_id: int) -> str | None:
    """Twilio calls the agent's softphone; its TwiML dials the citizen. The call's SID, or
    None (logged) when Twilio refused, failed or did not answer in time."""
    config = current_app.config
    try:
        return twilio_rest.create_call(
            agent_address(agent_id), config["CALLBACK_CALLER_ID"],
            public_endpoint("ivr.callback_dial", callback=callback_id),
            public_endpoint("ivr.callback_status", callback=callback_id),
            config["CLAIM_TWILIO_TIMEOUT_SECONDS"])
    except TWILIO_ERRORS as error:
        log.warning("callback %s: taken by agent %s but Twilio did not ring them (%s): "
                    "released", callback_id, agent_id, error)
        return None


@bp.post("/callbacks/<int:callback_id>/call")
@role_required(*CLAIM_ROLES)
def call_back(callback_id: int):
    """Call a citizen back through the agent's softphone."""
    if not ClaimForm().validate_on_submit():
        abort(400, "the call-back form's CSRF token is missing or expired")
    agent_id = current_user.id
    if holds_a_call(db.session, agent_id):
        db.session.rollback()
        return answer("busy", _("You already hold a call: finish it first."))
    if states.current(db.session, current_user).state is not AgentStatus.AVAILABLE:
        db.session.rollback()
        return answer("not_available", _("Make yourself available to call a citizen back."))
    if not callbacks.take(db.session, callback_id, agent_id):
        db.session.rollback()
        return answer("taken", _("This callback is already being made by another agent, "
                                 "or it is done."))
    states.change(db.session, current_user, AgentStatus.ON_CALL)
    db.session.commit()  # the others' consoles drop it now; no lock is held while Twilio works
    call_sid = ring_agent(callback_id, agent_id)
    if call_sid is None:
        callbacks.release(db.session, callback_id, agent_id)
        states.change(db.session, current_user, AgentStatus.AVAILABLE)
        db.session.commit()
        return answer("not_connected", _("Your phone could not be rung: the callback is back "
                                         "in the list. Try again in a moment."))
    callbacks.note_agent_call(db.session, callback_id, agent_id, call_sid)
    db.session.commit()
    log.info("callback %s: agent %s rung (%s)", callback_id, agent_id, call_sid)
    return answer(None, _("Your phone is ringing: answer it and the citizen is called."))


@callbacks.callback_settled.connect
def move_agent_on(callback: CallbackRequest, session: Session, agent_id: int,
                  reached: bool) -> None:
    """The callback's call ended (the IVR's webhook, before its commit): after speaking
    with the citizen the agent wraps up; otherwise they are available again."""
    user = session.get(User, agent_id)
    if user is None:
        return
    if reached:
        wrap_up(session, user)
    elif states.current(session, user).state is AgentStatus.ON_CALL:
        states.change(session, user, AgentStatus.AVAILABLE)
