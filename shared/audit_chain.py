"""The hash chain of the access log, as pure functions (the migration that chains the rows
already there uses them too).

Each row's hash is sha256 over the previous row's hash and a canonical serialisation of the
row's own fields (JSON, keys sorted, no spaces, UTC times in ISO form). The first row's
previous hash is GENESIS. A changed field changes the row's hash; a deleted row leaves a gap
in `seq` and a previous hash that no longer matches; an inserted row matches neither.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

GENESIS = "0" * 64
# What a row's hash covers. Not user_id: it is set to NULL when a user is deleted (the
# actor keeps the username), and that must not look like tampering.
CHAINED_FIELDS = ("seq", "at", "actor", "kind", "case_id", "target", "query_hash", "matches",
                  "detail")


def _plain(value):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
    return value


def canonical(fields: dict) -> str:
    """The row's chained fields as one canonical JSON text."""
    return json.dumps({name: _plain(fields.get(name)) for name in CHAINED_FIELDS},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(previous_hash: str, fields: dict) -> str:
    return hashlib.sha256(f"{previous_hash}\n{canonical(fields)}".encode()).hexdigest()
