"""Twilio's REST API through the official client, pointed at TWILIO_API_BASE so tests (and
the call simulator) can stand a local fake in for api.twilio.com.

Every request has a connect and a read timeout. Twilio's answers are sorted into what
trying again may mend (5xx, 429, no answer, our credentials being fixed) and what it
cannot (any other 4xx: an invalid number, an unsubscribed citizen, a missing resource),
which `classified()` raises as `TwilioRejected`, never retried by the jobs.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from urllib.parse import urlsplit

import requests
from flask import current_app
from twilio.base.exceptions import TwilioException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .jobs import PermanentError

TWILIO_API = "https://api.twilio.com"
# Twilio ends every call after 4 hours at most: a call (or a call-back) older than that has
# ended, even if its status callback never came.
MAX_CALL_DURATION = dt.timedelta(hours=4)
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 15
# 4xx answers that another try may mend: a timeout, too many requests, and our own
# credentials or permissions (an operator fixes them; the jobs then catch up).
RETRYABLE_CLIENT_ERRORS = {401, 403, 408, 429}


class TwilioRejected(PermanentError):
    """Twilio refused the request for good (e.g. 21211 invalid number, 21610 unsubscribed,
    21614 not a mobile, 404 no such resource)."""

    def __init__(self, message: str, status: int, code: int | None = None):
        super().__init__(message)
        self.status, self.code = status, code


class TwilioFailed(Exception):
    """Twilio could not do it this time (5xx, 429, ...): tried again later."""


class ForeignUrl(PermanentError):
    """A URL that is not on Twilio's API host: the account's credentials never go there."""


def timeouts() -> tuple[float, float]:
    return CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS


class RebasedHttpClient(TwilioHttpClient):
    """Sends what the client addresses to api.twilio.com to another base URL, with a
    connect and a read timeout (the constructor only takes a single number)."""

    def __init__(self, base_url: str, timeout: tuple[float, float] | None = None):
        super().__init__()
        self.timeout = timeout or timeouts()
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API + "/"):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


def client(timeout: tuple[float, float] | None = None) -> Client:
    """A REST client for the configured account (`timeout`: connect and read, in seconds)."""
    config = current_app.config
    return Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                  http_client=RebasedHttpClient(config["TWILIO_API_BASE"], timeout))


def update_call(call_sid: str, url: str, timeout: float) -> None:
    """Twilio's live call modification: the call leaves its current TwiML and fetches `url`
    (POST). `timeout` bounds both the connect and the read, so a caller of this never waits
    longer on Twilio; Twilio's errors come out as TwilioRejected / TwilioFailed."""
    with classified():
        client((timeout, timeout)).calls(call_sid).update(url=url, method="POST")


def create_call(to: str, from_: str, url: str, status_callback: str, timeout: float) -> str:
    """An outgoing call to `to` whose TwiML is fetched from `url` (POST) once answered, its
    end told to `status_callback`; returns its SID. `timeout` bounds the connect and the
    read, as for update_call."""
    with classified():
        return client((timeout, timeout)).calls.create(
            to=to, from_=from_, url=url, method="POST", status_callback=status_callback,
            status_callback_method="POST").sid


def is_permanent(status: int) -> bool:
    return 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS


def _error(status: int, code: int | None, what: str, message: str) -> Exception:
    text = f"Twilio answered {status} (code {code}) to {what}: {message}"
    return TwilioRejected(text, status, code) if is_permanent(status) else TwilioFailed(text)


@contextlib.contextmanager
def classified():
    """Around client calls: Twilio's error answers become TwilioRejected / TwilioFailed."""
    try:
        yield
    except TwilioRestException as exc:
        path = urlsplit(exc.uri or "").path
        raise _error(exc.status, exc.code, f"{exc.method} {path}", exc.msg) from None
    except TwilioException as exc:
        # A list whose page failed: the client raises TwilioException(text, response).
        response = exc.args[1] if len(exc.args) == 2 else None
        if not hasattr(response, "status_code"):
            raise
        code, message = _code_and_message(response.text)
        raise _error(response.status_code, code, "a list", message) from None


def _code_and_message(text: str) -> tuple[int | None, str]:
    try:
        body = json.loads(text or "")
    except ValueError:
        return None, ""
    if not isinstance(body, dict):
        return None, ""
    return body.get("code"), str(body.get("message") or "")


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default_port


def api_url(url: str) -> str:
    """`url` (e.g. a RecordingUrl) at TWILIO_API_BASE. Only URLs on Twilio's API host (or
    on that base's) are accepted: the account's credentials go with the request."""
    parts = urlsplit(url)
    base = current_app.config["TWILIO_API_BASE"].rstrip("/")
    if parts.username is None and parts.password is None:
        if _origin(url) == _origin(TWILIO_API):
            return base + parts.path + (f"?{parts.query}" if parts.query else "")
        if _origin(url) == _origin(base):
            return url
    raise ForeignUrl(f"refused: {parts.hostname!r} is not Twilio's API host")


def download(url: str) -> bytes:
    """GET a Twilio media URL with the account credentials (HTTP basic auth). A redirect
    elsewhere (media storage) is followed without them: requests drops the Authorization
    header when the host changes."""
    config = current_app.config
    response = requests.get(api_url(url), timeout=timeouts(),
                            auth=(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]))
    if response.status_code >= 400:
        code, _ = _code_and_message(response.text)
        raise _error(response.status_code, code, f"GET {urlsplit(url).path}",
                     response.reason or "")
    return response.content
