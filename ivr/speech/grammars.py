"""Grammars of the spoken choices: the phrases a grammar-constrained recogniser may hear
at a step, and the way back from what it heard to the step's choice.

`grammars/<lang>/<name>.json` holds `{intent: [phrases]}` (language, main_menu, yes_no);
the `administrations` grammar comes from the administrations table (names, acronyms,
synonyms), mapped back by `ivr.recognition.match_administration`, the function that already
reads Twilio's SpeechResult, to the administration's keypad code."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from shared.administrations import fold
from shared.extensions import db
from shared.models import Administration

from ..recognition import match_administration

GRAMMARS_DIR = Path(__file__).resolve().parents[2] / "grammars"
ADMINISTRATIONS = "administrations"


@dataclass(frozen=True)
class Grammar:
    """The phrases of one grammar in one language, and what a heard text means."""
    language: str
    name: str
    phrases: list[str]
    _intent: Callable[[str], str | None]

    def intent(self, text: str) -> str | None:
        """The intent (menu choice, language code, yes/no, administration code) of `text`;
        None when it names none or several."""
        return self._intent(text)


@functools.lru_cache(maxsize=64)
def _phrase_file(path: Path) -> dict[str, tuple[str, ...]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {intent: tuple(phrases) for intent, phrases in data.items()}


def match_phrase(intents: dict[str, tuple[str, ...]], text: str) -> str | None:
    """The intent of the longest phrase said (whole words, folded), if only one intent has it."""
    said = f" {fold(text)} "
    best, found = 0, set()
    for intent, phrases in intents.items():
        for phrase in map(fold, phrases):
            if phrase and f" {phrase} " in said:
                if len(phrase) > best:
                    best, found = len(phrase), {intent}
                elif len(phrase) == best:
                    found.add(intent)
    return found.pop() if len(found) == 1 else None


def _administration_phrases(language: str) -> list[str]:
    phrases: set[str] = set()
    for admin in db.session.scalars(select(Administration)
                                    .where(Administration.active.is_(True))):
        phrases.add(admin.names.get(language) or "")
        phrases.update((admin.synonyms or {}).get(language, []))
        if admin.acronym:
            phrases.add(admin.acronym.lower())
    return sorted(phrase for phrase in phrases if phrase)


def load_grammar(language: str, name: str) -> Grammar:
    """The grammar `name` of `language` (administrations: read now from the table, in an
    app context)."""
    if name == ADMINISTRATIONS:
        def administration_code(text: str) -> str | None:
            admin = match_administration(db.session, text, language)
            return admin.code if admin is not None else None
        return Grammar(language, name, _administration_phrases(language), administration_code)
    intents = _phrase_file(GRAMMARS_DIR / language / f"{name}.json")
    phrases = sorted({phrase for group in intents.values() for phrase in group})
    return Grammar(language, name, phrases, lambda text: match_phrase(intents, text))
