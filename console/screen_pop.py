"""The screen pop of a held call: who calls (the number masked to the viewer's role), in
which language, what they chose in the IVR, their earlier cases by phone with each one's
status, and the likely duplicates (same administration, filed within
DUPLICATE_WINDOW_DAYS). Looking up a caller's cases is written to the log (who, which
call; never the number)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from shared import access_log
from shared import administrations
from shared.identity import mask
from shared.models import Administration
from shared.models import Call
from shared.models import Case
from shared.models import User
from shared.models import utcnow
from shared.extensions import db
from shared.types import Role

from . import bp
from .labels import KINDS
from .labels import STATUSES
from .labels import language_names

log = logging.getLogger(__name__)
# The number's digits each role sees: the agent talking to the caller can check the end
# of it with them; a supervisor watching needs less.
DIGITS_SHOWN = {Role.AGENT: 4, Role.SUPERVISOR: 2}
EARLIER_CASES_SHOWN = 10


@dataclass(frozen=True)
class ScreenPop:
    call_sid: str
    phone: str                      # masked
    language: str | None
    kind: str | None
    administration: Administration | None
    earlier_cases: list[Case]       # newest first
    duplicates: list[Case]          # a subset of the caller's cases: same administration, recent


def shown_phone(number: str | None, viewer: User) -> str:
    return mask(number, keep=DIGITS_SHOWN.get(viewer.role, 0))


def caller_cases(session: Session, call: Call) -> list[Case]:
    """The caller's cases by phone, newest first (not the one this call filed)."""
    if not call.caller:
        return []
    query = select(Case).where(Case.citizen_phone == call.caller).options(
        selectinload(Case.administration)).order_by(Case.filed_at.desc(), Case.id.desc())
    if call.case_id is not None:
        query = query.where(Case.id != call.case_id)
    return list(session.scalars(query.limit(EARLIER_CASES_SHOWN)))


def likely_duplicates(session: Session, call: Call, administration: Administration | None,
                      days: int, now: dt.datetime | None = None) -> list[Case]:
    """The caller's cases for the same administration filed within `days`."""
    if not call.caller or administration is None:
        return []
    since = (now or utcnow()) - dt.timedelta(days=days)
    query = select(Case).where(Case.citizen_phone == call.caller,
                               Case.administration_id == administration.id,
                               Case.filed_at >= since).order_by(Case.filed_at.desc())
    if call.case_id is not None:
        query = query.where(Case.id != call.case_id)
    return list(session.scalars(query))


def screen_pop(session: Session, call: Call, viewer: User) -> ScreenPop:
    answers = call.answers or {}
    administration = administrations.by_code(session, answers.get("administration", ""))
    days = current_app.config["DUPLICATE_WINDOW_DAYS"]
    earlier = caller_cases(session, call)
    duplicates = likely_duplicates(session, call, administration, days)
    if call.caller:  # a look-up by phone: in the access log (the number only as its hash)
        access_log.record(session, viewer, access_log.SCREEN_POP, searched=call.caller,
                          matches=len(earlier))
    return ScreenPop(call_sid=call.call_sid, phone=shown_phone(call.caller, viewer),
                     language=call.language, kind=answers.get("kind"),
                     administration=administration, earlier_cases=earlier,
                     duplicates=duplicates)


@bp.app_template_global()
def screen_pop_of(call: Call) -> dict:
    """What console/call/_screen_pop.html shows for the call of the page."""
    return {"screen": screen_pop(db.session, call, current_user), "kinds": KINDS,
            "statuses": STATUSES, "languages": language_names()}
