"""The webhooks of a callback's call (console/callbacks.py creates it, to the agent's
softphone): once the agent answers, Twilio fetches `callback_dial`, which dials the
citizen's number with the line's number as caller ID (the agent never sees it; each dial is
in the access log); the Dial's action `callback_done` tells how it went, and the call's
status callback `callback_status` releases a take that never dialed (the agent did not
pick up). Only the call made for the current take acts on it: a call that Twilio placed
after its take was released (a stalled REST answer) is hung up."""
from __future__ import annotations

from flask import abort
from flask import current_app
from flask import request
from twilio.twiml.voice_response import VoiceResponse

from shared import access_log
from shared import callbacks
from shared.extensions import db
from shared.models import CallbackRequest
from shared.models import User
from shared.urls import public_endpoint

from . import bp
from .engine import hangup
from .security import twilio_request_required
from .views import empty
from .views import safely
from .views import twiml
from .webhook_input import call_sid
from .webhook_input import printable
from .webhook_input import record_id


def callback_param() -> int:
    """The `callback` of the query string (a callback request's id), or a 400."""
    callback_id = record_id(request.args.get("callback"))
    if callback_id is None:
        abort(400, "callback: the id of the callback request")
    return callback_id


def current_take(callback_id: int) -> CallbackRequest | None:
    """The callback this posted call is making now, if it is."""
    return callbacks.in_progress(db.session, callback_id, call_sid(request.form),
                                 printable(request.form.get("To"), 64))


def dial_citizen(callback: CallbackRequest) -> str:
    """Dial the citizen from the line's number; the Dial's action tells the outcome."""
    response = VoiceResponse()
    dial = response.dial(caller_id=current_app.config["CALLBACK_CALLER_ID"],
                         action=public_endpoint("ivr.callback_done", callback=callback.id),
                         method="POST")
    dial.number(callback.phone)
    response.hangup()
    return str(response)


@bp.post("/callback/dial")
@twilio_request_required
def callback_dial():
    """The agent answered their softphone: dial the citizen (logged as a use of their
    number, in the agent's name)."""
    callback_id = callback_param()

    def handle():
        callback = current_take(callback_id)
        agent = db.session.get(User, callback.agent_id) if callback is not None else None
        if agent is None:
            db.session.rollback()
            return twiml(hangup())
        access_log.record(db.session, agent, access_log.CALLBACK, searched=callback.phone,
                          target=f"callback:{callback.id}")
        xml = dial_citizen(callback)
        db.session.commit()
        return twiml(xml)
    return safely(handle)


@bp.post("/callback/done")
@twilio_request_required
def callback_done():
    """The Dial's action: answered, the callback is done; not answered (no-answer, busy,
    failed), an attempt is counted; a replay changes nothing."""
    callback_id = callback_param()

    def handle():
        callback = current_take(callback_id)
        if callback is not None:
            status = printable(request.form.get("DialCallStatus"), 24) or ""
            callbacks.settle(db.session, callback_id, callback.agent_id, status,
                             current_app.config["CALLBACK_MAX_ATTEMPTS"])
        db.session.commit()
        return twiml(hangup())
    return safely(handle)


@bp.post("/callback/status")
@twilio_request_required
def callback_status():
    """The softphone's call ended: a take still open (the citizen was never dialed) is
    released, with no attempt counted."""
    callback_id = callback_param()

    def handle():
        callback = current_take(callback_id)
        if callback is not None:
            callbacks.settle(db.session, callback_id, callback.agent_id, None,
                             current_app.config["CALLBACK_MAX_ATTEMPTS"])
        db.session.commit()
        return empty()
    return safely(handle)
