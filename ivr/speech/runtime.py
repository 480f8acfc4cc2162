"""The speech parts of the running app: its models (one `SpeechModels` per app, created on
first use) and the listeners that each call's media stream feeds.

A stream listener gets a call's audio as 16-bit 8 kHz PCM, always on a recogniser worker,
never on the websocket reader: the live transcript for agents is one listener, the spoken
choices of the IVR's menus another. Packages register a factory at app start:

    register_stream_listener(app, lambda app, call_sid, language: MyListener(...) or None)
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable
from typing import Protocol

from flask import Flask
from flask import current_app

from ..prompts import catalogue
from .models import SpeechModels

VOSK_MODES = ("auto", "vosk")  # SPEECH_INPUT values under which vosk recognises speech


class StreamListener(Protocol):
    def feed(self, pcm: bytes) -> None:
        """Audio of the call, in order, in chunks of 100 ms or more."""

    def close(self) -> None:
        """The stream ended (the call hung up, was bridged, or the stream dropped)."""


ListenerFactory = Callable[[Flask, str, str], "StreamListener | None"]


def speech_models(app: Flask | None = None) -> SpeechModels:
    """This app's models (created on first use; nothing is loaded until a language asks)."""
    app = app or current_app
    models = app.extensions.get("speech_models")
    if models is None:
        fallbacks = {language.code: language.fallback for language in catalogue().languages}
        models = app.extensions.setdefault(
            "speech_models", SpeechModels(Path(app.config["SPEECH_MODELS_DIR"]), fallbacks))
    return models


def vosk_languages(app: Flask | None = None) -> frozenset[str]:
    """Languages whose speech vosk recognises in this app (none unless SPEECH_INPUT asks)."""
    app = app or current_app
    if app.config["SPEECH_INPUT"] not in VOSK_MODES:
        return frozenset()
    return frozenset(speech_models(app).languages())


def register_stream_listener(app: Flask, factory: ListenerFactory) -> None:
    app.extensions.setdefault("stream_listeners", []).append(factory)


def stream_listeners(app: Flask | None = None) -> list[ListenerFactory]:
    return list((app or current_app).extensions.get("stream_listeners", []))
