"""Opening hours of the agents."""
import datetime as dt

import pytest

from shared import hours

UTC = dt.timezone.utc


@pytest.mark.parametrize("moment, open_", [
    (dt.datetime(2026, 11, 30, 7, 29, tzinfo=UTC), False),   # Monday 08:29 in Casablanca
    (dt.datetime(2026, 11, 30, 7, 30, tzinfo=UTC), True),    # Monday 08:30
    (dt.datetime(2026, 11, 30, 15, 29, tzinfo=UTC), True),
    (dt.datetime(2026, 11, 30, 15, 30, tzinfo=UTC), False),  # 16:30: closed
    (dt.datetime(2026, 12, 5, 9, 0, tzinfo=UTC), True),      # Saturday morning
    (dt.datetime(2026, 12, 6, 9, 0, tzinfo=UTC), False),     # Sunday
])
def test_opening_hours_in_casablanca_time(moment, open_):
    opening = hours.parse("mon-fri 08:30-16:30; sat 09:00-12:00")
    assert opening.is_open(moment) is open_


@pytest.mark.parametrize("spec", ["mon-fri", "mon-xyz 08:00-12:00", "mon 12:00-08:00",
                                  "mon 8h-12h", "lundi 08:00-12:00"])
def test_unreadable_hours_are_refused_clearly(spec):
    with pytest.raises(ValueError, match="opening hours"):
        hours.parse(spec)
