"""Twilio request signatures, checked against PUBLIC_BASE_URL (never the URL this process
sees, which behind a TLS proxy says http:// and would fail every call). Fails closed."""
import functools
import logging

from flask import abort
from flask import current_app
from flask import request
from twilio.request_validator import RequestValidator

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
    return RequestValidator(token).validate(url or requested_public_url(),
                                            request.form if params is None else params,
                                            signature)


def twilio_request_required(view):
    """Refuse (403, nothing written) any request Twilio did not sign."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not is_signed_by_twilio():
            log.warning("refused an unsigned or badly signed request to %s", request.path)
            abort(403)
        return view(*args, **kwargs)
    return checked
