"""Twilio request signatures, checked against PUBLIC_BASE_URL (never the URL this process
sees, which behind a TLS proxy says http:// and would fail every call). Fails closed."""
import functools
import hmac
import logging
from urllib.parse import urlparse

from flask import abort
from flask import current_app
from flask import request
from twilio.request_validator import RequestValidator
from twilio.request_validator import add_port
from twilio.request_validator import remove_port

from shared.urls import requested_public_url

log = logging.getLogger(__name__)


def is_signed_by_twilio(url: str | None = None, params=None) -> bool:
    """This request's signature over `url` (default: the public URL requested) and `params`
    (default: the form posted; a websocket upgrade has none)."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        log.error("TWILIO_AUTH_TOKEN is not set: every Twilio webhook is refused")
        return False
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    return signature_matches(RequestValidator(token), url or requested_public_url(),
                             request.form if params is None else params, signature)


def signature_matches(validator: RequestValidator, url: str, params, signature: str) -> bool:
    """RequestValidator.validate for a form post: the signature over `url` without its
    default port, else with it (Twilio signs either). validate() computes both HMACs
    every time; this stops at the first that matches, the one of every ordinary call."""
    parsed = urlparse(url)
    given = signature.encode("utf-8", "replace")
    return any(hmac.compare_digest(validator.compute_signature(candidate, params).encode(), given)
               for candidate in dict.fromkeys((remove_port(parsed), add_port(parsed))))


def twilio_request_required(view):
    """Refuse (403, nothing written) any request Twilio did not sign."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not is_signed_by_twilio():
            log.warning("refused an unsigned or badly signed request to %s", request.path)
            abort(403)
        return view(*args, **kwargs)
    return checked
