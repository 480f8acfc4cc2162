"""Finding a case on a follow-up call: by reference (its Verhoeff check digit checked), by
phone or by CIN. What the agent typed is classified, normalised and checked here; the
pages (console/cases.py) decide what to show and write the access log."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import access_log
from shared import identity
from shared import references
from shared.models import Case

MAX_MATCHES = 50
_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidSearch(ValueError):
    """What was typed cannot be a reference, a phone number or a CIN (the message says why,
    in the agent's language)."""


@dataclass(frozen=True)
class Search:
    kind: str  # one of access_log.SEARCH_*
    value: str  # normalised: a reference, an E.164 number, a CIN


def classify(query: str) -> Search:
    """A reference is digits not starting with 0 (a national phone number starts with 0, an
    international one with + or 00); a CIN starts with a letter; anything else is a phone."""
    compact = _SEPARATORS.sub("", query or "")
    if not compact:
        raise InvalidSearch(_("Type a reference, a phone number or a CIN."))
    if compact.isdigit() and compact.isascii() and not compact.startswith("0"):
        if len(compact) != references.LENGTH:
            raise InvalidSearch(_("A reference has 10 digits."))
        if not references.is_valid(compact):
            raise InvalidSearch(_("This reference's check digit is wrong: check the digits "
                                  "with the caller."))
        return Search(access_log.SEARCH_REFERENCE, compact)
    try:
        if compact[0].isalpha():
            return Search(access_log.SEARCH_CIN, identity.normalise_cin(compact))
        return Search(access_log.SEARCH_PHONE, identity.normalise_phone(compact))
    except identity.InvalidIdentity:
        if compact[0].isalpha():
            raise InvalidSearch(_("A CIN is one or two letters followed by up to six "
                                  "digits.")) from None
        raise InvalidSearch(_("This is not a valid phone number.")) from None


def find(session: Session, search: Search) -> list[Case]:
    """The cases matching `search`, newest first. A CIN also finds the cases filed by
    phone, where only its digits could be keyed."""
    if search.kind == access_log.SEARCH_REFERENCE:
        where = Case.reference == search.value
    elif search.kind == access_log.SEARCH_PHONE:
        where = Case.citizen_phone == search.value
    else:
        digits = search.value.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        where = or_(Case.citizen_cin == search.value, Case.citizen_cin == digits)
    return list(session.scalars(
        select(Case).where(where).order_by(Case.filed_at.desc(), Case.id.desc())
        .limit(MAX_MATCHES)))
