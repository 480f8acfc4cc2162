"""Opening hours of the agents, from OPENING_HOURS, e.g. "mon-fri 08:30-16:30; sat 09:00-12:00"."""
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
                   r"(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$")


@dataclass(frozen=True)
class OpeningHours:
    """Weekly opening windows in one time zone."""
    windows: tuple[tuple[int, dt.time, dt.time], ...]  # (weekday, start, end)
    timezone: ZoneInfo

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.timezone)
        now = local.time()
        return any(day == local.weekday() and start <= now < end
                   for day, start, end in self.windows)


def parse(spec: str, timezone: str = "Africa/Casablanca") -> OpeningHours:
    """Parse `spec`; raises ValueError naming the rule it cannot read."""
    windows = []
    for rule in filter(None, (part.strip().lower() for part in spec.split(";"))):
        match = _RULE.match(rule)
        if not match or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
            raise ValueError(f"cannot read opening hours {rule!r} (e.g. 'mon-fri 08:30-16:30')")
        first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
        start, end = (dt.time.fromisoformat(match["start"]), dt.time.fromisoformat(match["end"]))
        if end <= start:
            raise ValueError(f"opening hours end before they start: {rule!r}")
        for day in range(first, last + 1):
            windows.append((day, start, end))
    return OpeningHours(tuple(windows), ZoneInfo(timezone))
