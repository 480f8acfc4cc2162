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

    def midnight(self, day: dt.date) -> dt.datetime:
        """The UTC instant a local day starts at."""
        return dt.datetime.combine(day, dt.time(), self.timezone).astimezone(dt.timezone.utc)

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants of the range's first moment and of the day after its end."""
        return self.midnight(self.start), self.midnight(self.end + dt.timedelta(days=1))

    def months(self) -> list[tuple[str, dt.datetime]]:
        """Each local month the range touches ("2026-11") with the UTC instant it starts at
        within the range (the range's own start for the first)."""
        months, day = [], self.start
        while day <= self.end:
            months.append((day.strftime("%Y-%m"), self.midnight(day)))
            day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return months


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
