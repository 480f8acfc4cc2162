"""Voice prompt lookup: languages.json, the gettext catalogues and the generated audio files."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from shared.languages import PROMPTS_DIR
from shared.languages import Language
from shared.languages import load_languages
from shared.languages import read_prompts

__all__ = ["PROMPTS_DIR", "Language", "PromptCatalogue", "catalogue", "load_languages",
           "po_path", "read_prompts"]


def po_path(prompts_dir: str | Path, lang: str) -> Path:
    return Path(prompts_dir) / lang / "LC_MESSAGES" / "prompts.po"


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
        # Where each prompt's recording would be: a webhook asks for several, and building
        # the path each time cost more than looking at the disk. Only prompts of the
        # catalogue have one (also keeps odd keys from naming paths outside the folder).
        self._wav = {(lang, key): os.path.join(self.prompts_dir, lang, f"{key}.wav")
                     for (lang, key) in self._texts}

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
        return Path(self._wav[(lang, key)]) if self.has_audio(key, lang) else None

    def has_audio(self, key: str, lang: str) -> bool:
        """Looked at on disk each time: a recording generated while the server runs is
        played from the next webhook on."""
        path = self._wav.get((lang, key))
        return path is not None and os.path.isfile(path)


@functools.lru_cache(maxsize=None)
def _catalogue(prompts_dir: Path) -> PromptCatalogue:
    return PromptCatalogue(prompts_dir)


def catalogue(prompts_dir: str | Path | None = None) -> PromptCatalogue:
    """The catalogue of a prompts folder, loaded once per folder."""
    if prompts_dir is None:  # every webhook asks, several times: no path resolved then
        return _catalogue(PROMPTS_DIR)
    return _catalogue(Path(prompts_dir).resolve())


catalogue.cache_clear = _catalogue.cache_clear  # e.g. after regenerating the catalogues in a test
