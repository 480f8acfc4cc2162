"""The step engine: renders the call's current step as TwiML (following steps that only
speak) and applies what the caller answered through the step's transition. Per-call state
is the Call row, so any process can serve any webhook of a call."""
from __future__ import annotations

import functools
import logging

from flask import current_app
from flask import has_request_context
from flask import request
from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.voice_response import VoiceResponse

from shared import identity
from shared.caller_limits import CallerLimits
from shared.database import call_progress
from shared.database import will_write
from shared.extensions import db
from shared.models import Call
from shared.models import utcnow
from shared.urls import public_endpoint

from . import queue
from .flow import FIRST_STEP
from .flow import STEPS
from .flow import FlowEnv
from .flow import Heard
from .flow import forget
from .flow import language_known
from .flow import notice
from .flow import preferred_language
from .flow import spoken_key
from .prompts import catalogue
from .speech.runtime import vosk_languages
from .twiml import Keys
from .twiml import Prompt
from .twiml import Recording
from .twiml import Voice
from .twiml import gather
from .twiml import record
from .webhook_input import caller_number
from .webhook_input import SpokenChoice
from .webhook_input import heard_from

log = logging.getLogger(__name__)
MAX_CHAIN = 6            # steps said one after another in one answer


def audio_url(language: str, key: str) -> str:
    """A recorded prompt's public URL, built once per prompt (URL building cost more than
    the rest of a <Play>): it depends only on the base URL and the root the app is served
    under, both part of the key."""
    root = request.script_root if has_request_context() else current_app.config["APPLICATION_ROOT"]
    return _audio_url(current_app.config["PUBLIC_BASE_URL"], root, language, key)


@functools.lru_cache(maxsize=4096)  # the catalogue's prompts, for a base URL or two
def _audio_url(_base: str, _root: str, language: str, key: str) -> str:
    return public_endpoint("ivr.prompt_audio", language=language, key=key)


def default_language() -> str:
    return catalogue().languages[0].code


def voice_for(call: Call | None) -> Voice:
    language = (call.language if call is not None else None) or default_language()
    return Voice(catalogue(), language, audio_url)


def cloud_speech() -> bool:
    """True when Twilio's recogniser hears speech in <Gather> (SPEECH_INPUT=twilio); under
    auto and vosk, <Gather> takes keys only and speech comes through the media stream."""
    return current_app.config["SPEECH_INPUT"] == "twilio"


def speech_languages(languages) -> frozenset[str]:
    """The languages whose callers may say an administration's name (none when off)."""
    if cloud_speech():
        return frozenset(lang.code for lang in languages if lang.speech)
    return vosk_languages()


def flow_env(caller: str | None) -> FlowEnv:
    """The facts a transition may use, for a call from `caller` (its E.164 number)."""
    languages = catalogue().languages
    speech = speech_languages(languages)
    # Heard offline on the call's media stream (auto, vosk), not by Twilio in <Gather>.
    stream = frozenset() if cloud_speech() else speech
    return FlowEnv(session=db.session, languages=languages, caller=caller,
                   can_queue=queue.can_queue, speech_languages=speech,
                   limits=CallerLimits.from_config(current_app.config),
                   stream_languages=stream)


# FOR UPDATE serialises Twilio's retries of one call on PostgreSQL; SQLite's immediate
# transactions already do. Built once: its SQL is then found in the compiled cache without
# building the statement and its cache key again at every webhook.
LOAD_CALL = select(Call).where(Call.call_sid == bindparam("sid")).with_for_update()


def load_call(sid: str) -> Call | None:
    return db.session.scalar(LOAD_CALL, {"sid": sid})


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
    call.listening = None
    if language_known(call) in env.stream_languages:
        queue.fork_audio(response, call)  # its choices can be said from the first step
    for _ in range(MAX_CHAIN):
        step = STEPS[call.step]
        items = prefix + step.say(call, env)
        prefix = []
        action = public_endpoint("ivr.answer", name=step.name, t=call.turn)
        if isinstance(step.listen, Keys):
            language = env.language(call.language or "")
            speech = language.speech if cloud_speech() and language \
                and language.code in env.speech_languages else None
            listen_on_stream(call, step, action, env)
            voice.render(gather(response, step.listen, action, speech), items)
            response.redirect(action, method="POST")  # no input: the step hears nothing
        elif isinstance(step.listen, Recording):
            voice.render(response, items)
            record(response, step.listen, action, public_endpoint("ivr.recording_status"))
            response.redirect(action, method="POST")
        else:
            voice.render(response, items)
            if step.end == "hangup":
                response.hangup()
            elif step.end == "enqueue":
                queue.enqueue(response, call)
            else:
                move(call, step.then(call, env) if callable(step.then) else step.then)
                continue
        break
    return str(response)


def listen_on_stream(call: Call, step, action: str, env: FlowEnv) -> None:
    """Publish on the call what its stream's listener listens for at `step` (any process's
    listener reads it): a step with a grammar, in a language heard on the stream."""
    if step.listen.grammar and call.stream_started_at is not None \
            and language_known(call) in env.stream_languages:
        call.listening = {"step": step.name, "turn": call.turn, "grammar": step.listen.grammar,
                          "language": call.language, "action": action}


