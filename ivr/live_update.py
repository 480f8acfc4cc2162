"""Moving a live call from outside its webhooks: Twilio's live call modification (the call
leaves the TwiML it is playing and fetches a new URL), used when a choice was heard on the
call's media stream. Bounded by SPEECH_UPDATE_TIMEOUT_SECONDS and never raised: a failed
update is logged and the caller still has the keypad (the <Gather> keeps waiting)."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import current_app

from shared import twilio_rest

log = logging.getLogger(__name__)


def with_query(url: str, **values: str) -> str:
    """`url` with `values` added to its query string."""
    return url + ("&" if "?" in url else "?") + urlencode(values)


def redirect_call(call_sid: str, url: str) -> bool:
    """Send the live call `call_sid` to `url` (POST, signed by Twilio like any webhook);
    True when Twilio accepted it. In an app context."""
    timeout = current_app.config["SPEECH_UPDATE_TIMEOUT_SECONDS"]
    try:
        twilio_rest.update_call(call_sid, url, timeout)
    except Exception as error:  # noqa: BLE001 - the keypad must still work whatever failed
        log.warning("call %s: live update to %s failed (%s); the caller can still use "
                    "the keypad", call_sid, url.split("?")[0], error)
        return False
    log.info("call %s moved by speech to %s", call_sid, url.split("?")[0])
    return True
