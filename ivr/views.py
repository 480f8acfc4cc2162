"""The IVR webhooks: a few generic views that render flow steps as TwiML and apply the
caller's answers. Every answer is TwiML, whatever was posted; nothing is written for a
request Twilio did not sign."""
from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path

from flask import Response
from flask import abort
from flask import current_app
from flask import request
from flask import send_file
from flask import url_for
from sqlalchemy import func
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from shared import identity
from shared.caller_limits import CallerLimits
from shared.extensions import db
from shared.models import Call
from shared.models import utcnow

from . import bp
from shared import hours
from .flow import FIRST_STEP
from .flow import STEPS
from .flow import FlowEnv
from .flow import Heard
from .flow import forget
from .flow import preferred_language
from .flow import remember
from .prompts import PROMPTS_DIR
from .prompts import catalogue
from .recordings import schedule_fetch
from .security import twilio_request_required
from .twiml import Keys
from .twiml import Number
from .twiml import Prompt
from .twiml import Recording
from .twiml import Voice
from .twiml import gather
from .twiml import record
from .twiml import technical_problem

log = logging.getLogger(__name__)
MAX_DIGITS = 32          # more keys than any step needs: the rest is ignored
MAX_CHAIN = 6            # steps said one after another in one answer
TERMINAL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
HOLD_AUDIO = PROMPTS_DIR / "hold.wav"


# -- small helpers ------------------------------------------------------------------------
def twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


def public(endpoint: str, **values) -> str:
    """An absolute URL under PUBLIC_BASE_URL (what Twilio calls and signs)."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def audio_url(language: str, key: str) -> str:
    return public("ivr.prompt_audio", language=language, key=key)


def default_language() -> str:
    return catalogue().languages[0].code


def voice_for(call: Call | None) -> Voice:
    language = (call.language if call is not None else None) or default_language()
    return Voice(catalogue(), language, audio_url)


def caller_number() -> str | None:
    """The caller's number in E.164 when Twilio gave a real one (not 'anonymous')."""
    try:
        return identity.normalise_phone(request.form.get("From", "")[:32])
    except identity.InvalidIdentity:
        return None


def heard_from(form) -> Heard:
    digits = form.get("Digits")
    if digits is not None:
        digits = "".join(c for c in digits if c in "0123456789*#")[:MAX_DIGITS]
    try:
        duration = max(0, int(form.get("RecordingDuration", "0") or 0))
    except ValueError:
        duration = 0
    return Heard(digits=digits, speech=printable(form.get("SpeechResult"), 500),
                 recording_url=printable(form.get("RecordingUrl"), 1000),
                 recording_sid=printable(form.get("RecordingSid"), 64),
                 recording_duration=duration)


def printable(value: str | None, limit: int) -> str | None:
    """`value` cut to `limit` and kept only if printable (no NUL reaches the database)."""
    value = (value or "")[:limit]
    return value if value and value.isprintable() else None


def call_sid() -> str | None:
    sid = request.form.get("CallSid", "").strip()
    return sid if sid and len(sid) <= 64 and sid.isprintable() else None


def load_call(sid: str) -> Call | None:
    # FOR UPDATE serialises Twilio's retries of one call on PostgreSQL; SQLite's immediate
    # transactions already do.
    return db.session.scalar(select(Call).where(Call.call_sid == sid).with_for_update())


def queue_length() -> int:
    """Calls queued or with an agent now (ix_calls_active keeps this off a full scan)."""
    return db.session.scalar(select(func.count(Call.id)).where(
        Call.ended_at.is_(None), Call.step == "agent")) or 0


def flow_env(call: Call) -> FlowEnv:
    config = current_app.config
    languages = catalogue().languages
    speech = frozenset(lang.code for lang in languages if lang.speech) \
        if config["SPEECH_INPUT"] == "twilio" else frozenset()

    def can_queue() -> bool:
        opening = hours.parse(config["OPENING_HOURS"], config["TIMEZONE"])
        return opening.is_open(utcnow()) and queue_length() < config["QUEUE_MAX_SIZE"]
    return FlowEnv(session=db.session, languages=languages, caller=caller_number(),
                   can_queue=can_queue, speech_languages=speech,
                   limits=CallerLimits.from_config(config))


