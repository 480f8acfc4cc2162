"""The IVR webhooks: thin views that read what Twilio posted and hand it to the step engine
(ivr/engine.py), the queue policy (ivr/queue.py) or the call's outcome (ivr/outcomes.py).
Every answer is TwiML, whatever was posted; nothing is written for a request Twilio did
not sign."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Response
from flask import abort
from flask import current_app
from flask import request
from flask import send_file
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from shared import call_queue
from shared.agent_phones import agent_client
from shared.extensions import db
from shared.models import Call
from shared.urls import public_endpoint

from . import bp
from . import media_stream as media
from . import queue
from .engine import answer_step
from .engine import hangup
from .engine import load_call
from .engine import resume_at
from .engine import voice_for
from .flow import SURVEY
from .outcomes import close_call
from .prompts import PROMPTS_DIR
from .prompts import catalogue
from .recordings import schedule_fetch
from .recordings import wake_fetches
from .security import twilio_request_required
from .twiml import technical_problem
from .webhook_input import MAX_QUEUE_POSITION
from .webhook_input import MAX_SECONDS
from .webhook_input import bounded_number
from .webhook_input import call_sid
from .webhook_input import printable
from .webhook_input import record_id
from .webhook_input import spoken_choice

log = logging.getLogger(__name__)
HOLD_AUDIO = PROMPTS_DIR / "hold.wav"


def twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


def empty() -> Response:
    return twiml(str(VoiceResponse()))


def safely(handler):
    """Run a webhook; an error on our side still answers TwiML (an apology), never a 5xx.
    A webhook that met a dropped database connection (a restart: the pool is renewed) runs
    once more: webhooks are idempotent (Twilio retries them), so one whose commit may have
    gone through answers as its retry would."""
    try:
        try:
            return handler()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            db.session.rollback()
            log.warning("database connection lost on %s: run again on a new one", request.path)
            return handler()
    except HTTPException:
        raise
    except Exception:
        db.session.rollback()
        log.exception("IVR webhook failed on %s", request.path)
        return twiml(technical_problem(voice_for(call_for_apology())))


def call_for_apology() -> Call | None:
    """The call, if it can still be read, so the apology is in the caller's language."""
    try:
        sid = call_sid(request.form)
        return db.session.scalar(select(Call).where(Call.call_sid == sid)) if sid else None
    except Exception:
        db.session.rollback()
        return None


def step_webhook(posted_step: str | None, turn: int) -> Response:
    sid = call_sid(request.form)
    if sid is None:
        log.warning("webhook without a usable CallSid on %s", request.path)
        return twiml(technical_problem(voice_for(None)))
    spoken = spoken_choice(request.args) if posted_step is not None else None
    return twiml(answer_step(sid, request.form, posted_step, turn, spoken))


# -- webhooks -------------------------------------------------------------------------------
@bp.post("/voice")
@twilio_request_required
def incoming():
    """A call comes in: welcome and the language menu (the number's Voice URL)."""
    return safely(lambda: step_webhook(None, 0))


@bp.post("/step/<name>")
@twilio_request_required
def answer(name):
    """Twilio posts the caller's keys, speech or recording for step `name`, turn `t`; or
    fetches it after a live call update, with the choice heard on the media stream
    (`said=<intent>` or `unclear=1`, signed by Twilio with the rest of the URL)."""
    turn = request.args.get("t", type=int, default=-1)
    return safely(lambda: step_webhook(name, turn))


@bp.post("/status")
@twilio_request_required
def call_status():
    """Twilio's status callback closes the call record; replays and late ones change nothing."""
    def handle():
        sid = call_sid(request.form)
        call = load_call(sid) if sid else None
        duration = bounded_number(request.form.get("CallDuration"), MAX_SECONDS)
        if call is not None and close_call(call, (request.form.get("CallStatus") or "")[:24],
                                           duration):
            wake_fetches(db.session, call)
            tell_consoles_it_ended(call)
            db.session.commit()
        return empty()
    return safely(handle)


def tell_consoles_it_ended(call: Call) -> None:
    """A waiting caller hung up: off the consoles' queue. A call an agent took: its agent
    goes to wrap-up (the console's receiver of the signal)."""
    if call.agent_id is not None:
        call_queue.claimed_call_ended.send(call, session=db.session)
    elif call.step == "agent":
        call_queue.announce_gone(db.session, call.call_sid, "ended")


