"""The dev phone (outside production only): a console page that calls this same server
the way Twilio does, and the stand-in for Twilio's REST API it needs (recordings, live
call updates, SMS), so the whole line runs on one machine without Twilio.

In production every route here answers 404, and `make run` alone points TWILIO_API_BASE
at the stand-in (Makefile DEV_ENV)."""
from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app

from shared.config import DEV_TWILIO_API_PATH

from .phone import DevPhone

EXTENSION = "devphone"
API_PREFIX = DEV_TWILIO_API_PATH

bp = Blueprint("devphone", __name__, url_prefix="/console/devphone")
twilio_bp = Blueprint("dev_twilio", __name__, url_prefix=API_PREFIX)


def available() -> bool:
    return current_app.config["APP_ENV"] != "production"


def phone() -> DevPhone:
    return current_app.extensions[EXTENSION]


@bp.before_request
@twilio_bp.before_request
def not_in_production():
    if not available():
        abort(404)


from . import twilio_api  # noqa: E402,F401  (registers the routes)
from . import views  # noqa: E402,F401


def init_app(app: Flask, csrf) -> None:
    """Register both blueprints; Twilio's REST clients send no CSRF token (they send the
    account's credentials)."""
    app.extensions[EXTENSION] = DevPhone(app.config["TWILIO_ACCOUNT_SID"])
    csrf.exempt(twilio_bp)
    app.register_blueprint(bp)
    app.register_blueprint(twilio_bp)
