"""The opening hours in force: an admin's setting from the console (the `settings` table)
or else the environment's OPENING_HOURS. The setting is read at most every
SETTINGS_CACHE_SECONDS per process (the IVR asks on every call to an agent)."""
from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy.orm import Session

from . import hours
from .models import Setting
from .models import User
from .models import utcnow

NAME = "opening_hours"
_lock = threading.Lock()


def _cache() -> dict:
    return current_app.extensions.setdefault("opening_hours_setting", {})


def setting(session: Session) -> str | None:
    """The console's opening hours, None when no admin set them (briefly cached)."""
    cache, now = _cache(), time.monotonic()
    with _lock:
        if cache.get("until", 0) > now:
            return cache["value"]
    row = session.get(Setting, NAME)
    value = row.value if row is not None else None
    with _lock:
        cache.update(value=value,
                     until=now + current_app.config["SETTINGS_CACHE_SECONDS"])
    return value


def spec(session: Session) -> str:
    """The opening hours in force, as text (OPENING_HOURS' syntax)."""
    return setting(session) or current_app.config["OPENING_HOURS"]


def current(session: Session) -> hours.OpeningHours:
    return hours.parse(spec(session), current_app.config["TIMEZONE"])


def save(session: Session, value: str, user: User) -> str:
    """Set the console's opening hours (ValueError, naming the rule, if they cannot be
    read); an empty value goes back to the environment's. Returns the text kept. Call
    forget() once it is committed (before, another request could cache the old value)."""
    value = "; ".join(part.strip() for part in value.split(";") if part.strip())
    row = session.get(Setting, NAME)
    if not value:
        if row is not None:
            session.delete(row)
    else:
        hours.parse(value, current_app.config["TIMEZONE"])
        if row is None:
            row = Setting(name=NAME)
            session.add(row)
        row.value, row.updated_at, row.updated_by_id = value, utcnow(), user.id
    return value


def forget() -> None:
    """The next read goes to the database (this process's change is seen at once)."""
    with _lock:
        _cache().clear()
