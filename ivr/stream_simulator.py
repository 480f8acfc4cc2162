"""Twilio's side of a media stream, simulated: a signed websocket upgrade to /ivr/media,
then `connected`, `start` (with the call's parameters), 20 ms `media` frames of 8 kHz
mu-law in base64 JSON, and `stop`, the way Twilio sends them. The tests and the streams
benchmark (bench/media_streams.py) drive the server with it."""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlsplit

from simple_websocket import Client
from twilio.request_validator import RequestValidator

from .speech.mulaw import FRAME_BYTES

FRAME_SECONDS = 0.02


def frames(mulaw: bytes) -> list[bytes]:
    """`mulaw` cut in 160-byte (20 ms) frames, the last one padded with silence."""
    padded = mulaw + b"\xff" * (-len(mulaw) % FRAME_BYTES)
    return [padded[i:i + FRAME_BYTES] for i in range(0, len(padded), FRAME_BYTES)]


def signature(auth_token: str, public_url: str) -> str:
    """Twilio's X-Twilio-Signature of a websocket upgrade (the URL, no parameters)."""
    return RequestValidator(auth_token).compute_signature(public_url, {})


class TwilioStream:
    """One media stream, as Twilio opens it. `server_url` is where the server listens
    (ws://127.0.0.1:port/ivr/media); `public_url` is what Twilio signs (wss://...)."""

    def __init__(self, server_url: str, public_url: str, auth_token: str | None,
                 stream_sid: str = "MZ" + "0" * 32, forged_signature: str | None = None):
        headers = {}
        if auth_token or forged_signature:
            headers["X-Twilio-Signature"] = forged_signature or signature(auth_token,
                                                                          public_url)
        self.ws = Client.connect(server_url, headers=headers)
        self.stream_sid = stream_sid
        self.sequence = 0
        self.chunk = 0
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})

    def send(self, message: dict) -> None:
        self.sequence += 1
        self.ws.send(json.dumps({**message, "sequenceNumber": str(self.sequence)}))

    def start(self, call_sid: str, token: str, **extra_parameters) -> None:
        self.send({"event": "start", "streamSid": self.stream_sid, "start": {
            "streamSid": self.stream_sid, "callSid": call_sid, "accountSid": "AC" + "0" * 32,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"call_sid": call_sid, "token": token, **extra_parameters}}})

    def media(self, frame: bytes) -> None:
        self.chunk += 1
        self.send({"event": "media", "streamSid": self.stream_sid, "media": {
            "track": "inbound", "chunk": str(self.chunk),
            "timestamp": str(int((self.chunk - 1) * FRAME_SECONDS * 1000)),
            "payload": base64.b64encode(frame).decode()}})

    def play(self, mulaw: bytes, paced: bool = False) -> float:
        """Send `mulaw` as Twilio would; paced: one frame every 20 ms, in real time.
        Returns the monotonic time the last frame went out."""
        began = time.monotonic()
        for index, frame in enumerate(frames(mulaw)):
            if paced:
                delay = began + index * FRAME_SECONDS - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            self.media(frame)
        return time.monotonic()

    def mark(self, name: str) -> None:
        self.send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    def stop(self) -> None:
        self.send({"event": "stop", "streamSid": self.stream_sid,
                   "stop": {"accountSid": "AC" + "0" * 32}})

    def receive(self, timeout: float) -> str | None:
        """What the server sends (nothing, normally); raises ConnectionClosed once closed."""
        return self.ws.receive(timeout=timeout)

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - already closed by the server
            pass


def websocket_url(http_base: str, path: str = "/ivr/media") -> str:
    """ws:// URL of `path` on a server reached at `http_base` (http://host:port)."""
    parts = urlsplit(http_base)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{path}"
