"""The languages of the line and of the console, described as data in
voice_prompts/languages.json (adding a language is data, not code), and the reading of
gettext catalogues keyed by message context."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from babel.messages.pofile import read_po

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "voice_prompts"


@dataclass(frozen=True)
class Language:
    """One entry of languages.json, in language-menu order."""

    code: str
    keypad: str
    name: str
    dir: str
    espeak: dict = field(hash=False)
    say: dict | None = field(default=None, hash=False)  # None: never use Twilio <Say> (no Darija voice)
    speech: str | None = None  # language tag of the speech recogniser, if any
    # Where a prompt has no recording and no voice speaks this language (Darija), the
    # prompt of this language is played instead (Arabic): never a <Say> of Darija.
    fallback: str | None = None


def load_languages(prompts_dir: str | Path | None = None) -> tuple[Language, ...]:
    """The languages of `prompts_dir`/languages.json, in language-menu order (read again
    only when the file changes)."""
    path = Path(prompts_dir or PROMPTS_DIR).resolve() / "languages.json"
    return _load_languages(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _load_languages(path: Path, _mtime_ns: int) -> tuple[Language, ...]:
    with path.open(encoding="utf-8") as f:
        return tuple(Language(**entry) for entry in json.load(f))


def read_prompts(path: str | Path) -> dict[str, str]:
    """{key: text} of one .po file; untranslated and fuzzy entries are left out, as gettext does.

    No locale is passed to Babel: it does not know every code we use (e.g. "ary").
    """
    with open(path, "rb") as f:
        po = read_po(f)
    return {m.context: m.string for m in po
            if m.id and m.context and isinstance(m.string, str) and m.string.strip() and not m.fuzzy}


