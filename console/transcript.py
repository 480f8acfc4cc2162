"""The live transcript panel of a held call: the console asks to `watch_call`; the agent
holding the call (or a supervisor) joins the call's room (ivr/speech/transcript.py sends
the segments there) and gets the final segments said so far. Anyone else is refused with
the same answer as for a call that does not exist."""
from flask import request
from sqlalchemy import select

from ivr.speech.transcript import join_call_room
from shared.extensions import db
from shared.extensions import socketio
from shared.models import TranscriptSegment

from .auth import role_required
from .calls import find_held_call
from .views import AGENT_PAGE_ROLES


def segment_payload(call_sid: str, segment: TranscriptSegment) -> dict:
    """A stored segment as the live event carries it (its text is already masked)."""
    return {"call_sid": call_sid, "seq": segment.seq, "final": True, "text": segment.text,
            "start": segment.start_seconds, "end": segment.end_seconds,
            "confidence": segment.confidence}


def segments_so_far(call) -> list[dict]:
    return [segment_payload(call.call_sid, segment) for segment in db.session.scalars(
        select(TranscriptSegment).where(TranscriptSegment.call_id == call.id)
        .order_by(TranscriptSegment.seq))]


@socketio.on("watch_call")
@role_required(*AGENT_PAGE_ROLES)
def watch_call(data=None):
    """{"call_sid": ...} -> {"segments": [...]}, and the call's live segments from now on
    (joined before reading: a segment saved meanwhile comes twice, never not at all)."""
    call = find_held_call(data.get("call_sid") if isinstance(data, dict) else None)
    if call is None:
        db.session.rollback()
        return {"error": "not_found"}
    join_call_room(request.sid, call.call_sid)
    segments = segments_so_far(call)
    db.session.rollback()
    return {"ok": True, "segments": segments}
