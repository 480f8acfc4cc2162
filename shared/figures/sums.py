"""What the figures are made of: sums the database counts per group, added up group by
group (a month's per administration into the month's, the languages' into the total), and
the ratios and averages shown from them."""
from __future__ import annotations

from collections.abc import Sequence


def add_up(groups: dict, key, sums: Sequence) -> None:
    """Adds `sums` to those of `groups[key]`, element by element (plain lists: a year of
    cases is 20,000 groups of a month and an administration, added into three roll-ups)."""
    current = groups.get(key)
    groups[key] = list(sums) if current is None else [a + b for a, b in zip(current, sums)]


def ratio(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent, to two decimals (None of nothing)."""
    return round(100 * part / whole, 2) if whole else None


def average(total: float, count: int, digits: int) -> float | None:
    """`total` / `count` rounded to `digits` (None of nothing)."""
    return round(total / count, digits) if count else None
