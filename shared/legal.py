"""The legal clock of décret 2-17-265: 15 days to transmit, 60 days to give a reasoned answer.

Dates are calendar days counted in Moroccan local time from the day of filing (or reopening).
"""
import datetime as dt
from zoneinfo import ZoneInfo

TRANSMIT_DAYS = 15
REPLY_DAYS = 60
TIMEZONE = ZoneInfo("Africa/Casablanca")


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TIMEZONE).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant a Moroccan day starts at."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=TIMEZONE).astimezone(dt.timezone.utc)


def transmit_due(start: dt.datetime) -> dt.date:
    return local_date(start) + dt.timedelta(days=TRANSMIT_DAYS)


def reply_due(start: dt.datetime) -> dt.date:
    return local_date(start) + dt.timedelta(days=REPLY_DAYS)
