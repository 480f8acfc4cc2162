"""Finding an administration as an agent types: by keypad code, acronym, name or synonym in
any of the languages (Darija, Arabic, French), accents, case and Arabic spelling variants
folded (shared/administrations.fold). The index is rebuilt when the administrations change
(one is added or deactivated, or an admin edits one in the console)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import administrations
from shared.administrations import fold
from shared.models import Administration

MAX_RESULTS = 15
MAX_QUERY_CHARS = 100
_lock = threading.Lock()
_cache: dict = {"stamp": None, "entries": []}


@dataclass(frozen=True)
class Entry:
    code: str
    names: dict
    acronym: str | None
    phrases: tuple[str, ...]  # folded names, synonyms and acronym


def _entries(session: Session) -> list[Entry]:
    stamp = administrations.version(session)
    with _lock:
        if _cache["stamp"] != stamp:
            entries = []
            for admin in session.scalars(select(Administration)
                                         .where(Administration.active.is_(True))
                                         .order_by(Administration.code)):
                words = [*admin.names.values(), admin.acronym or ""]
                for synonyms in (admin.synonyms or {}).values():
                    words += synonyms
                phrases = tuple(dict.fromkeys(fold(w) for w in words if w and fold(w)))
                entries.append(Entry(admin.code, dict(admin.names), admin.acronym, phrases))
            _cache["stamp"], _cache["entries"] = stamp, entries
        return _cache["entries"]


def _rank(entry: Entry, query: str) -> int | None:
    """0 best; None when the entry does not match."""
    if query.isdigit():
        return 0 if entry.code == query else 1 if entry.code.startswith(query) else None
    if entry.acronym and fold(entry.acronym) == query:
        return 0
    best = None
    for phrase in entry.phrases:
        rank = 1 if phrase == query else 2 if phrase.startswith(query) else \
            3 if f" {query}" in f" {phrase}" else 4 if query in phrase else None
        if rank is not None and (best is None or rank < best):
            best = rank
    return best


def search(session: Session, text: str, language: str) -> list[dict]:
    """The administrations `text` names, best first: [{"code", "name", "acronym"}] with
    the name in `language` (the agent's console language)."""
    query = fold((text or "")[:MAX_QUERY_CHARS])
    if not query:
        return []
    ranked = [(rank, entry.code, entry) for entry in _entries(session)
              if (rank := _rank(entry, query)) is not None]
    ranked.sort(key=lambda item: (item[0], len(item[1]), item[1]))
    return [{"code": entry.code, "acronym": entry.acronym,
             "name": entry.names.get(language) or entry.names.get("fr")
             or next(iter(entry.names.values()))}
            for _rank_, _code, entry in ranked[:MAX_RESULTS]]
