"""The 3737 voice flow: Twilio webhooks, the call flow as data, TwiML builders."""
from flask import Blueprint

bp = Blueprint("ivr", __name__, url_prefix="/ivr")

from . import views  # noqa: E402,F401  (registers the routes)
