"""Voice prompt lookup: languages.json, the gettext catalogues and the generated audio files."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
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
    path = Path(prompts_dir or PROMPTS_DIR) / "languages.json"
    with path.open(encoding="utf-8") as f:
        return tuple(Language(**entry) for entry in json.load(f))


def po_path(prompts_dir: str | Path, lang: str) -> Path:
    return Path(prompts_dir) / lang / "LC_MESSAGES" / "prompts.po"


def read_prompts(path: str | Path) -> dict[str, str]:
    """{key: text} of one .po file; untranslated and fuzzy entries are left out, as gettext does.

    No locale is passed to Babel: it does not know every code we use (e.g. "ary").
    """
    with open(path, "rb") as f:
        po = read_po(f)
    return {m.context: m.string for m in po
            if m.id and m.context and isinstance(m.string, str) and m.string.strip() and not m.fuzzy}


class PromptCatalogue:
    """The texts and audio of every prompt, per language."""

    def __init__(self, prompts_dir: str | Path | None = None):
        self.prompts_dir = Path(prompts_dir or PROMPTS_DIR)
        self.languages = load_languages(self.prompts_dir)
        self._texts: dict[tuple[str, str], str] = {}
        for language in self.languages:
            path = po_path(self.prompts_dir, language.code)
            if path.exists():
                for key, text in read_prompts(path).items():
                    self._texts[(language.code, key)] = text

    def language(self, code: str) -> Language:
        for language in self.languages:
            if language.code == code:
                return language
        raise KeyError(f"unknown language {code!r} (not in {self.prompts_dir / 'languages.json'})")

    def text(self, key: str, lang: str) -> str:
        try:
            return self._texts[(lang, key)]
        except KeyError:
            raise KeyError(f"no prompt {key!r} in language {lang!r} "
                           f"(see {po_path(self.prompts_dir, lang)})") from None

    def keys(self, lang: str | None = None) -> list[str]:
        """Prompt keys of one language, or of any language, in catalogue order."""
        return list(dict.fromkeys(k for (l, k) in self._texts if lang is None or l == lang))

    def __contains__(self, lang_key: tuple[str, str]) -> bool:
        return lang_key in self._texts

    def audio_path(self, key: str, lang: str) -> Path | None:
        """The prompt's WAV file, or None if there is none (or no such prompt)."""
        if (lang, key) not in self._texts:  # also keeps odd keys from naming paths outside the folder
            return None
        path = self.prompts_dir / lang / f"{key}.wav"
        return path if path.is_file() else None

    def has_audio(self, key: str, lang: str) -> bool:
        return self.audio_path(key, lang) is not None


@functools.lru_cache(maxsize=None)
def _catalogue(prompts_dir: Path) -> PromptCatalogue:
    return PromptCatalogue(prompts_dir)


def catalogue(prompts_dir: str | Path | None = None) -> PromptCatalogue:
    """The catalogue of a prompts folder, loaded once per folder."""
    return _catalogue(Path(prompts_dir or PROMPTS_DIR).resolve())


catalogue.cache_clear = _catalogue.cache_clear  # e.g. after regenerating the catalogues in a test
