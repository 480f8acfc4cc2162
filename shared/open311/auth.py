"""Open311 API keys as a request presents them, and what they let it read.

A key comes in the `X-Api-Key` header or, on a POST, in the form body's `api_key` (the spec's
place). Never in the URL: proxies, browsers and access logs keep URLs, so a key found there is
refused before it is even looked up.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request

from .. import apikeys
from ..apikeys import ApiKeyRefused
from ..errors import DomainError
from ..extensions import db
from ..health import DATABASE_UNAVAILABLE
from ..models import ApiKey
from ..models import Case
from ..types import Channel
from .params import BadParameter

PARAM = "api_key"
HEADER = "X-Api-Key"
# Spellings of a key's name in a query string that are refused, whatever their case.
URL_NAMES = {"api_key", "apikey", "api-key", "x-api-key"}
_CACHE = "allo3737.open311.api_key"
WHERE = f"send it in the {HEADER} header (or in the {PARAM} field of a POST's form body)"


class ApiKeyRequired(DomainError):
    """A request that needs a key came without one."""
    error_id = "api-key-required"
    http_status = 401


class ApiKeyInUrl(BadParameter):
    """A key in the query string: refused, and never repeated or logged."""
    error_id = "api-key-in-url"


def presented_key() -> str | None:
    """The key the request carries, if any; ApiKeyInUrl when it is in the URL."""
    if any(name.lower() in URL_NAMES for name in request.args):
        raise ApiKeyInUrl(f"an api_key is never accepted in the URL (URLs are logged): {WHERE}. "
                          "A key sent in a URL may have been recorded: have it replaced")
    raw = request.headers.get(HEADER)
    if raw is None and request.method == "POST":
        raw = request.form.get(PARAM)
    return (raw or "").strip() or None


def current_key() -> ApiKey | None:
    """The caller's live key; None when none was sent; ApiKeyRefused when it is bad.
    Looked up once per request (the rate limits ask too), kept in the request's WSGI
    environ: `g` can outlive a request (an app context pushed around several)."""
    if _CACHE not in request.environ:
        raw = presented_key()
        request.environ[_CACHE] = apikeys.verify(db.session, raw) if raw else None
    return request.environ[_CACHE]


def valid_key_or_none() -> ApiKey | None:
    """The caller's live key, or None for anything else (for rate limits, which never fail:
    a database out of reach counts the request as keyless; the view then answers 503)."""
    try:
        return current_key()
    except (DomainError, *DATABASE_UNAVAILABLE):
        db.session.rollback()
        return None


def require_scope(scope: str, what: str) -> ApiKey:
    """The caller's live key if it has `scope`: else 401 without a key, 403 with another."""
    key = current_key()
    if key is None:
        raise ApiKeyRequired(f"an api_key is needed to {what}: {WHERE}")
    if not key.allows(scope):
        raise ApiKeyRefused(f"this api_key may not {what} (it needs the {scope} scope)")
    return key


@dataclass(frozen=True)
class ReadAccess:
    """What one caller may read: anyone, requests named by reference (status and dates);
    a `read_own` key, its channel's requests in full; a `read_all` key, every request."""
    key: ApiKey | None

    @property
    def channel(self) -> Channel | None:
        """The only channel this caller may list, None for every channel."""
        return None if self.key.allows(apikeys.READ_ALL) else self.key.channel

    def may_list(self) -> bool:
        return self.key is not None and bool(
            self.key.scopes & {apikeys.READ_OWN, apikeys.READ_ALL})

    def check_may_list(self) -> None:
        """An open listing (no service_request_id): 401 without a key, 403 without a scope."""
        if self.key is None:
            raise ApiKeyRequired(
                f"listing requests needs an api_key with the read_own or read_all scope: {WHERE}."
                " Without a key, name the requests: requests.json?service_request_id=<ref>,<ref>")
        if not self.may_list():
            raise ApiKeyRefused("this api_key may not list requests "
                                "(it needs the read_own or read_all scope)")

    def sees_personal_data(self, case: Case) -> bool:
        """The description, the reply and the masked phone of `case`."""
        if self.key is None:
            return False
        if self.key.allows(apikeys.READ_ALL):
            return True
        return self.key.allows(apikeys.READ_OWN) and case.channel is self.key.channel


def read_access() -> ReadAccess:
    return ReadAccess(current_key())
