"""Helpers of the officers' tests: officers of an administration, cases filed against
one, the moves' buttons of a page, the jobs run with a fake Twilio."""
import re

from shared import administrations
from shared.cases import CaseService
from shared.extensions import db
from shared.types import Role
from tests.shared.helpers import bring_to
from tests.shared.helpers import new_case

MINISTRY = "117"  # the ministry of employment: 201 (CNSS) and 129 are below it
AGENCY = "201"  # the CNSS, a public body under 117
OTHER = "103"  # the ministry of justice: nothing to do with the others


def admin_id(app, code: str) -> int:
    with app.app_context():
        found = administrations.by_code(db.session, code).id
        db.session.remove()
    return found


def make_officer(app, make_user, username: str, code: str, **fields):
    return make_user(username, Role.OFFICER, administration_id=admin_id(app, code), **fields)


def file_at(app, code: str, status: str = "received", clock=None, **overrides) -> str:
    """A case against the administration `code` brought to `status`; its reference."""
    with app.app_context():
        service = CaseService(db.session, actor="test", **({"clock": clock} if clock else {}))
        case = service.file(new_case(administrations.by_code(db.session, code), **overrides))
        bring_to(service, case, status)
        db.session.commit()
        reference = case.reference
        db.session.remove()
    return reference


def buttons(html: str) -> set[str]:
    return set(re.findall(r'data-testid="case-action" data-action="(\w+)"', html))


def listed(html: str) -> list[str]:
    return re.findall(r'data-testid="work-item" data-reference="(\d+)"', html)
