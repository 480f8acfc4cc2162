"""Recognising an administration from what a caller said (Twilio's SpeechResult today, the
vosk recogniser of the speech work later: both hand text to `match_administration`)."""
from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import administrations
from shared.administrations import fold
from shared.models import Administration

_lock = threading.Lock()
_index: dict = {"stamp": None, "phrases": {}}
MIN_PHRASE_LENGTH = 3


def _phrases(admin: Administration, language: str) -> set[str]:
    names = [admin.names.get(language), admin.names.get("ar"), admin.names.get("fr"),
             admin.acronym]
    names += (admin.synonyms or {}).get(language, [])
    return {fold(name) for name in names if name and len(fold(name)) >= MIN_PHRASE_LENGTH}


def _phrase_index(session: Session, language: str) -> dict[str, set[str]]:
    """{folded phrase: {codes}}, rebuilt when the administrations change (an admin's edit
    included: shared.administrations.version)."""
    stamp = administrations.version(session)
    with _lock:
        if _index["stamp"] != stamp:
            _index["stamp"], _index["phrases"] = stamp, {}
        if language not in _index["phrases"]:
            phrases: dict[str, set[str]] = {}
            for admin in session.scalars(select(Administration)
                                         .where(Administration.active.is_(True))):
                for phrase in _phrases(admin, language):
                    phrases.setdefault(phrase, set()).add(admin.code)
            _index["phrases"][language] = phrases
        return _index["phrases"][language]


def match_administration(session: Session, text: str, language: str) -> Administration | None:
    """The one administration whose name, acronym or synonym the caller said; None when
    nothing matches or two administrations match equally well (then the caller is asked
    again, or keys the code)."""
    said = fold(text)
    if not said:
        return None
    padded = f" {said} "
    best_length, best_codes = 0, set()
    for phrase, codes in _phrase_index(session, language).items():
        if phrase == said or f" {phrase} " in padded:
            if len(phrase) > best_length:
                best_length, best_codes = len(phrase), set(codes)
            elif len(phrase) == best_length:
                best_codes |= codes
    if len(best_codes) != 1:
        return None
    return session.scalar(select(Administration).where(Administration.code == best_codes.pop()))
