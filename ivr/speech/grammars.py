"""Speech grammars: per language, the phrases a grammar-constrained recogniser may hear at a
step, and what each phrase means (an intent: a menu choice, a language code, yes/no, a
digit, an administration's keypad code).

The fixed ones are data in grammars/<lang>/<name>.json; the administrations' names,
acronyms and spoken synonyms are generated from the administrations table into
GRAMMARS_DIR/<lang>/administrations.json (`flask speech grammars`, also run by `release`),
so a new administration is recognised without a code change. What a recogniser heard is
mapped back by `Grammar.intent`: for administrations, through `match_administration`, the
very function that reads Twilio's SpeechResult.

Before a grammar is used with a model, its words are checked against the model's vocabulary:
vosk drops a word it does not know (silently, at our log level), so the missing ones are
logged once per language and grammar, and `flask speech check` lists them."""
from __future__ import annotations

import functools
import json
import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.administrations import fold
from shared.models import Administration

from ..prompts import catalogue
from ..recognition import MIN_PHRASE_LENGTH
from ..recognition import match_administration
from .runtime import speech_models
from .runtime import vosk_languages

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "grammars"
ADMINISTRATIONS = "administrations"
# The keys each intent stands for in the menus of the IVR contract (what a key press posts).
MENU_KEYS = {
    "main_menu": {"complaint": "1", "observation": "2", "suggestion": "3", "follow_up": "4",
                  "agent": "0", "repeat": "9"},
    "yes_no": {"yes": "1", "no": "2"},
}
LOGGED_WORDS = 40  # a log line names this many missing words at most
_NAME = re.compile(r"^[a-z][a-z_]*$")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
# Arabic short vowels, shadda, sukun, dagger alif and tatweel: absent from the models' words.
_ARABIC_MARKS = re.compile(r"[\u064B-\u065F\u0670\u0640]")
_NOT_WORD = re.compile(r"[^\w\s']+")


class GrammarError(LookupError):
    """No such grammar (an unknown language or name)."""


def phrase_text(text: str) -> str:
    """`text` as a recogniser writes it: lower case, without punctuation or Arabic vowel
    marks (French accents and apostrophes stay: they are part of the models' words)."""
    text = _ARABIC_MARKS.sub("", text.lower().replace("’", "'"))
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split()).strip("'")


@dataclass(frozen=True)
class Grammar:
    """One step's phrases in one language, each with the intent it stands for."""
    language: str
    name: str
    intents: dict[str, list[str]]  # intent -> its phrases

    @property
    def phrases(self) -> list[str]:
        """Every phrase once, in file order (a recogniser's phrase list)."""
        return list(dict.fromkeys(p for phrases in self.intents.values() for p in phrases))

    @property
    def words(self) -> list[str]:
        return sorted({word for phrase in self.phrases for word in phrase.split()})

    def intent(self, text: str) -> str | None:
        """The intent of what was heard: the longest phrase said (whole words); None when
        nothing matches or phrases of two intents match equally well."""
        said = fold(text)
        if not said:
            return None
        padded = f" {said} "
        best_length, best = 0, set()
        for intent, phrases in self.intents.items():
            for phrase in map(fold, phrases):
                if phrase and (phrase == said or f" {phrase} " in padded):
                    if len(phrase) > best_length:
                        best_length, best = len(phrase), {intent}
                    elif len(phrase) == best_length:
                        best.add(intent)
        return best.pop() if len(best) == 1 else None


@dataclass(frozen=True)
class AdministrationGrammar(Grammar):
    """The administrations' names: mapped back by `match_administration` (needs an app
    context: the administrations are read from the database)."""

    def intent(self, text: str) -> str | None:
        from shared.extensions import db
        admin = match_administration(db.session, text, self.language)
        return admin.code if admin is not None else None


# -- loading ---------------------------------------------------------------------------------
def grammar_names(language: str) -> list[str]:
    """Every grammar of `language`: the data files', then the administrations'."""
    return sorted(path.stem for path in (STATIC_DIR / language).glob("*.json")) \
        + [ADMINISTRATIONS]


def grammars_dir() -> Path:
    return Path(current_app.config["GRAMMARS_DIR"])


def load_grammar(language: str, name: str) -> Grammar:
    """The grammar `name` of `language`, read once per file version; checked against the
    language's model (if vosk recognises that language here) on first use."""
    if language not in {lang.code for lang in catalogue().languages} or not _NAME.match(name):
        raise GrammarError(f"no grammar {name!r} in language {language!r}")
    if name == ADMINISTRATIONS:
        grammar = _administrations(language)
    else:
        path = STATIC_DIR / language / f"{name}.json"
        if not path.is_file():
            raise GrammarError(f"no grammar {name!r} in language {language!r} ({path})")
        grammar = _read(path, path.stat().st_mtime_ns, language, name)
    if has_app_context():
        report_missing_words(grammar)
    return grammar


