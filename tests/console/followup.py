"""Helpers of the follow-up and wrap-up tests: cases filed and moved along in the database,
the access log read back."""
from sqlalchemy import select

from shared import administrations
from shared.cases import CaseService
from shared.extensions import db
from shared.models import AccessLogEntry
from shared.models import Call
from shared.models import Case
from tests.shared.helpers import CIN
from tests.shared.helpers import PHONE
from tests.shared.helpers import bring_to
from tests.shared.helpers import file_case

__all__ = ["CIN", "PHONE", "make_case", "access_rows", "case_events", "held_call"]


def make_case(app, status: str = "received", **overrides) -> str:
    """A case (by default with PHONE and CIN) brought to `status`; its reference."""
    with app.app_context():
        admin = administrations.by_code(db.session, "201")
        case = file_case(db.session, admin, **overrides)
        bring_to(CaseService(db.session, actor="test"), case, status)
        db.session.commit()
        reference = case.reference
        db.session.remove()
    return reference


def access_rows(app) -> list[dict]:
    with app.app_context():
        rows = [{"kind": row.kind, "actor": row.actor, "user_id": row.user_id,
                 "case": row.case_id and db.session.get(Case, row.case_id).reference,
                 "query_hash": row.query_hash, "matches": row.matches}
                for row in db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id))]
        db.session.remove()
    return rows


def case_events(app, reference: str) -> list[tuple[str, str | None, dict]]:
    """(action, note, data) of the case's trail, oldest first."""
    with app.app_context():
        case = CaseService(db.session).get(reference)
        events = [(e.action, e.note, dict(e.data)) for e in case.events]
        db.session.remove()
    return events


def case_field(app, reference: str, name: str):
    with app.app_context():
        value = getattr(CaseService(db.session).get(reference), name)
        db.session.remove()
    return value


def held_call(app, agent_id: int | None, sid: str = "CA" + "2" * 32) -> str:
    with app.app_context():
        db.session.add(Call(call_sid=sid, caller="+212661234567", language="fr",
                            step="agent", agent_id=agent_id))
        db.session.commit()
        db.session.remove()
    return sid
