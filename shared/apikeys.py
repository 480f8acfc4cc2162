"""Open311 API keys: made, hashed, checked and revoked here; only a key's hash is stored.

A key carries scopes: `file` (file requests), `read_own` (read the personal data of its own
channel's requests), `read_all` (read every request's). It may expire; a revoked or expired
key is refused like an unknown one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import DomainError
from .models import ApiKey
from .models import utcnow
from .types import Channel

FILE, READ_OWN, READ_ALL = "file", "read_own", "read_all"
SCOPES = (FILE, READ_OWN, READ_ALL)
DEFAULT_SCOPES = (FILE, READ_OWN)
# Channels a key may file for (the phone channels are the IVR's and the agents').
KEY_CHANNELS = (Channel.WEB, Channel.APP, Channel.API)
MAX_KEY_LENGTH = 256  # far above what create() makes (43 characters)


class ApiKeyRefused(DomainError):
    """An unknown, revoked or expired key, or one without the scope the request needs."""
    error_id = "api-key-refused"
    http_status = 403


class ApiKeyExists(DomainError):
    error_id = "api-key-exists"
    http_status = 409


class NoSuchApiKey(DomainError):
    error_id = "no-such-api-key"
    http_status = 404


def hash_key(raw: str) -> str:
    """The stored form of a key. Keys are 256 random bits, so a plain SHA-256 is enough (no
    salt or slow hash: nothing to guess, and every request must check one quickly)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create(session: Session, name: str, channel: Channel = Channel.API,
           scopes=DEFAULT_SCOPES, expires_at: dt.datetime | None = None) -> tuple[ApiKey, str]:
    """A new key (not committed) and its clear text, which is never stored."""
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise ApiKeyExists(f"an API key named {name!r} exists already")
    if channel not in KEY_CHANNELS:
        raise DomainError("a key files for one of " + ", ".join(c.value for c in KEY_CHANNELS))
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise DomainError("scopes are among " + ", ".join(SCOPES))
    raw = secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_key(raw), channel=channel,
                 scope=" ".join(scope for scope in SCOPES if scope in scopes),
                 expires_at=expires_at)
    session.add(key)
    return key, raw


def verify(session: Session, raw: str, now: dt.datetime | None = None) -> ApiKey:
    """The live key whose clear text is `raw`, or ApiKeyRefused saying why."""
    key = None
    if raw and len(raw) <= MAX_KEY_LENGTH:
        key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if key is None:
        raise ApiKeyRefused("invalid api_key")
    if key.revoked_at is not None:
        raise ApiKeyRefused("this api_key was revoked")
    if key.expires_at is not None and key.expires_at <= (now or utcnow()):
        raise ApiKeyRefused(f"this api_key expired on {key.expires_at.date().isoformat()}")
    return key


def revoke(session: Session, name: str) -> ApiKey:
    """Revoke the key named `name` (not committed); revoking twice keeps the first date."""
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise NoSuchApiKey(f"no API key named {name!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key
