"""An agent plays a filed case's reference to the caller they hold: the console moves the
live call here (a Twilio live call update), the IVR reads the reference digit by digit and
the legal reply date with the same words as after an IVR filing (flow.read_back), 1
repeats it, then the caller goes back to the agent or the call ends, as the agent chose.
The URL names the agent and the choice only: the case is the call's (calls.case_id)."""
from __future__ import annotations

import logging

from flask import abort
from flask import request
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.urls import public_endpoint

from . import bp
from .engine import voice_for
from .flow import read_back
from .security import twilio_request_required
from .twiml import Keys
from .twiml import Prompt
from .twiml import gather
from .views import agent_param
from .views import safely
from .views import twiml
from .webhook_input import call_sid

log = logging.getLogger(__name__)
AFTER = ("agent", "hangup")  # where the caller goes once the reference is read
REPEAT_KEY = "1"


def readback_url(agent_id: int, then: str) -> str:
    """The public URL (signed by Twilio when it fetches it) a held call is moved to."""
    return public_endpoint("ivr.agent_readback", agent=agent_id, then=then)


@bp.post("/agent/readback")
@twilio_request_required
def agent_readback():
    agent_id = agent_param()
    then = request.args.get("then", "")
    if then not in AFTER:
        abort(400, "then: agent (back to the agent) or hangup")

    def handle():
        sid = call_sid(request.form)
        call = db.session.scalar(select(Call).where(Call.call_sid == sid)) if sid else None
        case = db.session.get(Case, call.case_id) if call is not None and call.case_id else None
        voice = voice_for(call)
        response = VoiceResponse()
        if case is None:
            log.warning("read-back asked for call %s, which has no case", sid)
        elif request.form.get("Digits", REPEAT_KEY) == REPEAT_KEY:  # first time, or 1
            url = readback_url(agent_id, then)
            voice.render(gather(response, Keys(num_digits=1, timeout=4), url, None),
                         read_back(case) + [Prompt("repeat_reference")])
        if then == "agent":
            response.redirect(public_endpoint("ivr.connect_agent", agent=agent_id),
                              method="POST")
        else:
            voice.render(response, [Prompt("goodbye")])
            response.hangup()
        return twiml(str(response))
    return safely(handle)
