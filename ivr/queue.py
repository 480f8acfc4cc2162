"""The agents' queue: whether a caller may be queued (opening hours, queue size), the
<Enqueue> with the media stream forked first, what a waiting caller hears, and what a
caller leaving the queue means for the call."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from shared import call_queue
from shared import opening_hours
from shared.extensions import db
from shared.models import Call
from shared.models import utcnow
from shared.urls import public_endpoint
from shared.urls import public_websocket

from .twiml import Number
from .twiml import Prompt
from .twiml import Voice
from .twiml import stream_audio

# The Enqueue action's QueueResult values that end the call (others: voicemail or callback).
ENDED = ("bridged", "hangup")


def queue_length() -> int:
    """Calls queued or with an agent now (ix_calls_active keeps this off a full scan)."""
    return db.session.scalar(select(func.count(Call.id)).where(
        Call.ended_at.is_(None), Call.step == "agent")) or 0


def can_queue() -> bool:
    """Agents answer now and the queue has room."""
    opening = opening_hours.current(db.session)
    return opening.is_open(utcnow()) and queue_length() < current_app.config["QUEUE_MAX_SIZE"]


def stream_token(sid: str) -> str:
    """Authenticates the media stream of a call (Twilio connects from anywhere)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"stream:{sid}".encode(), hashlib.sha256).hexdigest()


def fork_audio(response: VoiceResponse, call: Call) -> None:
    """Fork the caller's audio to the media-stream websocket, once a call: the stream runs
    until the call ends, and Twilio allows one bidirectional stream or four one-way tracks
    per call, so a call whose audio is already forked (for its spoken choices) gets none."""
    if call.stream_started_at is not None:
        return
    stream_audio(response, public_websocket("ivr.media_stream"),
                 {"call_sid": call.call_sid, "token": stream_token(call.call_sid)})
    call.stream_started_at = utcnow()


def enqueue(response: VoiceResponse, call: Call) -> None:
    """Fork the caller's audio to the media-stream websocket (unless it already is), then
    queue for an agent."""
    config = current_app.config
    fork_audio(response, call)
    response.enqueue(config["QUEUE_NAME"], action=public_endpoint("ivr.queue_done", t=call.turn),
                     method="POST", wait_url=public_endpoint("ivr.queue_wait"),
                     wait_url_method="POST")
    call.outcome = "agent"
    # Back in the queue after a claim that failed: the caller keeps their place.
    call.queued_at = call.queued_at or utcnow()
    call_queue.announce_waiting(db.session, call)  # to the consoles, once this commits


def while_waiting(voice: Voice, waited: int, position: int) -> str:
    """The wait URL's TwiML: the caller's position, then hold music; too long a wait
    leaves the queue (the Enqueue action then offers voicemail or a callback)."""
    response = VoiceResponse()
    if waited > current_app.config["QUEUE_MAX_WAIT_SECONDS"]:
        response.leave()
        return str(response)
    if position > 0:
        voice.render(response, [Prompt("queue_position"), Number(position)])
    response.play(public_endpoint("ivr.hold_audio"))
    return str(response)


def left_queue(call: Call, result: str) -> bool:
    """Record why the caller left the queue; True when the call ends there (bridged to an
    agent, or hung up waiting), False when it goes on to voicemail or callback."""
    call_queue.announce_gone(db.session, call.call_sid, "left")
    if result in ENDED:
        if result == "hangup":  # the caller gave up waiting: the line's key figure
            call.outcome = "abandoned_in_queue"
        return True
    call.outcome = None
    return False
