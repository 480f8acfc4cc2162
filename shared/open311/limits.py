"""Open311 rate limits (Flask-Limiter), read from the configuration at each request.

- Every route: OPEN311_RATE_LIMIT per client address for callers without a valid key, and
  OPEN311_KEY_RATE_LIMIT per key for the others (a portal's server speaks for many citizens
  from one address, so its key is counted, not its address).
- Reference look-ups without a valid key (GET requests/<ref>, GET requests?service_request_id):
  REFERENCE_LOOKUP_RATE_LIMIT per client address, each named reference counting once, so that
  guessing references stays slow however the guesses are packed into requests.
"""
from __future__ import annotations

import time

from flask import current_app
from flask import request
from flask_limiter.util import get_remote_address

from ..extensions import limiter
from .auth import valid_key_or_none
from .params import MAX_LIST_ITEMS


def _config(name: str):
    return lambda: current_app.config[name]


def _message(what: str, name: str):
    """The 429's description: which limit, and how much it allows."""
    return lambda: f"too many {what} (at most {current_app.config[name]})"


def has_valid_key() -> bool:
    return valid_key_or_none() is not None


def key_identity() -> str:
    """The per-key counter's name: the key's id, never the key."""
    key = valid_key_or_none()
    return f"open311-key:{key.id}" if key is not None else ""


def references_named() -> int:
    """How many references a look-up names (the cost of one request)."""
    if request.view_args and "service_request_id" in request.view_args:
        return 1
    raw = request.args.get("service_request_id") or ""
    return min(MAX_LIST_ITEMS, max(1, len([ref for ref in raw.split(",") if ref.strip()])))


def limit_blueprint(bp) -> None:
    """Every Open311 route: per address without a key, per key with one."""
    limiter.shared_limit(_config("OPEN311_RATE_LIMIT"), "open311", key_func=get_remote_address,
                         exempt_when=has_valid_key, override_defaults=False,
                         error_message=_message("requests from this address",
                                                "OPEN311_RATE_LIMIT"))(bp)
    limiter.shared_limit(_config("OPEN311_KEY_RATE_LIMIT"), "open311-key",
                         key_func=key_identity, exempt_when=lambda: not has_valid_key(),
                         override_defaults=False,
                         error_message=_message("requests with this api_key",
                                                "OPEN311_KEY_RATE_LIMIT"))(bp)


# Shared limits: one counter per address (or key) across the routes, whichever is used.
reference_lookup = limiter.shared_limit(
    _config("REFERENCE_LOOKUP_RATE_LIMIT"), "open311-lookup", key_func=get_remote_address,
    exempt_when=has_valid_key, cost=references_named, override_defaults=False,
    error_message=_message("references looked up from this address",
                           "REFERENCE_LOOKUP_RATE_LIMIT"))


def retry_after() -> int:
    """Seconds until the breached window lets one more request through (at least 1)."""
    current = limiter.current_limit
    reset_at = current.reset_at if current is not None else time.time() + 60
    return max(1, int(reset_at - time.time()))