@functools.lru_cache(maxsize=64)
def _read(path: Path, _mtime_ns: int, language: str, name: str) -> Grammar:
    intents = json.loads(path.read_text(encoding="utf-8"))
    kind = AdministrationGrammar if name == ADMINISTRATIONS else Grammar
    return kind(language, name, {intent: [phrase_text(p) for p in phrases]
                                 for intent, phrases in intents.items()})


def _administrations(language: str) -> Grammar:
    path = grammars_dir() / language / f"{ADMINISTRATIONS}.json"
    if path.is_file():
        return _read(path, path.stat().st_mtime_ns, language, ADMINISTRATIONS)
    # Not generated yet (a deployment without `release`): made from the table in memory.
    if _first_time(("not generated", language)):
        log.warning("grammar %s/%s missing in %s: built from the database (run `flask "
                    "speech grammars`)", language, ADMINISTRATIONS, path.parent)
    from shared.extensions import db
    return AdministrationGrammar(language, ADMINISTRATIONS,
                                 administration_phrases(db.session, language))


# -- generation from the administrations table ----------------------------------------------
def _in_script(phrase: str, direction: str) -> bool:
    """Only phrases a model of the language can say: Arabic script for rtl, none for ltr."""
    if direction == "rtl":
        return bool(_ARABIC.search(phrase)) and not _LATIN.search(phrase)
    return not _ARABIC.search(phrase)


def administration_phrases(session: Session, language: str) -> dict[str, list[str]]:
    """{keypad code: phrases} of the active administrations in `language`: the name in that
    language (or its fallback's), the acronym and the spoken synonyms, in its script."""
    spec = catalogue().language(language)
    grammar: dict[str, list[str]] = {}
    for admin in session.scalars(select(Administration).where(Administration.active.is_(True))
                                 .order_by(Administration.code)):
        candidates = [admin.names.get(language), admin.names.get(spec.fallback or ""),
                      admin.acronym, *(admin.synonyms or {}).get(language, [])]
        phrases = [phrase_text(text) for text in candidates
                   if text and _in_script(text, spec.dir)]
        phrases = [p for p in dict.fromkeys(phrases) if len(fold(p)) >= MIN_PHRASE_LENGTH]
        if phrases:
            grammar[admin.code] = phrases
    return grammar


def write_administration_grammars(session: Session, directory: Path) -> dict[str, int]:
    """Write GRAMMARS_DIR/<lang>/administrations.json for every language (each file
    replaced whole, never half-written); returns the phrase count per language."""
    counts = {}
    for language in catalogue().languages:
        grammar = administration_phrases(session, language.code)
        folder = Path(directory) / language.code
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".administrations-",
                                             suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(grammar, out, ensure_ascii=False, indent=0, sort_keys=True)
        _newer_than(folder / f"{ADMINISTRATIONS}.json", temporary)
        os.replace(temporary, folder / f"{ADMINISTRATIONS}.json")
        counts[language.code] = sum(len(phrases) for phrases in grammar.values())
    return counts


def _newer_than(current: Path, replacement: str) -> None:
    """Give `replacement` a later mtime than `current`: readers cache a grammar by its
    file's mtime, and two writes within the file system's clock tick would share one."""
    try:
        before = current.stat().st_mtime_ns
    except FileNotFoundError:
        return
    stamp = max(os.stat(replacement).st_mtime_ns, before + 1)
    os.utime(replacement, ns=(stamp, stamp))


# -- vocabulary check -------------------------------------------------------------------------
def missing_words(model, grammar: Grammar) -> list[str]:
    """The grammar's words that the model does not know (vosk would drop them)."""
    return [word for word in grammar.words if model.vosk_model_find_word(word) == -1]


_reported_lock = threading.Lock()


def _first_time(key) -> bool:
    """True the first time this app asks about `key` (what is reported is said once)."""
    reported = current_app.extensions.setdefault("speech_grammar_reports", set())
    with _reported_lock:
        if key in reported:
            return False
        reported.add(key)
        return True


def report_missing_words(grammar: Grammar) -> None:
    """Log once per language and grammar the words its model lacks (only where vosk
    recognises that language: loading the model is then expected anyway)."""
    if grammar.language not in vosk_languages():
        return
    model = speech_models().get(grammar.language)
    if model is None or not _first_time(("checked", grammar.language, grammar.name)):
        return
    missing = missing_words(model, grammar)
    if missing:
        shown = " ".join(missing[:LOGGED_WORDS]) + (" ..." if len(missing) > LOGGED_WORDS else "")
        log.warning("grammar %s/%s: %d of %d words not in the model's vocabulary, never "
                    "recognised (all of them: flask speech check): %s", grammar.language,
                    grammar.name, len(missing), len(grammar.words), shown)
