"""What waits for an agent: callers in the queue (live, with what they chose in the IVR),
callback requests and voicemails still to handle, and the voicemails' recordings, streamed
to logged-in agents only (never a public URL)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import jsonify
from flask import send_file
from flask_login import current_user
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shared import access_log
from shared import callbacks
from shared import references
from shared.call_queue import waiting_item
from shared.extensions import db
from shared.identity import mask
from shared.models import Administration
from shared.models import Call
from shared.models import Case
from shared.models import utcnow
from shared.types import CaseStatus
from shared.types import Role

from . import bp
from .auth import has_role
from .auth import role_required
from .forms import ClaimForm
from .labels import KINDS
from .labels import language_names
from .views import AGENT_PAGE_ROLES

log = logging.getLogger(__name__)
# How many callbacks and voicemails the page lists at once (oldest first).
LIST_LIMIT = 100
# Who takes calls (a supervisor watches the queue).
CLAIM_ROLES = (Role.AGENT,)
FINAL = (CaseStatus.CLOSED, CaseStatus.NOT_COMPETENT, CaseStatus.INADMISSIBLE,
         CaseStatus.DUPLICATE)


def waiting_calls(session) -> list[dict]:
    """The callers queued for an agent now, longest waiting first (shared/call_queue's
    items: the number masked)."""
    calls = session.scalars(select(Call).where(
        Call.step == "agent", Call.outcome == "agent", Call.ended_at.is_(None),
        Call.agent_id.is_(None))).all()
    codes = {(call.answers or {}).get("administration") for call in calls} - {None}
    administrations = {admin.code: admin for admin in session.scalars(
        select(Administration).where(Administration.code.in_(codes)))} if codes else {}
    items = [waiting_item(call, administrations.get((call.answers or {}).get("administration")))
             for call in calls]
    return sorted(items, key=lambda item: item["queued_at"])


@dataclass(frozen=True)
class Callback:
    id: int
    phone: str  # masked
    language: str
    requested_at: dt.datetime
    attempts: int = 0


def callbacks_to_handle(session) -> list[Callback]:
    """The callbacks nobody is making (shared/callbacks.py), oldest first."""
    return [Callback(row.id, mask(row.phone), row.language, row.requested_at, row.attempts)
            for row in callbacks.waiting(session, LIST_LIMIT)]


@dataclass(frozen=True)
class Voicemail:
    reference: str
    language: str
    administration: Administration | None
    filed_at: dt.datetime
    has_recording: bool


def voicemails_to_handle(session) -> list[Voicemail]:
    """Cases filed from a voicemail whose message no agent has written down yet: the few
    still flagged (ix_cases_description_pending), never every voicemail ever left."""
    rows = session.scalars(select(Case).where(
        Case.description_pending, Case.status.not_in(FINAL),
        exists().where(Call.case_id == Case.id, Call.outcome == "voicemail"))
        .options(joinedload(Case.administration)).order_by(Case.filed_at).limit(LIST_LIMIT))
    return [Voicemail(case.reference, case.language, case.administration, case.filed_at,
                      bool(case.recording_path)) for case in rows]


def waited_seconds(item: dict, now: dt.datetime | None = None) -> int:
    return max(0, int(((now or utcnow()) - dt.datetime.fromisoformat(item["queued_at"]))
                      .total_seconds()))


@bp.get("/queue")
@role_required(*AGENT_PAGE_ROLES)
def queue_items():
    """The waiting callers now (the page asks again after its socket reconnects, so an
    event missed while it was cut off is not missed for long)."""
    return jsonify({"items": waiting_calls(db.session), "now": utcnow().isoformat()})


def voicemail_case(reference: str) -> Case:
    """The voicemail case named in the URL, or a 404."""
    if not references.is_valid(reference):
        abort(404)
    case = db.session.scalar(select(Case).join(Call, Call.case_id == Case.id).where(
        Case.reference == reference, Call.outcome == "voicemail"))
    if case is None or not case.recording_path:
        abort(404)
    return case


@bp.get("/voicemails/<reference>/recording")
@role_required(*AGENT_PAGE_ROLES)
def voicemail_recording(reference: str):
    """A voicemail's message, streamed to an agent (personal data: not cached, logged)."""
    case = voicemail_case(reference)
    path = Path(case.recording_path).resolve()
    folder = Path(current_app.config["RECORDINGS_DIR"]).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        abort(404)
    access_log.record(db.session, current_user, access_log.VOICEMAIL, case=case)
    db.session.commit()
    response = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def queue_page() -> dict:
    """What the agent page's queue section shows (console/_queue.html)."""
    now = utcnow()
    waiting = [dict(item, waited=waited_seconds(item, now)) for item in waiting_calls(db.session)]
    return {"waiting": waiting, "callbacks": callbacks_to_handle(db.session),
            "voicemails": voicemails_to_handle(db.session), "now": now,
            "kinds": KINDS, "languages": language_names(), "claim_form": ClaimForm(),
            "may_claim": has_role(*CLAIM_ROLES)}


@bp.app_template_filter()
def local_datetime(moment: dt.datetime) -> str:
    """`moment` in the line's time zone (TIMEZONE), as 31/12/2026 14:05."""
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%d/%m/%Y %H:%M")
