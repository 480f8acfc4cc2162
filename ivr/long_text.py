"""Cutting a long text for <Say>: Twilio's Polly voices take at most 3,000 bytes (UTF-8) per
<Say>, so a reply is said as several <Say>, cut at sentence breaks (then between words)."""
from __future__ import annotations

import re

SAY_MAX_BYTES = 3000
# After . ! ? … and the Arabic question mark and full stop; a line break is a break too.
SENTENCE_BREAK = re.compile(r"(?<=[.!?…؟۔])\s+|\s*\n\s*")


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def say_chunks(text: str, max_bytes: int = SAY_MAX_BYTES) -> list[str]:
    """`text` as pieces of at most `max_bytes` bytes, each ending at a sentence break when
    one exists (between words otherwise, or between characters in a giant word)."""
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, max_bytes):
        joined = f"{current} {piece}" if current else piece
        if size(joined) <= max_bytes:
            current = joined
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _pieces(text: str, max_bytes: int) -> list[str]:
    """Sentences; one longer than `max_bytes` becomes its words (or slices of a word)."""
    pieces: list[str] = []
    for sentence in filter(None, (s.strip() for s in SENTENCE_BREAK.split(text))):
        if size(sentence) <= max_bytes:
            pieces.append(sentence)
            continue
        for word in sentence.split():
            while size(word) > max_bytes:
                cut = _fitting_prefix(word, max_bytes)
                pieces.append(word[:cut])
                word = word[cut:]
            pieces.append(word)
    return pieces


def _fitting_prefix(word: str, max_bytes: int) -> int:
    """The number of characters of `word` that fit in `max_bytes` bytes."""
    used = 0
    for index, char in enumerate(word):
        used += size(char)
        if used > max_bytes:
            return max(index, 1)
    return len(word)
