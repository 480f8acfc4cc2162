"""The access and change log: every look-up of personal data in the console (a case page
opened, a search by phone or CIN) and every change a console user makes (a case event, a
user or role changed) is a row of `access_log`: who, when, which case or what.

Append-only and hash-chained (shared/audit_chain.py): each row carries the previous row's
hash and its own, so `flask audit verify` finds a row changed, deleted or inserted behind
the application's back. Appends are serialised so that two writers never chain to the same
row (a fork): PostgreSQL takes a transaction-level advisory lock, SQLite the write turn
(shared/database.py); `seq` is unique besides, so a fork could not be committed anyway.
The lock is held until the caller's transaction ends: record last, then commit.

A searched phone or CIN is kept only as a keyed hash (HMAC-SHA256 with the app's secret
key), so the log can tell that one number was searched twice without holding it."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from . import audit_chain
from .database import will_write
from .models import AccessLogEntry
from .models import Case
from .models import User
from .models import utcnow

CASE_PAGE = "case_page"
SEARCH_REFERENCE = "search_reference"
SEARCH_PHONE = "search_phone"
SEARCH_CIN = "search_cin"
SCREEN_POP = "screen_pop"  # a held call's caller: their cases looked up by phone
VOICEMAIL = "voicemail"  # a voicemail's recording played
CALLBACK = "callback"  # a callback's number dialed for an agent (target: callback:<id>)
CASE_CHANGE = "case_change"
USER_CHANGE = "user_change"
TEMPLATE_CHANGE = "answer_template_change"  # an officer added or deleted one of theirs
# pg_advisory_xact_lock's key for the log's appends ("3737" and "log" in ASCII).
APPEND_LOCK_KEY = 0x3737_6C6F67


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


def _take_append_turn(session: Session) -> None:
    """Only one transaction at a time appends (until it ends)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": APPEND_LOCK_KEY})
    else:
        will_write(session)  # SQLite: the next read holds the write turn


def _fields(entry: AccessLogEntry) -> dict:
    return {name: getattr(entry, name) for name in audit_chain.CHAINED_FIELDS}


def append(session: Session, entry: AccessLogEntry) -> AccessLogEntry:
    """Chain `entry` to the last row and add it (in the caller's transaction)."""
    session.flush()  # the caller's own writes first: on SQLite they take the turn anyway
    _take_append_turn(session)
    last_seq, entry.prev_hash = head(session)
    entry.seq = last_seq + 1
    # Microseconds survive every backend; the hash is computed over what is stored.
    entry.at = (entry.at or utcnow()).astimezone(dt.timezone.utc)
    entry.row_hash = audit_chain.row_hash(entry.prev_hash, _fields(entry))
    session.add(entry)
    session.flush()
    return entry


def record(session: Session, user: User, kind: str, case: Case | None = None,
           searched: str | None = None, matches: int | None = None,
           target: str | None = None) -> AccessLogEntry:
    """Log a look-up (in the caller's transaction, committed with what the look-up shows)."""
    return append(session, AccessLogEntry(
        user_id=user.id, actor=f"user:{user.username}", kind=kind,
        case_id=case.id if case is not None else None, target=target,
        query_hash=keyed_hash(searched) if searched is not None else None, matches=matches))


def record_change(session: Session, user: User, kind: str, detail: dict,
                  case: Case | None = None, target: str | None = None) -> AccessLogEntry:
    """Log a change made by a console user: `detail` says what (never a citizen's identity:
    an action and statuses, field names, a role)."""
    if case is not None and case.id is None:
        session.flush()
    return append(session, AccessLogEntry(
        user_id=user.id, actor=f"user:{user.username}", kind=kind,
        case_id=case.id if case is not None else None, target=target, detail=detail))


@dataclass(frozen=True)
class Break:
    """The first place where the chain does not hold."""
    seq: int
    row_id: int | None
    reason: str


def verify(session: Session, batch: int = 1000) -> tuple[int, Break | None]:
    """Walk the chain in `seq` order: (rows checked, the first break or None)."""
    table = AccessLogEntry.__table__
    previous, expected_seq, checked = audit_chain.GENESIS, 1, 0
    while True:
        rows = session.execute(select(table).where(table.c.seq >= expected_seq)
                               .order_by(table.c.seq).limit(batch)).mappings().all()
        if not rows:
            return checked, None
        for row in rows:
            if row["seq"] != expected_seq:
                return checked, Break(expected_seq, None,
                                      f"row {expected_seq} is missing (deleted?): "
                                      f"the next is {row['seq']}")
            if row["prev_hash"] != previous:
                return checked, Break(row["seq"], row["id"], "does not chain to the row "
                                      "before (a row deleted or inserted before it?)")
            if audit_chain.row_hash(previous, row) != row["row_hash"]:
                return checked, Break(row["seq"], row["id"], "its content does not match "
                                      "its hash (changed?)")
            previous, expected_seq, checked = row["row_hash"], expected_seq + 1, checked + 1


def head(session: Session) -> tuple[int, str]:
    """The last row's seq and hash (0 and GENESIS when empty): note them elsewhere to
    notice later that rows were cut off the end."""
    last = session.execute(select(AccessLogEntry.seq, AccessLogEntry.row_hash)
                           .order_by(AccessLogEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.row_hash) if last else (0, audit_chain.GENESIS)
