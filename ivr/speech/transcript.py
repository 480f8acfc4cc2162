"""The live transcript of a call for agents: a stream listener (runtime.py) that runs a
free-form vosk recogniser in the call's language on the call's audio, emits each partial
and final segment over Socket.IO to that call's room only, and stores the finals in order.

Socket.IO event `transcript_segment` (namespace "/"), sent to room `call:<CallSid>`; a
console connection joins it with `join_call_room(sid, call_sid)` once the agent may see
that call (authenticate in the console's `connect`/join handler). Payload:

    {"call_sid": "CA...", "seq": 3, "final": false, "text": "...",
     "start": 1.2 | null, "end": 2.5 | null, "confidence": 0.93 | null}

- `seq` numbers the call's final segments from 1; partials carry the `seq` of the final
  they will become, so a console replaces partial n by the next partial n, then by final n.
  Segments arrive in order for a call.
- `start`/`end` are seconds from the start of the stream (a partial has only `end`: how
  much audio was heard); `confidence` (0-1, mean of the words') only on finals.
- `text` is masked: CIN-like and phone-like digit runs are stars (privacy.py).
Finals are stored in `transcript_segments` (same seq, text, times and confidence); the
case filed from the call reaches them through calls.case_id (`case_transcript`).
"""
from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.extensions import db
from shared.extensions import socketio
from shared.models import Call
from shared.models import TranscriptSegment
from shared.notify import queue_event

from .mulaw import SAMPLE_RATE
from .privacy import mask_transcript
from .recognizer import Recognizer
from .recognizer import Segment
from .recognizer import VoskRecognizer
from .runtime import speech_models
from .runtime import vosk_languages

log = logging.getLogger(__name__)
EVENT = "transcript_segment"


def call_room(call_sid: str) -> str:
    return f"call:{call_sid}"


def join_call_room(sid: str, call_sid: str, namespace: str = "/") -> None:
    """Put the Socket.IO connection `sid` in the room of a call's transcript (the caller
    of this checks that the agent may see the call)."""
    socketio.server.enter_room(sid, call_room(call_sid), namespace=namespace)


class TranscriptListener:
    """Feeds one call's audio to its recogniser and publishes what comes out."""

    def __init__(self, call_id: int, call_sid: str, recognizer: Recognizer, next_seq: int):
        self.call_id, self.call_sid = call_id, call_sid
        self.recognizer = recognizer
        self.seq = next_seq
        self.heard_bytes = 0

    def feed(self, pcm: bytes) -> None:
        self.heard_bytes += len(pcm)
        for segment in self.recognizer.feed(pcm):
            self.publish(segment)

    def close(self) -> None:
        for segment in self.recognizer.finish():
            self.publish(segment)

    def publish(self, segment: Segment) -> None:
        payload = {"call_sid": self.call_sid, "seq": self.seq, "final": segment.final,
                   "text": mask_transcript(segment.text), "start": segment.start,
                   "end": segment.end if segment.final else self.heard_seconds(),
                   "confidence": segment.confidence}
        if not segment.final:
            emit(payload, self.call_sid)
            return
        self.seq += 1
        try:
            db.session.add(TranscriptSegment(
                call_id=self.call_id, seq=payload["seq"], text=payload["text"],
                start_seconds=payload["start"], end_seconds=payload["end"],
                confidence=payload["confidence"]))
            queue_event(db.session, EVENT, payload, call_room(self.call_sid))
            db.session.commit()  # the event goes out once the segment is saved
        except Exception:  # noqa: BLE001 - the agent still sees it live
            db.session.rollback()
            log.exception("transcript segment %d of call %s not stored", payload["seq"],
                          self.call_sid)
            emit(payload, self.call_sid)

    def heard_seconds(self) -> float:
        return round(self.heard_bytes / (2 * SAMPLE_RATE), 2)


def emit(payload: dict, call_sid: str) -> None:
    try:
        socketio.emit(EVENT, payload, to=call_room(call_sid))
    except Exception:  # noqa: BLE001 - a console that cannot hear must not stop the call
        log.exception("could not emit a transcript segment of call %s", call_sid)


def transcript_listener(app: Flask, call_sid: str, language: str) -> TranscriptListener | None:
    """The listener factory (on a recogniser worker): None when the call's language has
    no usable model (no transcript; the call goes on) or the call is unknown."""
    # A broken model answers None here (SpeechModels logs why, once).
    model = speech_models(app).get(language) if language in vosk_languages(app) else None
    if model is None:
        log.info("no live transcript for call %s: no usable speech model for %r",
                 call_sid, language)
        return None
    call_id = db.session.scalar(select(Call.id).where(Call.call_sid == call_sid))
    if call_id is None:
        return None
    last = db.session.scalar(select(func.max(TranscriptSegment.seq)).where(
        TranscriptSegment.call_id == call_id)) or 0
    db.session.close()
    return TranscriptListener(call_id, call_sid, VoskRecognizer(model), last + 1)


def case_transcript(session: Session, case_id: int) -> list[TranscriptSegment]:
    """The stored transcript of the calls a case was filed from, in order."""
    return list(session.scalars(
        select(TranscriptSegment).join(Call, Call.id == TranscriptSegment.call_id)
        .where(Call.case_id == case_id)
        .order_by(Call.started_at, TranscriptSegment.call_id, TranscriptSegment.seq)))
