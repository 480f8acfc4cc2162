"""Wrap-up dispositions: the fixed list of how an agent's call ended, kept as data
(shared/data/dispositions.json); their labels are catalogue entries
`disposition_<code>` (shared/translations), so a new language is a catalogue."""
import functools
import json
from pathlib import Path

from . import messages

PATH = Path(__file__).parent / "data" / "dispositions.json"


@functools.lru_cache(maxsize=1)
def codes() -> tuple[str, ...]:
    with PATH.open(encoding="utf-8") as f:
        return tuple(json.load(f)["dispositions"])


def label(code: str, language: str) -> str:
    return messages.text(f"disposition_{code}", language)


def choices(language: str) -> list[tuple[str, str]]:
    """(code, label) of every disposition, in the list's order."""
    return [(code, label(code, language)) for code in codes()]