def stream_token(sid: str) -> str:
    """Authenticates the media stream of a call (Twilio connects from anywhere)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"stream:{sid}".encode(), hashlib.sha256).hexdigest()


# -- rendering ------------------------------------------------------------------------------
def move(call: Call, step: str) -> None:
    """Go to `step`; a new step starts with no failed tries."""
    if step != call.step:
        call.retries = 0
    call.step = step


def render(call: Call, env: FlowEnv) -> str:
    """The TwiML of the call's current step, following steps that only speak."""
    response = VoiceResponse()
    voice = voice_for(call)
    pending = call.answers.get("notice")
    forget(call, "notice")
    prefix = [Prompt(pending)] if pending else []
    call.turn += 1
    for _ in range(MAX_CHAIN):
        step = STEPS[call.step]
        items = prefix + step.say(call, env)
        prefix = []
        action = public("ivr.answer", name=step.name, t=call.turn)
        if isinstance(step.listen, Keys):
            language = env.language(call.language or "")
            speech = language.speech if language and language.code in env.speech_languages \
                else None
            voice.render(gather(response, step.listen, action, speech), items)
            response.redirect(action, method="POST")  # no input: the step hears nothing
        elif isinstance(step.listen, Recording):
            voice.render(response, items)
            record(response, step.listen, action, public("ivr.recording_status"))
            response.redirect(action, method="POST")
        else:
            voice.render(response, items)
            if step.end == "hangup":
                response.hangup()
            elif step.end == "enqueue":
                enqueue(response, call)
            else:
                move(call, step.then(call, env) if callable(step.then) else step.then)
                continue
        break
    return str(response)


def enqueue(response: VoiceResponse, call: Call) -> None:
    """Fork the caller's audio to the media-stream websocket, then queue for an agent."""
    config = current_app.config
    start = response.start()
    stream_url = config["PUBLIC_BASE_URL"].replace("https://", "wss://", 1) \
        .replace("http://", "ws://", 1) + url_for("ivr.media_stream")
    stream = start.stream(url=stream_url, track="inbound_track")
    stream.parameter(name="call_sid", value=call.call_sid)
    stream.parameter(name="token", value=stream_token(call.call_sid))
    response.enqueue(config["QUEUE_NAME"], action=public("ivr.queue_done", t=call.turn),
                     method="POST", wait_url=public("ivr.queue_wait"), wait_url_method="POST")
    call.outcome = "agent"
    remember(call, queued_at=utcnow().isoformat())


def safely(handler):
    """Run a webhook; an error on our side still answers TwiML (an apology), never a 5xx."""
    try:
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
        sid = call_sid()
        return db.session.scalar(select(Call).where(Call.call_sid == sid)) if sid else None
    except Exception:
        db.session.rollback()
        return None


# -- webhooks -------------------------------------------------------------------------------
@bp.post("/voice")
@twilio_request_required
def incoming():
    """A call comes in: welcome and the language menu (the number's Voice URL)."""
    return safely(lambda: answer_step(None, 0))


@bp.post("/step/<name>")
@twilio_request_required
def answer(name):
    """Twilio posts the caller's keys, speech or recording for step `name`, turn `t`."""
    turn = request.args.get("t", type=int, default=-1)
    return safely(lambda: answer_step(name, turn))


def answer_step(posted_step: str | None, turn: int) -> Response:
    sid = call_sid()
    if sid is None:
        log.warning("webhook without a usable CallSid on %s", request.path)
        return twiml(technical_problem(voice_for(None)))
    call = load_call(sid)
    if call is not None and call.last_request_key == f"{posted_step}:{turn}":
        return twiml(call.last_response)  # Twilio retried: the same TwiML, nothing applied
    if call is None:
        call = start_call(sid)
    env = flow_env(call)
    fresh = posted_step is not None and posted_step == call.step and turn == call.turn
    if fresh:
        step = STEPS[call.step]
        move(call, step.next(call, heard_from(request.form), env))
    elif posted_step is not None:
        log.info("late or replayed webhook for step %s (turn %s) of a call now at %s",
                 posted_step, turn, call.step)
    request_key = f"{posted_step}:{turn}"
    xml = render(call, env)
    call.last_request_key, call.last_response = request_key, xml
    db.session.commit()  # before Twilio speaks anything of it (a read reference exists)
    return twiml(xml)


