"""What Twilio posted, read defensively: every field cut to a sane length, odd values
dropped, numbers clamped. Webhooks are signed, but Twilio adds fields and values without
notice, and nothing posted may raise or reach the database unchecked."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from shared import identity

from .flow import Heard

MAX_DIGITS = 32          # more keys than any step needs: the rest is ignored
MAX_SECONDS = 86_400     # Twilio ends every call within 24 hours
MAX_QUEUE_POSITION = 5_000  # Twilio's largest queue
INTENT = re.compile(r"^[A-Za-z0-9_]{1,32}$")  # a menu intent, a language code, a keypad code


def printable(value: str | None, limit: int) -> str | None:
    """`value` cut to `limit` and kept only if printable (no NUL reaches the database)."""
    value = (value or "")[:limit]
    return value if value and value.isprintable() else None


def bounded_number(value: str | None, limit: int) -> int | None:
    """A whole number as Twilio sends it (ASCII digits), capped at `limit`; None when it is
    not one. Never int() of thousands of digits (a ValueError) nor a number no column holds."""
    value = (value or "").strip()
    if not value or not (value.isascii() and value.isdigit()):
        return None
    value = value.lstrip("0") or "0"
    if len(value) > len(str(limit)):
        return limit
    return min(int(value), limit)


def record_id(value: str | None) -> int | None:
    """A row's id from a query string (ASCII digits, above 0, that a column holds)."""
    value = value or ""
    if not (value.isascii() and value.isdigit() and len(value) <= 9 and int(value) > 0):
        return None
    return int(value)


def call_sid(form) -> str | None:
    sid = form.get("CallSid", "").strip()
    return sid if sid and len(sid) <= 64 and sid.isprintable() else None


def caller_number(form) -> str | None:
    """The caller's number in E.164 when Twilio gave a real one (not 'anonymous')."""
    return e164(form.get("From", "")[:32])


@functools.lru_cache(maxsize=4096)
def e164(value: str) -> str | None:
    """Parsed once per number (phonenumbers takes about 0.1 ms), not at every webhook of
    every call from it; a few thousand numbers at most are kept."""
    try:
        return identity.normalise_phone(value)
    except identity.InvalidIdentity:
        return None


def heard_from(form) -> Heard:
    digits = form.get("Digits")
    if digits is not None:
        digits = "".join(c for c in digits if c in "0123456789*#")[:MAX_DIGITS]
    duration = bounded_number(form.get("RecordingDuration"), MAX_SECONDS) or 0
    return Heard(digits=digits, speech=printable(form.get("SpeechResult"), 500),
                 recording_url=printable(form.get("RecordingUrl"), 1000),
                 recording_sid=printable(form.get("RecordingSid"), 64),
                 recording_duration=duration)


@dataclass(frozen=True)
class SpokenChoice:
    """A choice heard on the media stream, in the query of a live call update's URL:
    `said=<intent>`, or `unclear=1` when speech was heard but not understood (intent None)."""
    intent: str | None


def spoken_choice(args) -> SpokenChoice | None:
    """The spoken choice an update URL carries; None for an ordinary webhook. An intent of
    an odd shape counts as not understood (the caller is asked for keys)."""
    if "said" in args:
        said = args.get("said", "")
        return SpokenChoice(said if INTENT.match(said) else None)
    if args.get("unclear"):
        return SpokenChoice(None)
    return None
