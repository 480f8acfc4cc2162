"""What an administration's officer may see: the cases of their administration and of its
sub-entities, at any depth (a ministry's officer sees its secretariats and public bodies).
Any other case does not exist for them: 404, as for a reference nobody has."""
from __future__ import annotations

from flask import abort
from flask import g
from flask import make_response
from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import references
from shared.cases import CaseService
from shared.extensions import db
from shared.models import Administration
from shared.models import Case


def administration_ids(session: Session, root_id: int | None) -> frozenset[int]:
    """`root_id` and every administration below it (none for an officer without one)."""
    if root_id is None:
        return frozenset()
    found, level = {root_id}, [root_id]
    while level:
        level = [child for child in session.scalars(
            select(Administration.id).where(Administration.parent_id.in_(level)))
            if child not in found]
        found.update(level)
    return frozenset(found)


def officer_ids() -> frozenset[int]:
    """The administrations of the logged-in officer (walked once per request: a case page
    asks for them to find the case, its templates and a duplicate's original)."""
    if "officer_ids" not in g:
        g.officer_ids = administration_ids(db.session, current_user.administration_id)
    return g.officer_ids


def _refuse(status: int, reason: str):
    abort(make_response(render_template("console/officer/refused.html", reason=reason),
                        status))


def officer_case(reference: str) -> Case:
    """The case of the URL if the officer may see it: 400 for a reference that cannot be
    one, 404 when none has it or it belongs to another administration."""
    if not references.is_valid(reference):
        _refuse(400, _("A reference has 10 digits."))
    case = find_visible(reference)
    if case is None:
        _refuse(404, _("No case has this reference."))
    return case


def find_visible(reference: str) -> Case | None:
    """The case with `reference` if the officer may see it (a duplicate's original)."""
    case = CaseService(db.session).find(reference) if references.is_valid(reference) else None
    return case if case is not None and case.administration_id in officer_ids() else None