def start_call(sid: str) -> Call:
    form = request.form
    caller = caller_number()
    call = Call(call_sid=sid, caller=caller, called=(form.get("To") or "")[:32] or None,
                step=FIRST_STEP, retries=0, turn=0, answers={}, started_at=utcnow())
    preferred = preferred_language(db.session, caller)
    if preferred:
        call.answers = {"preferred_language": preferred}
        call.language = preferred
    db.session.add(call)
    db.session.flush()
    log.info("call %s from %s", sid, identity.mask(caller))
    return call


@bp.post("/status")
@twilio_request_required
def call_status():
    """Twilio's status callback closes the call record; replays and late ones change nothing."""
    def handle():
        sid = call_sid()
        status = (request.form.get("CallStatus") or "")[:24]
        call = load_call(sid) if sid else None
        if call is not None and status in TERMINAL_STATUSES and call.ended_at is None:
            call.ended_at, call.twilio_status = utcnow(), status
            duration = request.form.get("CallDuration", "")
            call.duration_seconds = int(duration) if duration.isdigit() else None
            if call.outcome is None:
                call.outcome = "abandoned" if status == "completed" else status
                remember(call, abandoned_at=call.step)
            db.session.commit()
        return twiml(str(VoiceResponse()))
    return safely(handle)


@bp.post("/recording")
@twilio_request_required
def recording_status():
    """A recording is ready at Twilio: wake (or queue) the job that stores it."""
    def handle():
        form = request.form
        sid = call_sid()
        if sid and form.get("RecordingStatus", "completed") == "completed":
            schedule_fetch(db.session, sid, printable(form.get("RecordingSid"), 64),
                           printable(form.get("RecordingUrl"), 1000))
            db.session.commit()
        return twiml(str(VoiceResponse()))
    return safely(handle)


@bp.post("/queue/wait")
@twilio_request_required
def queue_wait():
    """Twilio's wait URL: the caller's position, then hold music; too long a wait leaves
    the queue (the Enqueue action then offers voicemail or a callback)."""
    def handle():
        sid = call_sid()
        call = db.session.scalar(select(Call).where(Call.call_sid == sid)) if sid else None
        response = VoiceResponse()
        waited = request.form.get("QueueTime", "0")
        if waited.isdigit() and int(waited) > current_app.config["QUEUE_MAX_WAIT_SECONDS"]:
            response.leave()
            return twiml(str(response))
        position = request.form.get("QueuePosition", "")
        if position.isdigit() and int(position) > 0:
            voice_for(call).render(response, [Prompt("queue_position"), Number(int(position))])
        response.play(public("ivr.hold_audio"))
        return twiml(str(response))
    return safely(handle)


@bp.post("/queue/done")
@twilio_request_required
def queue_done():
    """The caller left the queue: bridged calls end; a full queue, a leave or an error
    goes to voicemail or callback, never a busy tone."""
    def handle():
        sid = call_sid()
        call = load_call(sid) if sid else None
        result = request.form.get("QueueResult", "")
        if call is None:
            return twiml(technical_problem(voice_for(None)))
        if result in ("bridged", "hangup"):
            if result == "hangup":  # the caller gave up waiting: the line's key figure
                call.outcome = "abandoned_in_queue"
            db.session.commit()
            response = VoiceResponse()
            response.hangup()
            return twiml(str(response))
        move(call, "agent_unavailable")
        call.outcome = None
        xml = render(call, flow_env(call))
        db.session.commit()
        return twiml(xml)
    return safely(handle)


@bp.route("/media", methods=["GET"])
def media_stream():
    """The media-stream websocket (served by the speech work); plain HTTP gets a 400."""
    abort(400, "websocket only")


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
