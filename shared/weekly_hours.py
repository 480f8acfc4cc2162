"""The opening hours as a week, for the admins' weekly form: each day closed or open with
its time ranges, read from and written back to OPENING_HOURS' syntax (shared/hours.py), so
the IVR reads what the form writes unchanged. The form's ranges are checked more strictly
than the text: each time is hh:mm, each range ends after it starts, a day's ranges do not
overlap (touching is fine: 08:30-12:00 then 12:00-16:30)."""
from __future__ import annotations

import datetime as dt
import re

from . import hours

Range = tuple[dt.time, dt.time]
_TIME = re.compile(r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::00)?$")  # a browser may add :00


class Refused(ValueError):
    """A day's ranges that cannot be kept; `reason` is a stable code, `values` what the
    message names (the times as typed)."""

    def __init__(self, reason: str, **values: str):
        super().__init__(f"{reason}: {values}")
        self.reason, self.values = reason, values


def from_spec(spec: str, timezone: str = "Africa/Casablanca") -> list[list[Range]]:
    """Each day's ranges (Monday first), in order, from OPENING_HOURS' syntax."""
    days: list[list[Range]] = [[] for _day in hours.DAYS]
    for day, start, end in hours.parse(spec, timezone).windows:
        days[day].append((start, end))
    return [sorted(set(ranges)) for ranges in days]


def to_spec(days: list[list[Range]]) -> str:
    """OPENING_HOURS' syntax, consecutive days with the same ranges written once:
    'mon-thu 08:30-16:30; fri 08:30-12:00; fri 14:00-16:30'."""
    rules, first = [], 0
    while first < len(days):
        last = first
        while last + 1 < len(days) and days[last + 1] == days[first]:
            last += 1
        span = hours.DAYS[first] + (f"-{hours.DAYS[last]}" if last > first else "")
        rules += [f"{span} {start:%H:%M}-{end:%H:%M}" for start, end in days[first]]
        first = last + 1
    return "; ".join(rules)


def read_time(text: str) -> dt.time:
    match = _TIME.match(text.strip())
    if not match or int(match["hour"]) > 23 or int(match["minute"]) > 59:
        raise Refused("bad_time", time=text.strip())
    return dt.time(int(match["hour"]), int(match["minute"]))


def day_ranges(typed: list[tuple[str, str]]) -> list[Range]:
    """A day's ranges from the times typed ((start, end), blank pairs skipped), in order;
    Refused naming the first that cannot be kept."""
    ranges = []
    for start_text, end_text in typed:
        start_text, end_text = start_text.strip(), end_text.strip()
        if not start_text and not end_text:
            continue
        if not start_text or not end_text:
            raise Refused("missing_time", start=start_text or "…", end=end_text or "…")
        start, end = read_time(start_text), read_time(end_text)
        if end <= start:
            raise Refused("end_before_start", start=start_text, end=end_text)
        ranges.append((start, end))
    ranges.sort()
    for (start, end), (next_start, next_end) in zip(ranges, ranges[1:]):
        if next_start < end:
            raise Refused("overlap", first=f"{start:%H:%M}-{end:%H:%M}",
                          second=f"{next_start:%H:%M}-{next_end:%H:%M}")
    return ranges
