"""Spoken choices heard on the call's media stream: a stream listener that runs, for the
step the call is at, a recogniser restricted to that step's grammar, and moves the live
call (a REST update, ivr/live_update.py) to the step's action with what it heard — the same
transition and turn-based idempotency as the key it stands for.

What the call listens for is on its Call row (`listening`: step, turn, grammar, language,
action URL), written by the step engine of whichever process rendered the step; the
listener reads it at most every POLL_SECONDS, not per chunk, and starts a new recogniser
when the step or turn changes.

The language menu is heard only for a caller whose language is known (a returning caller,
in their last language): the stream is forked as soon as the call's language has a model,
and before that no recogniser could be chosen without guessing. The menu is multilingual,
a model forces any speech onto its grammar's words (no [unk]: a Darija "ah" would come out
as a French word with high confidence on a French model), and running every model on every
new call would multiply the cost of a step the keypad settles with one key.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask
from sqlalchemy import select

from shared.extensions import db
from shared.models import Call

from ..live_update import redirect_call
from ..live_update import with_query
from .grammars import load_grammar
from .recognizer import Recognizer
from .recognizer import Segment
from .recognizer import VoskRecognizer
from .runtime import speech_models
from .runtime import vosk_languages

log = logging.getLogger(__name__)
POLL_SECONDS = 0.3  # how often the call's listening state is read (a step lasts seconds)
UNKNOWN = "[unk]"  # vosk's out-of-grammar word
RECOGNIZERS = "spoken_choice_recognizers"  # app.extensions: tests put a scripted factory here


@dataclass(frozen=True)
class Listening:
    """What the call listens for now (Call.listening)."""
    step: str
    turn: int
    grammar: str
    language: str
    action: str

    @classmethod
    def from_row(cls, value) -> Listening | None:
        try:
            return cls(**{name: value[name] for name in
                          ("step", "turn", "grammar", "language", "action")})
        except (KeyError, TypeError):
            return None


RecognizerFactory = Callable[[Flask, str, list[str]], "Recognizer | None"]


def vosk_recognizer(app: Flask, language: str, phrases: list[str]) -> Recognizer | None:
    """A grammar recogniser on the language's model (None without a model or phrases).
    "[unk]" takes what is outside the grammar where the model has it (the production models
    do; without it vosk ignores it with a warning, and speech is forced onto the phrases):
    what comes out as "[unk]" names no choice, so the caller is asked for keys."""
    model = speech_models(app).get(language)
    return VoskRecognizer(model, [*phrases, UNKNOWN]) if model is not None and phrases \
        else None


class ChoiceListener:
    """One call's spoken-choice listener (fed by one recogniser worker at a time)."""

    def __init__(self, app: Flask, call_sid: str, recognizers: RecognizerFactory | None = None,
                 poll_seconds: float = POLL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.app, self.call_sid = app, call_sid
        self._recognizers = recognizers or app.extensions.get(RECOGNIZERS, vosk_recognizer)
        self._poll_seconds, self._clock = poll_seconds, clock
        self._read_at: float | None = None
        self._state: Listening | None = None
        self._current: Listening | None = None
        self._recognizer: Recognizer | None = None
        self._grammar = None
        self._asked_for_keys: set[str] = set()  # steps where a misheard choice asked for keys

    # -- the StreamListener protocol ---------------------------------------------------------
    def feed(self, pcm: bytes) -> None:
        state = self._listening()
        if state != self._current:
            self._listen_for(state)
        if self._recognizer is None:
            return
        try:
            segments = self._recognizer.feed(pcm)
        except Exception:  # noqa: BLE001 - a recogniser fault leaves the keypad working
            log.exception("call %s: the spoken-choice recogniser failed", self.call_sid)
            self._recognizer = None
            return
        for segment in segments:
            if segment.final and self._recognizer is not None:
                self._heard(state, segment)

    def close(self) -> None:
        """The stream ended: the call hung up or left; nothing is sent any more."""
        self._recognizer, self._current = None, None

    # -- what the call listens for -----------------------------------------------------------
    def _read_state(self) -> Listening | None:
        with self.app.app_context():
            row = db.session.execute(select(Call.listening, Call.ended_at)
                                     .where(Call.call_sid == self.call_sid)).first()
            db.session.remove()
        if row is None or row.ended_at is not None or not row.listening:
            return None
        return Listening.from_row(row.listening)

    def _listening(self) -> Listening | None:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self._poll_seconds:
            self._state, self._read_at = self._read_state(), now
        return self._state

    def _listen_for(self, state: Listening | None) -> None:
        """A new step or turn: a new recogniser on its grammar (None: nothing to hear)."""
        self._current, self._recognizer, self._grammar = state, None, None
        if state is None:
            return
        try:
            with self.app.app_context():
                self._grammar = load_grammar(state.language, state.grammar)
                self._recognizer = self._recognizers(self.app, state.language,
                                                     list(self._grammar.phrases))
                db.session.remove()
        except Exception:  # noqa: BLE001 - no grammar, no speech: the keypad still works
            log.exception("call %s: no recogniser for grammar %s in %s", self.call_sid,
                          state.grammar, state.language)
            self._recognizer = None

    # -- what was heard ------------------------------------------------------------------------
    def _heard(self, state: Listening, segment: Segment) -> None:
        minimum = self.app.config["SPEECH_MIN_CONFIDENCE"]
        confident = segment.confidence is not None and segment.confidence >= minimum
        intent = None
        if confident:
            with self.app.app_context():  # administrations are matched against the table
                intent = self._grammar.intent(segment.text)
                db.session.remove()
        if intent is not None:
            self._move(state, said=intent)
        elif state.step not in self._asked_for_keys:
            # Asked once per step: noise heard again and again must not loop the prompt.
            self._asked_for_keys.add(state.step)
            log.info("call %s: speech at step %s not understood (confidence %s): keys asked",
                     self.call_sid, state.step, segment.confidence)
            self._move(state, unclear="1")

    def _move(self, state: Listening, **query: str) -> None:
        """Move the call to the step's action (if it still listens at that turn)."""
        self._recognizer = None  # one decision per turn; the next turn brings a new one
        latest = self._state = self._read_state()
        if latest is None or (latest.step, latest.turn) != (state.step, state.turn):
            log.info("call %s: a choice heard at step %s came after a key: not sent",
                     self.call_sid, state.step)
            return
        with self.app.app_context():
            sent = redirect_call(self.call_sid, with_query(state.action, **query))
        if not sent:
            self._current = None  # listen again at this turn: the keypad is still there


def listener_for(app: Flask, call_sid: str, language: str) -> ChoiceListener | None:
    """The stream listener factory registered at app start: a listener for calls in a line
    where some language is heard offline (the call's language may change on its menu)."""
    return ChoiceListener(app, call_sid) if vosk_languages(app) else None
