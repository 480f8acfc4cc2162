"""Open311 API keys: the `api_key` parameter of the spec, checked against the stored hashes."""
from flask import request
from sqlalchemy import select

from ..cli import hash_key
from ..errors import DomainError
from ..extensions import db
from ..models import ApiKey

PARAM = "api_key"
MAX_KEY_LENGTH = 256  # far above what `flask apikeys create` prints (43 characters)


class ApiKeyRefused(DomainError):
    """A missing, unknown or revoked api_key."""
    error_id = "api-key-refused"
    http_status = 403


def presented_key() -> str | None:
    """The api_key sent in the query string or the form body, if any."""
    return request.values.get(PARAM) or None


def current_key() -> ApiKey | None:
    """The caller's valid key; None when none was sent; ApiKeyRefused when it is bad."""
    raw = presented_key()
    if raw is None:
        return None
    key = None
    if len(raw) <= MAX_KEY_LENGTH:
        key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if key is None:
        raise ApiKeyRefused("invalid api_key")
    if key.revoked_at is not None:
        raise ApiKeyRefused("this api_key was revoked")
    return key


def require_key() -> ApiKey:
    """The caller's valid key, or ApiKeyRefused (writes always need one)."""
    key = current_key()
    if key is None:
        raise ApiKeyRefused("an api_key is required to file a request")
    return key
