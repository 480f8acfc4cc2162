"""Texts people read (SMS now, console pages later) from the `messages` gettext catalogues in
shared/translations/<lang>/LC_MESSAGES/messages.po, keyed by message context."""
import functools
from pathlib import Path

from .languages import read_prompts

TRANSLATIONS = Path(__file__).parent / "translations"
FALLBACK = "fr"


@functools.lru_cache(maxsize=None)
def _catalogue(language: str) -> dict[str, str]:
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    return read_prompts(path) if path.exists() else {}


def text(key: str, language: str, **values) -> str:
    """The message `key` in `language` (French when missing), formatted with `values`."""
    template = _catalogue(language).get(key) or _catalogue(FALLBACK)[key]
    return template.format(**values)
