"""Recognisers behind one small interface: feed 16-bit PCM, get transcript segments.
`VoskRecognizer` runs the real engine (free speech, or restricted to a grammar's phrases);
`ScriptedRecognizer` is the deterministic fake for flow logic in tests."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable
from typing import Protocol

from .mulaw import SAMPLE_RATE


@dataclass(frozen=True)
class Segment:
    """A piece of transcript: a partial one may still change, a final one will not."""
    text: str
    final: bool
    start: float | None = None       # seconds from the start of the audio fed
    end: float | None = None
    confidence: float | None = None  # mean word confidence, 0-1 (finals only)


class Recognizer(Protocol):
    def feed(self, pcm: bytes) -> list[Segment]:
        """Take audio; return the segments it produced (a partial, or a final)."""

    def finish(self) -> list[Segment]:
        """The end of the audio: the last final segment, if anything was heard."""


def grammar_json(phrases: Iterable[str]) -> str:
    """vosk's grammar argument. Not ASCII-escaped: vosk would look up the escapes
    (\\ub124...) as words, miss them all and recognise nothing."""
    return json.dumps(sorted(set(phrases)), ensure_ascii=False)


class VoskRecognizer:
    """One stream's vosk recogniser (not thread-safe: one stream, one worker at a time)."""

    def __init__(self, model, phrases: Iterable[str] | None = None,
                 sample_rate: int = SAMPLE_RATE):
        from vosk import KaldiRecognizer
        self._kaldi = KaldiRecognizer(model, sample_rate, grammar_json(phrases)) \
            if phrases is not None else KaldiRecognizer(model, sample_rate)
        self._kaldi.SetWords(True)
        self._last_partial = ""

    def feed(self, pcm: bytes) -> list[Segment]:
        if self._kaldi.AcceptWaveform(pcm):
            return self._final(self._kaldi.Result())
        partial = json.loads(self._kaldi.PartialResult()).get("partial", "")
        if partial and partial != self._last_partial:
            self._last_partial = partial
            return [Segment(partial, final=False)]
        return []

    def finish(self) -> list[Segment]:
        return self._final(self._kaldi.FinalResult())

    def _final(self, raw: str) -> list[Segment]:
        self._last_partial = ""
        result = json.loads(raw)
        text, words = result.get("text", "").strip(), result.get("result", [])
        if not text:
            return []
        confidence = sum(word.get("conf", 0.0) for word in words) / len(words) \
            if words else None
        return [Segment(text, final=True, start=words[0]["start"] if words else None,
                        end=words[-1]["end"] if words else None, confidence=confidence)]


class ScriptedRecognizer:
    """A fake: says each scripted segment once `after_bytes` of audio have been fed."""

    def __init__(self, script: Iterable[tuple[int, Segment]]):
        self._script = sorted(script, key=lambda item: item[0])
        self._fed = 0

    def feed(self, pcm: bytes) -> list[Segment]:
        self._fed += len(pcm)
        due = [segment for after, segment in self._script if after <= self._fed]
        self._script = [(after, s) for after, s in self._script if after > self._fed]
        return due

    def finish(self) -> list[Segment]:
        rest, self._script = [segment for _, segment in self._script], []
        return rest
