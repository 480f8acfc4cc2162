"""The access log: every look-up of personal data in the console (a case page opened, a
search by phone or CIN) is a row of `access_log`: who, when, which case or which kind of
search. A searched phone or CIN is kept only as a keyed hash (HMAC-SHA256 with the app's
secret key), so the log can tell that one number was searched twice without holding it."""
import hashlib
import hmac

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .models import AccessLogEntry
from .models import Case
from .models import User

CASE_PAGE = "case_page"
SEARCH_REFERENCE = "search_reference"
SEARCH_PHONE = "search_phone"
SEARCH_CIN = "search_cin"


class AppendOnly(RuntimeError):
    """A row of the access log is never changed nor deleted by the application."""


@event.listens_for(AccessLogEntry, "before_update")
@event.listens_for(AccessLogEntry, "before_delete")
def _refuse_changes(_mapper, _connection, entry: AccessLogEntry) -> None:
    raise AppendOnly(f"the access log is append-only (row {entry.id})")


def keyed_hash(value: str) -> str:
    """The searched value (already normalised) as a keyed hash: not reversible by someone
    who reads the table without the key (a phone number's 10^9 values are easy to hash)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"access-log:{value}".encode(), hashlib.sha256).hexdigest()


def record(session: Session, user: User, kind: str, case: Case | None = None,
           searched: str | None = None, matches: int | None = None) -> AccessLogEntry:
    """Add one row (in the caller's transaction, committed with what the look-up shows)."""
    entry = AccessLogEntry(
        user_id=user.id, actor=f"user:{user.username}", kind=kind,
        case_id=case.id if case is not None else None,
        query_hash=keyed_hash(searched) if searched is not None else None, matches=matches)
    session.add(entry)
    return entry
