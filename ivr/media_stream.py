"""Twilio Media Streams on /ivr/media: the websocket that carries a call's audio
(`connected`, `start`, then `media` every 20 ms, `mark`, `stop`; JSON text messages with
base64 8 kHz mu-law payloads).

Twilio connects from anywhere, so the stream authenticates itself twice: the upgrade
request is signed by Twilio over its wss:// URL (checked against PUBLIC_BASE_URL before
the upgrade), and the `start` message's parameters carry the call's SID and its token
(ivr/queue.py `stream_token`), bound to a call that is still live. Nothing is recognised
before both hold. A message over 64 KB, a flood (more messages a second than Twilio ever
sends), a malformed message or silence on the socket closes the stream; the server keeps
serving.

This module is the reader: it decodes the audio and hands 100 ms chunks to the recogniser
pool (ivr/speech/pipeline.py), never recognising anything itself (a slow reader makes
Twilio drop audio). Logs name the CallSid (not personal data), never the caller's number.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass
from dataclasses import field

from flask import Flask
from flask import Response
from simple_websocket import ConnectionClosed
from simple_websocket import Server
from sqlalchemy import select
from wsproto.frame_protocol import CloseReason

from shared.extensions import db
from shared.models import Call
from shared.urls import requested_public_url

from .queue import stream_token
from .security import is_signed_by_twilio
from .speech import mulaw
from .speech.pipeline import StreamPipeline
from .speech.pipeline import recognition_pool
from .speech.runtime import stream_listeners
from .speech.transcript import transcript_listener

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024   # a media message is about 300 bytes; Twilio's largest < 2 KB
MAX_MESSAGES_PER_SECOND = 200   # Twilio sends 50 (one per 20 ms frame) plus a few marks
START_TIMEOUT_SECONDS = 10      # `connected` and `start` come at once
IDLE_TIMEOUT_SECONDS = 30       # Twilio sends audio, silence included, every 20 ms
CHUNK_BYTES = mulaw.SAMPLE_RATE * 2 // 10  # 100 ms of 16-bit PCM: what the recognisers get

_readers_lock = threading.Lock()
_readers = 0  # websockets being read now in this process


def open_readers() -> int:
    """How many media streams this process is reading now."""
    return _readers


def websocket_url() -> str:
    """The URL Twilio signed: the public one, with the websocket scheme, and the query."""
    url = requested_public_url()
    return url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def is_signed_upgrade() -> bool:
    """Twilio's signature of the upgrade request: over the wss:// URL, no parameters."""
    return is_signed_by_twilio(websocket_url(), {})


class FloodGuard:
    """A token bucket: `rate` messages a second sustained, bursts of one second's worth."""

    def __init__(self, rate: int, clock=time.monotonic):
        self.rate, self._clock = rate, clock
        self._tokens, self._last = float(rate), clock()

    def allow(self) -> bool:
        now = self._clock()
        self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class StreamClosed(Exception):
    """The stream must end now (the reason is logged)."""


@dataclass
class StartedStream:
    call_sid: str
    stream_sid: str
    pipeline: StreamPipeline | None  # None: accepted, not transcribed
    pcm: bytearray = field(default_factory=bytearray)  # audio waiting for a full chunk


def live_call(call_sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.call_sid == call_sid,
                                                Call.ended_at.is_(None)))


