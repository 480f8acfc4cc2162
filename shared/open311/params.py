"""Open311 request parameters: query and form values checked and converted, or BadParameter."""
from __future__ import annotations

import datetime as dt
import re

from flask import request
from werkzeug.datastructures import MultiDict

from ..errors import DomainError
from ..i18n import language_codes
from ..languages import load_languages
from ..legal import TIMEZONE
from ..states import FINAL
from ..types import CaseStatus

DEFAULT_LOCALE = "fr"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_PAGE = 50, 200, 100_000
DEFAULT_DAYS = 90  # the spec's window when no date is given
MAX_LIST_ITEMS = 200  # comma-separated filter values
MAX_PARAM_LENGTH = 256  # query parameters that are not free text
MAX_DESCRIPTION, MAX_SUBJECT, MAX_NAME, MAX_ADDRESS = 10_000, 255, 255, 512
MAX_IDEMPOTENCY_KEY = 128
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadParameter(DomainError):
    """A query or form parameter that cannot be right."""
    error_id = "bad-parameter"
    http_status = 400


def languages():
    """The languages of the line (voice_prompts/languages.json), in menu order."""
    return load_languages()


def locale_param() -> str:
    """The `locale` query parameter: one of the line's language codes (default French)."""
    language = request.args.get("locale") or DEFAULT_LOCALE
    if language not in language_codes():
        raise BadParameter(f"locale must be one of {', '.join(language_codes())}")
    return language


def list_param(args: MultiDict, name: str, allowed=None) -> list[str]:
    """A comma-separated parameter as a list; each value among `allowed` when given."""
    raw = args.get(name) or ""
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if len(values) > MAX_LIST_ITEMS or len(raw) > MAX_LIST_ITEMS * 16:
        raise BadParameter(f"{name} lists at most {MAX_LIST_ITEMS} values")
    bad = [v for v in values if allowed is not None and v not in allowed]
    if bad:
        raise BadParameter(f"{name} must be among {', '.join(sorted(allowed))}")
    return values


def int_param(args: MultiDict, name: str, default: int, highest: int) -> int:
    """A whole number from 1 to `highest`."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= highest):
        raise BadParameter(f"{name} must be a whole number from 1 to {highest}")
    return int(raw)


def page_params(args: MultiDict) -> tuple[int, int]:
    """`page` (from 1) and `page_size` (default 50, at most 200)."""
    return (int_param(args, "page", 1, MAX_PAGE),
            int_param(args, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def datetime_param(args: MultiDict, name: str, end: bool = False) -> dt.datetime | None:
    """An ISO 8601 date or datetime (local time if no offset); a bare end date ends that day."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) > 40:
            raise ValueError(raw)
        moment = dt.datetime.fromisoformat(raw)
        if end and _DATE_ONLY.match(raw):
            moment = dt.datetime.combine(moment.date(), dt.time.max)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=TIMEZONE)
        return moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise BadParameter(f"{name} must be an ISO 8601 date or datetime, "
                           "e.g. 2026-01-31T09:30:00+01:00") from None


def statuses_param(args: MultiDict) -> set[CaseStatus] | None:
    """The statuses wanted: `status` (open/closed) and the `detailed_status` extension."""
    wanted = set(CaseStatus)
    states = set(list_param(args, "status", {"open", "closed"}))
    if states == {"open"}:
        wanted -= FINAL
    elif states == {"closed"}:
        wanted &= FINAL
    detailed = list_param(args, "detailed_status", {s.value for s in CaseStatus})
    if detailed:
        wanted &= {CaseStatus(value) for value in detailed}
    return None if wanted == set(CaseStatus) else wanted
