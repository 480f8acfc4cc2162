"""A stand-in for api.twilio.com inside the app (outside production): what the app's own
REST calls need when TWILIO_API_BASE points here: the dev phone's recordings, live call
updates that reach the dev phone's calls, and SMS (shown on the dev phone). Authenticated
as Twilio is: HTTP basic auth with the account SID and auth token."""
import hmac
import json

from flask import Response
from flask import current_app
from flask import request

from . import phone
from . import twilio_bp
from .phone import DEFAULT_ACCOUNT_SID
from .twilio_store import JSON
from .twilio_store import NOT_FOUND
from .twilio_store import Answer

UNAUTHORIZED = {"code": 20003, "message": "Authenticate", "status": 401}


def _authorized() -> bool:
    config = current_app.config
    auth = request.authorization
    token = config["TWILIO_AUTH_TOKEN"]
    return bool(token) and auth is not None and auth.type == "basic" and \
        hmac.compare_digest(auth.username or "", _account_sid()) and \
        hmac.compare_digest(auth.password or "", token)


def _account_sid() -> str:
    return current_app.config["TWILIO_ACCOUNT_SID"] or DEFAULT_ACCOUNT_SID


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype=JSON)


@twilio_bp.route("/2010-04-01/Accounts/<account>/<path:resource>",
                 methods=["GET", "POST", "DELETE"])
def resource(account: str, resource: str):
    if not _authorized():
        return _json(401, UNAUTHORIZED)
    if account != _account_sid():
        return _answer(NOT_FOUND)
    store = phone().store
    store.account_sid = account
    path = request.full_path.removeprefix(twilio_bp.url_prefix).rstrip("?")
    if request.method == "POST" and resource.startswith("Calls/") and \
            not request.form.get("Url", "").startswith(("http://", "https://")) and \
            not request.form.get("Twiml") and not request.form.get("Status"):
        return _json(400, {"code": 21205, "message": "Url is not a valid URL"})
    return _answer(store.answer(request.method, path, request.form.to_dict()) or NOT_FOUND)


def _answer(answer: Answer) -> Response:
    status, body, kind = answer
    return Response(body, status=status, content_type=kind)