class MediaStream:
    """One websocket connection, from `connected` to `stop` (or a drop)."""

    def __init__(self, ws: Server, app: Flask):
        self.ws, self.app = ws, app
        self.flood = FloodGuard(MAX_MESSAGES_PER_SECOND)
        self.started: StartedStream | None = None
        self.frames = 0
        self.frame_seconds: list[float] = []  # the reader's time per media message
        self.ended = "dropped"
        self.close_code = CloseReason.NORMAL_CLOSURE

    def run(self) -> None:
        try:
            while self.read_one():
                pass
        except StreamClosed as reason:
            self.ended = str(reason)
            self.close_code = CloseReason.POLICY_VIOLATION
            log.warning("media stream closed: %s (call %s)", reason, self.call_sid)
        except ConnectionClosed:
            if self.ws.incoming_message_len > MAX_MESSAGE_BYTES:  # simple-websocket's cut
                self.ended = "message too big"
                log.warning("media stream closed: a message over %d bytes (call %s)",
                            MAX_MESSAGE_BYTES, self.call_sid)
        finally:
            self.finish()

    @property
    def call_sid(self) -> str:
        return self.started.call_sid if self.started else "unknown"

    def read_one(self) -> bool:
        """Handle one message; False once the stream stopped."""
        timeout = IDLE_TIMEOUT_SECONDS if self.started else START_TIMEOUT_SECONDS
        raw = self.ws.receive(timeout=timeout)
        if raw is None:
            raise StreamClosed(f"nothing received for {timeout} s")
        if not self.flood.allow():
            raise StreamClosed(f"more than {MAX_MESSAGES_PER_SECOND} messages a second")
        message = parse(raw)
        event = message.get("event")
        if event == "start":
            self.start(message)
        elif event == "media":
            self.media(message)
        elif event == "stop":
            self.ended = "stopped"
            return False
        return True  # `connected`, `mark` and events Twilio may add: nothing to do

    def start(self, message: dict) -> None:
        if self.started is not None:
            raise StreamClosed("a second start message")
        start = message.get("start") if isinstance(message.get("start"), dict) else {}
        parameters = start.get("customParameters")
        parameters = parameters if isinstance(parameters, dict) else {}
        call_sid, token = str(parameters.get("call_sid", ""))[:64], parameters.get("token")
        if not isinstance(token, str) or not call_sid \
                or not hmac.compare_digest(token.encode(), stream_token(call_sid).encode()):
            raise StreamClosed("forged or altered stream token")
        call = live_call(call_sid)
        language = call.language if call else None
        db.session.close()  # no connection held for the length of the call
        if call is None:
            raise StreamClosed(f"call {call_sid} is unknown or has ended")
        self.started = StartedStream(call_sid, str(start.get("streamSid", ""))[:64],
                                     self.open_pipeline(call_sid, language, start))
        log.info("media stream started for call %s (%s)", call_sid,
                 "transcribed" if self.started.pipeline else "not transcribed")

    def open_pipeline(self, call_sid: str, language: str | None, start: dict):
        media_format = start.get("mediaFormat") or {}
        if media_format.get("encoding", "audio/x-mulaw") != "audio/x-mulaw" \
                or media_format.get("sampleRate", mulaw.SAMPLE_RATE) != mulaw.SAMPLE_RATE:
            log.warning("media stream of call %s not transcribed: audio format %s",
                        call_sid, media_format)
            return None
        app = self.app

        def open_listeners():  # on a recogniser worker: model loading takes seconds
            factories = [transcript_listener, *stream_listeners(app)]
            listeners = (factory(app, call_sid, language or "") for factory in factories)
            return [listener for listener in listeners if listener is not None]
        return recognition_pool(app).open(call_sid, open_listeners)

    def media(self, message: dict) -> None:
        began = time.perf_counter()
        if self.started is None:
            raise StreamClosed("audio before the start message")
        media = message.get("media") if isinstance(message.get("media"), dict) else {}
        try:
            audio = base64.b64decode(media.get("payload") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise StreamClosed("a media payload that is not base64") from None
        self.frames += 1
        started = self.started
        if started.pipeline is not None:
            started.pcm += mulaw.to_pcm16(audio)
            if len(started.pcm) >= CHUNK_BYTES:
                started.pipeline.feed(bytes(started.pcm))
                started.pcm.clear()
        if len(self.frame_seconds) < 360_000:  # two hours of frames at most
            self.frame_seconds.append(time.perf_counter() - began)

    def finish(self) -> None:
        """Flush what audio is left and close the recognisers, however the stream ended."""
        started = self.started
        if started is not None and started.pipeline is not None:
            if started.pcm:
                started.pipeline.feed(bytes(started.pcm))
            started.pipeline.close()
        log.info("media stream ended (%s) for call %s: %d frames, reader p99 %.3f ms",
                 self.ended, self.call_sid, self.frames, p99(self.frame_seconds) * 1000)


def parse(raw) -> dict:
    try:
        message = json.loads(raw)
    except (ValueError, TypeError):
        raise StreamClosed("a message that is not JSON") from None
    if not isinstance(message, dict):
        raise StreamClosed("a message that is not a JSON object")
    return message


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def serve(environ, app: Flask) -> Server:
    """Accept the websocket upgrade and read the stream until it ends; returns the socket
    (closed) so the view can tell the server how to finish the request."""
    global _readers
    ws = Server(environ, max_message_size=MAX_MESSAGE_BYTES)
    stream = MediaStream(ws, app)
    with _readers_lock:
        _readers += 1
    try:
        stream.run()
    finally:
        try:
            ws.close(reason=stream.close_code)
        except ConnectionClosed:
            pass
        with _readers_lock:
            _readers -= 1
    return ws


class AfterWebsocket(Response):
    """What the view returns once the websocket is closed: the server must not write an
    HTTP response on that socket. gunicorn is told to drop the connection (StopIteration,
    as its own async workers do); werkzeug's write fails quietly on the closed socket."""

    def __init__(self, ws: Server):
        super().__init__()
        self.mode = ws.mode

    def __call__(self, environ, start_response):
        if self.mode == "gunicorn":
            raise StopIteration()
        if self.mode == "werkzeug":
            return super().__call__(environ, start_response)
        return []
