"""Pure TwiML builders: what a step says (a list of utterances) rendered as <Play> of the
recorded prompt when it exists, else <Say> in a language Twilio has a voice for — never a
<Say> of Darija, which no voice speaks."""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Callable
from typing import Union

from twilio.twiml.voice_response import Gather
from twilio.twiml.voice_response import VoiceResponse

from .long_text import say_chunks
from .prompts import PromptCatalogue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prompt:
    """A catalogue prompt; `language` overrides the call's (the multilingual language menu)."""
    key: str
    language: str | None = None


@dataclass(frozen=True)
class Spoken:
    """Free text to <Say> (an administration's name, its reply) in `language`."""
    text: str
    language: str


@dataclass(frozen=True)
class DigitString:
    """Digits read one at a time (a group of a reference, the end of a phone number)."""
    digits: str


@dataclass(frozen=True)
class Pause:
    """A short silence (between the groups of a reference)."""
    seconds: int = 1


@dataclass(frozen=True)
class Number:
    """A small number (a day of the month, a queue position)."""
    value: int


@dataclass(frozen=True)
class SpokenDate:
    """A date said as day and month (legal dates fall within the next 60 days)."""
    value: dt.date


Utterance = Union[Prompt, Spoken, DigitString, Pause, Number, SpokenDate]
MAX_SPOKEN_NUMBER = 31
# Characters XML 1.0 cannot carry (C0 controls but tab and newlines, lone surrogates,
# U+FFFE/F): one in a reply pasted from a document would make the whole TwiML invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with what XML cannot carry replaced by spaces."""
    return _NOT_XML.sub(" ", text)


@dataclass(frozen=True)
class Keys:
    """Listen for keypresses (and speech where `speech` is set and a recogniser exists)."""
    num_digits: int | None = 1      # None: until finish_on_key
    finish_on_key: str = ""         # "" lets # and * arrive as digits in one-key menus
    timeout: int = 6
    speech: bool = False
    action_on_empty: bool = False   # post even when nothing was keyed (# alone skips)
    grammar: str | None = None      # what can be said instead (heard on the media stream)


@dataclass(frozen=True)
class Recording:
    """Record after a beep; # or silence ends it."""
    max_length: int
    timeout: int = 4
    finish_on_key: str = "#"


class Voice:
    """Renders utterances in one call's language."""

    def __init__(self, catalogue: PromptCatalogue, language: str,
                 audio_url: Callable[[str, str], str]):
        self.catalogue = catalogue
        self.language = language
        self.audio_url = audio_url

    def fallback(self, code: str) -> str | None:
        """The language to use where `code` has neither a recording nor a voice."""
        return self.catalogue.language(code).fallback

    def can_say(self, code: str) -> bool:
        """True when Twilio has a voice of its own for `code` (not Darija)."""
        try:
            return self.catalogue.language(code).say is not None
        except KeyError:
            return False

    def render(self, verb, items: list[Utterance]) -> None:
        for item in items:
            if isinstance(item, Prompt):
                self.prompt(verb, item.key, item.language or self.language)
            elif isinstance(item, Spoken):
                self.spoken(verb, item.text, item.language)
            elif isinstance(item, DigitString):
                for digit in item.digits:
                    self.prompt(verb, f"digit_{digit}", self.language)
            elif isinstance(item, Pause):
                verb.pause(length=item.seconds)
            elif isinstance(item, Number):
                if 1 <= item.value <= MAX_SPOKEN_NUMBER:
                    self.prompt(verb, f"number_{item.value}", self.language)
                else:
                    self.render(verb, [DigitString(str(item.value))])
            elif isinstance(item, SpokenDate):
                self.render(verb, [Number(item.value.day)])
                self.prompt(verb, f"month_{item.value.month}", self.language)

    def prompt(self, verb, key: str, language: str) -> None:
        """<Play> the recording; else <Say> the text; else the fallback language's prompt."""
        if self.catalogue.has_audio(key, language):
            verb.play(self.audio_url(language, key))
        elif self.can_say(language):
            self.spoken(verb, self.catalogue.text(key, language), language)
        elif self.fallback(language):
            self.prompt(verb, key, self.fallback(language))
        else:
            log.error("prompt %s/%s has no recording and no voice: not said", language, key)

    def spoken(self, verb, text: str, language: str) -> None:
        """<Say> `text` with the voice of `language`, or of its fallback (never Darija);
        a long text as several <Say>, each within Twilio's limit."""
        while not self.can_say(language):
            language = self.fallback(language)
            if language is None:
                log.error("no voice can say a text: not said")
                return
        voice = self.catalogue.language(language).say
        for chunk in say_chunks(xml_safe(text)):
            verb.say(chunk, language=voice["language"], voice=voice.get("voice"))


def stream_audio(response: VoiceResponse, url: str, parameters: dict[str, str]) -> None:
    """<Start><Stream>: fork the caller's audio to the media-stream websocket `url` for the
    rest of the call, while the TwiML goes on (the stream's per-call data in `parameters`)."""
    stream = response.start().stream(url=url, track="inbound_track")
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)


def gather(response: VoiceResponse, keys: Keys, action: str, speech_language: str | None,
           hints: str | None = None) -> Gather:
    """A <Gather> posting to `action`; prompts nested in it can be interrupted by a key."""
    options = {"action": action, "method": "POST", "timeout": keys.timeout,
               "finish_on_key": keys.finish_on_key,
               "input": "dtmf speech" if keys.speech and speech_language else "dtmf"}
    if keys.num_digits:
        options["num_digits"] = keys.num_digits
    if keys.speech and speech_language:
        options.update(language=speech_language, speech_timeout="auto")
        if hints:
            options["hints"] = hints
    if keys.action_on_empty:
        options["action_on_empty_result"] = True
    return response.gather(**options)


def record(response: VoiceResponse, spec: Recording, action: str, status_callback: str) -> None:
    response.record(action=action, method="POST", max_length=spec.max_length,
                    timeout=spec.timeout, finish_on_key=spec.finish_on_key, play_beep=True,
                    recording_status_callback=status_callback,
                    recording_status_callback_method="POST",
                    recording_status_callback_event="completed")


def hangup_with(voice: Voice, items: list[Utterance]) -> str:
    response = VoiceResponse()
    voice.render(response, items)
    response.hangup()
    return str(response)


def technical_problem(voice: Voice) -> str:
    """What a caller hears when something went wrong on our side: an apology, then goodbye."""
    return hangup_with(voice, [Prompt("technical_problem"), Prompt("goodbye")])
