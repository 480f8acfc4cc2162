"""The 3737 voice flow: Twilio webhooks, the call flow as data, TwiML builders."""
from flask import Blueprint
from flask import request

from shared.extensions import limiter

bp = Blueprint("ivr", __name__, url_prefix="/ivr")


@limiter.request_filter
def _twilio_is_not_rate_limited() -> bool:
    """Twilio posts every call's webhooks from its own few addresses: no per-address limit
    applies (per-caller limits are the flow's), and Flask-Limiter's look-up of the limits
    that might is skipped on the IVR's busiest path."""
    return request.blueprint == "ivr"

from . import views  # noqa: E402,F401  (registers the routes)
from . import agent_readback  # noqa: E402,F401  (an agent plays a reference to the caller)
from . import callbacks  # noqa: E402,F401  (an agent calls a citizen back)
from .speech.choices import listener_for  # noqa: E402
from .speech.runtime import register_stream_listener  # noqa: E402

# The spoken choices of the menus listen on every call's media stream.
bp.record_once(lambda state: register_stream_listener(state.app, listener_for))
