"""Date ranges in the line's local time (Africa/Casablanca unless TIMEZONE says otherwise):
figures are counted per local hour, day and month, never per UTC one."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DateRange:
    """From `start` to `end`, both local dates included."""
    start: dt.date
    end: dt.date
    timezone: ZoneInfo

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants of the range's first moment and of the day after its end."""
        first = dt.datetime.combine(self.start, dt.time(), self.timezone)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self.timezone)
        return first.astimezone(dt.timezone.utc), after.astimezone(dt.timezone.utc)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.timezone)

    def hour(self, moment: dt.datetime) -> str:
        return f"{self.local(moment).hour:02d}:00"

    def day(self, moment: dt.datetime) -> str:
        return self.local(moment).date().isoformat()

    def month(self, moment: dt.datetime) -> str:
        return self.local(moment).strftime("%Y-%m")


class InvalidRange(ValueError):
    """A date that is not YYYY-MM-DD, an end before the start, or a range too long."""


MAX_DAYS = 366 * 3


def parse_range(start: str | None, end: str | None, timezone: str, today: dt.date,
                default_days: int = 30) -> DateRange:
    """The range asked for in a query string; the last `default_days` days when none."""
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=default_days - 1)
    except ValueError:
        raise InvalidRange("dates are written YYYY-MM-DD") from None
    if last < first:
        raise InvalidRange("the end comes before the start")
    if (last - first).days > MAX_DAYS:
        raise InvalidRange(f"at most {MAX_DAYS} days at once")
    return DateRange(first, last, ZoneInfo(timezone))


def ratio(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent, to two decimals (None of nothing)."""
    return round(100 * part / whole, 2) if whole else None


def mean(values: list[float], digits: int = 1) -> float | None:
    return round(sum(values) / len(values), digits) if values else None