def apply_spoken(call: Call, spoken: SpokenChoice, env: FlowEnv) -> str:
    """A choice heard on the stream, posted by the live call update: the transition of the
    key it stands for; not understood (or standing for no key): asked to use the keypad,
    at the same step."""
    step = STEPS[call.step]
    grammar = step.listen.grammar if isinstance(step.listen, Keys) else None
    key = spoken_key(grammar, spoken.intent, env) if spoken.intent else None
    if key is None:
        notice(call, "speech_use_keypad")
        return call.step
    log.info("call %s: %s said at step %s", call.call_sid, spoken.intent
             if grammar != "administrations" else "an administration", call.step)
    return step.next(call, Heard(digits=key), env)


def answer_step(sid: str, form, posted_step: str | None, turn: int,
                spoken: SpokenChoice | None = None) -> str:
    """Apply what was posted for `posted_step` at `turn` (None: the call comes in), or the
    choice `spoken` on the media stream, and return the TwiML of where the call is now,
    committed before Twilio speaks any of it."""
    caller = caller_number(form)
    # Most answers only move the call on: those commits wait for no fsync (on SQLite),
    # so a burst of callers dialling at once no longer waits for one fsync per call; a
    # case filed is on disk before its reference is read back.
    call_progress(db.session)
    # A call coming in has no row yet: it is inserted without being looked for first (one
    # statement fewer on the busiest webhook of a burst); its retry meets the row on insert.
    call = load_call(sid) if posted_step is not None else None
    if call is None:
        try:
            return answer_new_call(sid, caller, form, posted_step, turn, spoken)
        except IntegrityError:
            # A copy of its first webhook (Twilio retries) inserted it first, or had
            # already answered: this one answers from that row (the same TwiML).
            db.session.rollback()
            call_progress(db.session)
            call = load_call(sid)
            if call is None:
                raise
            log.info("call %s: another copy of its first webhook inserted it", sid)
    xml = respond(call, caller, form, posted_step, turn, spoken)
    db.session.commit()  # before Twilio speaks anything of it (a read reference exists)
    return xml


def answer_new_call(sid: str, caller: str | None, form, posted_step: str | None, turn: int,
                    spoken: SpokenChoice | None) -> str:
    """The first answer of a call with no row: rendered on a new Call, then inserted with
    its final values in one INSERT (an IntegrityError when the CallSid has a row)."""
    will_write(db.session)  # SQLite: the preference read below takes the write turn
    call = start_call(sid, caller, form)
    xml = respond(call, caller, form, posted_step, turn, spoken)
    insert_call(call)
    db.session.commit()  # before Twilio speaks anything of it
    return xml


def respond(call: Call, caller: str | None, form, posted_step: str | None, turn: int,
            spoken: SpokenChoice | None) -> str:
    """answer_step's work on the call's row (locked, or new and not yet inserted); the
    caller commits."""
    if call.ended_at is not None:  # a late copy after the status callback: nothing to say
        return hangup()
    # A spoken choice has a key of its own: a key pressed at the same turn is another answer.
    request_key = f"{posted_step}:{turn}" + (":said" if spoken else "")
    if call.last_request_key == request_key:
        return call.last_response  # Twilio retried: the same TwiML, nothing applied
    env = flow_env(caller)
    fresh = posted_step is not None and posted_step == call.step and turn == call.turn
    if fresh:
        step = STEPS[call.step]
        move(call, apply_spoken(call, spoken, env) if spoken
             else step.next(call, heard_from(form), env))
    elif posted_step is not None:
        # A key pressed first wins: the turn moved on, a spoken choice of it is late.
        log.info("late or replayed %s for step %s (turn %s) of a call now at %s",
                 "spoken choice" if spoken else "webhook", posted_step, turn, call.step)
    xml = render(call, env)
    call.last_request_key, call.last_response = request_key, xml
    return xml


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def start_call(sid: str, caller: str | None, form) -> Call:
    """The new call, outside the session: insert_call writes it once its first answer is
    rendered, in one INSERT with its final values (no early flush, no savepoint)."""
    call = Call(call_sid=sid, caller=caller, called=(form.get("To") or "")[:32] or None,
                step=FIRST_STEP, retries=0, turn=0, answers={}, started_at=utcnow())
    preferred = preferred_language(db.session, caller)
    if preferred:
        call.answers = {"preferred_language": preferred}
        call.language = preferred
    log.info("call %s from %s", sid, identity.mask(caller))
    return call


INSERT_CALL = insert(Call.__table__)


def insert_call(call: Call) -> None:
    """INSERT the new call's row as a Core statement: the ORM's unit of work costs about
    three times as much CPU for one row, and nothing reads the object afterwards. It
    writes the call's columns (Call has no relationship: a test says so)."""
    state = inspect(call)
    if not state.transient:  # already in the session: the commit's flush inserts it
        return
    columns = Call.__table__.columns
    db.session.execute(INSERT_CALL, {key: value for key, value in state.dict.items()
                                     if key in columns})


def resume_at(call: Call, step: str, form) -> str:
    """Send the call on to `step` (outside a step's own transition) and render it."""
    move(call, step)
    xml = render(call, flow_env(caller_number(form)))
    db.session.commit()
    return xml