@bp.post("/recording")
@twilio_request_required
def recording_status():
    """A recording is ready at Twilio: wake (or queue) the job that stores it."""
    def handle():
        form = request.form
        sid = call_sid(form)
        if sid and form.get("RecordingStatus", "completed") == "completed":
            schedule_fetch(db.session, sid, printable(form.get("RecordingSid"), 64),
                           printable(form.get("RecordingUrl"), 1000))
            db.session.commit()
        return empty()
    return safely(handle)


@bp.post("/queue/wait")
@twilio_request_required
def queue_wait():
    """Twilio's wait URL, called while the caller is in the queue."""
    def handle():
        sid = call_sid(request.form)
        call = db.session.scalar(select(Call).where(Call.call_sid == sid)) if sid else None
        waited = bounded_number(request.form.get("QueueTime"), MAX_SECONDS) or 0
        position = bounded_number(request.form.get("QueuePosition"), MAX_QUEUE_POSITION) or 0
        return twiml(queue.while_waiting(voice_for(call), waited, position))
    return safely(handle)


@bp.post("/queue/done")
@twilio_request_required
def queue_done():
    """The caller left the queue: bridged calls end; a full queue, a leave or an error
    goes to voicemail or callback, never a busy tone."""
    def handle():
        sid = call_sid(request.form)
        call = load_call(sid) if sid else None
        if call is None:
            return twiml(technical_problem(voice_for(None)))
        if call.agent_id is not None:  # an agent's claim moved the call out of the queue
            return twiml(dial_agent(call.agent_id))
        if queue.left_queue(call, request.form.get("QueueResult", "")):
            db.session.commit()
            return twiml(hangup())
        return twiml(resume_at(call, "agent_unavailable", request.form))
    return safely(handle)


def agent_param() -> int:
    """The `agent` of the query string (a console user's id), or a 400."""
    agent = record_id(request.args.get("agent"))
    if agent is None:
        abort(400, "agent: the id of the agent to connect")
    return agent


@bp.post("/agent/connect")
@twilio_request_required
def connect_agent():
    """Where a claimed call is sent (a live call update from the console, or the end of
    a read-back that returns the caller to the agent): dial the agent's client; when the
    agent's leg ends, so does the call."""
    agent_id = agent_param()

    def handle():
        sid = call_sid(request.form)
        call = load_call(sid) if sid else None
        if call is not None and call.ended_at is None and call.step == "agent" \
                and call.agent_id is None:
            # The claim was released (Twilio answered it too late) and the call waits
            # again on the consoles: back in the queue, not to an agent who let it go.
            response = VoiceResponse()
            queue.enqueue(response, call)
            db.session.commit()
            return twiml(str(response))
        return twiml(dial_agent(agent_id))
    return safely(handle)


def dial_agent(agent_id: int) -> str:
    """Dial the agent's client; when the agent's leg ends, Twilio asks `agent_done`."""
    response = VoiceResponse()
    dial = response.dial(answer_on_bridge=True, action=public_endpoint("ivr.agent_done"),
                         method="POST")
    dial.client(agent_client(agent_id))
    response.hangup()
    return str(response)


@bp.post("/agent/done")
@twilio_request_required
def agent_done():
    """The agent's leg has ended (the Dial's action): a caller still on the line after
    speaking with the agent is asked the post-call survey; otherwise the call ends."""
    def handle():
        sid = call_sid(request.form)
        call = load_call(sid) if sid else None
        if call is None or call.ended_at is not None or call.agent_id is None \
                or request.form.get("DialCallStatus") != "completed" \
                or call.survey_rating is not None:
            return twiml(hangup())
        return twiml(resume_at(call, SURVEY, request.form))
    return safely(handle)


@bp.get("/media", websocket=True)
def media_stream():
    """Twilio's media stream of a call (ivr/media_stream.py). Refused before the upgrade
    unless Twilio signed it; plain HTTP gets a 400 (werkzeug: websocket-only route)."""
    if not media.is_signed_upgrade():
        log.warning("refused an unsigned or badly signed media stream")
        abort(403)
    return media.AfterWebsocket(media.serve(request.environ, current_app._get_current_object()))


@bp.get("/prompts/<language>/<key>.wav")
def prompt_audio(language, key):
    """A recorded prompt (public: it holds no personal data)."""
    path = catalogue().audio_path(key, language)
    if path is None:
        abort(404)
    return send_file(Path(path), mimetype="audio/wav", max_age=3600)


@bp.get("/hold.wav")
def hold_audio():
    if not HOLD_AUDIO.is_file():
        abort(404)
    return send_file(HOLD_AUDIO, mimetype="audio/wav", max_age=3600)
