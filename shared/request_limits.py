"""Request body limits, applied before anything reads the body: an oversized request is
refused (413) before its form is parsed or its signature checked, so a flood of large
unsigned posts costs neither memory nor CPU."""
from __future__ import annotations

from flask import Flask
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from .open311.params import MAX_ADDRESS
from .open311.params import MAX_DESCRIPTION
from .open311.params import MAX_NAME
from .open311.params import MAX_SUBJECT

KIB = 1024
# Twilio's webhooks are form posts of a few dozen short fields (about 2 KB).
IVR_MAX_BYTES = 16 * KIB
# Open311 filing: its free texts at their limits, each character percent-encoded at worst
# (a 4-byte UTF-8 character is 12 bytes), plus the other fields.
OPEN311_MAX_BYTES = 12 * (MAX_DESCRIPTION + MAX_SUBJECT + 2 * MAX_NAME + MAX_ADDRESS) + 16 * KIB
DEFAULT_MAX_BYTES = 64 * KIB
# The dev phone (outside production) uploads a caller's recording: a few minutes of audio.
DEVPHONE_MAX_BYTES = 8 * 1024 * KIB
BY_BLUEPRINT = {"ivr": IVR_MAX_BYTES, "open311": OPEN311_MAX_BYTES,
                "devphone": DEVPHONE_MAX_BYTES}
MAX_FORM_PARTS = 100  # fields of a multipart form (Werkzeug's default: 1,000)


def body_limit(blueprint: str | None) -> int:
    return BY_BLUEPRINT.get(blueprint or "", DEFAULT_MAX_BYTES)


def refuse_oversized_bodies() -> None:
    """Before every other check: a declared length over the limit is refused unread, and
    a body without a length (chunked) is cut at the limit when it is read."""
    limit = body_limit(request.blueprint)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(
            f"the request body is {request.content_length} bytes; at most {limit} here")


def init_app(app: Flask) -> None:
    """Register the check first, so it runs before any other before_request (CSRF reads
    forms) and before the views (signature checks read forms)."""
    app.config.update(MAX_CONTENT_LENGTH=max(BY_BLUEPRINT.values()),
                      MAX_FORM_MEMORY_SIZE=OPEN311_MAX_BYTES, MAX_FORM_PARTS=MAX_FORM_PARTS)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversized_bodies)
