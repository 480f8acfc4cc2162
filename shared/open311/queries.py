"""Open311 reads: the services and requests a GET selects, one page of them, and paging links."""
from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from .. import references
from ..administrations import fold
from ..extensions import db
from ..models import Administration
from ..models import Case
from ..models import utcnow
from ..types import AdministrationKind
from ..types import CaseKind
from ..types import Channel
from ..urls import public_url
from .params import DEFAULT_DAYS
from .params import MAX_PARAM_LENGTH
from .params import BadParameter
from .params import datetime_param
from .params import list_param
from .params import statuses_param


def find_services(group: str | None, q: str | None) -> list[Administration]:
    """Active administrations, of kind `group`, whose names or keywords contain `q`."""
    stmt = select(Administration).where(Administration.active.is_(True))
    if group:
        if group not in {kind.value for kind in AdministrationKind}:
            raise BadParameter("group must be one of "
                               + ", ".join(kind.value for kind in AdministrationKind))
        stmt = stmt.where(Administration.kind == AdministrationKind(group))
    admins = db.session.scalars(stmt).all()
    if q:
        if len(q) > MAX_PARAM_LENGTH:
            raise BadParameter(f"q is at most {MAX_PARAM_LENGTH} characters")
        needle = fold(q)
        admins = [admin for admin in admins if needle in searchable(admin)]
    return sorted(admins, key=lambda admin: (len(admin.code), admin.code))


def searchable(admin: Administration) -> str:
    """Every name, the acronym and every synonym of `admin`, folded, in one string."""
    words = [*admin.names.values(), admin.acronym or ""]
    for synonyms in (admin.synonyms or {}).values():
        words += synonyms
    return fold(" | ".join(words))


def named_references(args: MultiDict) -> list[str]:
    """The references service_request_id names, each checked (empty when it names none)."""
    ids = list_param(args, "service_request_id")
    if not all(references.is_valid(ref) for ref in ids):
        raise BadParameter("a service_request_id is a 10-digit reference number")
    return ids


def requests_query(args: MultiDict, channel: Channel | None = None) -> Select:
    """The cases the GET requests filters select (service_request_id overrides the rest);
    an open listing is kept to `channel` when one is given (a read_own key's)."""
    stmt = select(Case)
    ids = named_references(args)
    if ids:
        return stmt.where(Case.reference.in_(ids))
    if channel is not None:
        stmt = stmt.where(Case.channel == channel)
    codes = list_param(args, "service_code")
    if codes:
        if not all(code.isascii() and code.isdigit() and len(code) <= 16 for code in codes):
            raise BadParameter("a service_code is made of digits")
        stmt = stmt.where(Case.administration.has(Administration.code.in_(codes)))
    start, end = datetime_param(args, "start_date"), datetime_param(args, "end_date", end=True)
    if start and end and start > end:
        raise BadParameter("start_date is after end_date")
    if not (start or end):
        start = utcnow() - dt.timedelta(days=DEFAULT_DAYS)
    if start:
        stmt = stmt.where(Case.filed_at >= start)
    if end:
        stmt = stmt.where(Case.filed_at <= end)
    statuses = statuses_param(args)
    if statuses is not None:
        stmt = stmt.where(Case.status.in_(sorted(statuses, key=lambda s: s.value)))
    kinds = list_param(args, "kind", {kind.value for kind in CaseKind})
    if kinds:
        stmt = stmt.where(Case.kind.in_([CaseKind(kind) for kind in kinds]))
    return stmt


def fetch_page(stmt: Select, page: int, size: int) -> tuple[list[Case], int]:
    """One page of `stmt`, most recent first, and the total count."""
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    cases = db.session.scalars(
        stmt.options(joinedload(Case.administration))
        .order_by(Case.filed_at.desc(), Case.id.desc())
        .limit(size).offset((page - 1) * size)).all()
    return list(cases), total


def page_headers(page: int, size: int, total: int) -> dict[str, str]:
    """X-Total-Count and an RFC 8288 Link header (first, prev, next, last)."""
    last = max(1, math.ceil(total / size))
    targets = {"first": 1, "prev": min(page - 1, last) if page > 1 else None,
               "next": page + 1 if page < last else None, "last": last}
    links = [f'<{page_url(number, size)}>; rel="{rel}"'
             for rel, number in targets.items() if number]
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}


def page_url(page: int, size: int) -> str:
    """This URL at another page (a key is never in a URL: auth.presented_key refuses it)."""
    kept = [(name, value) for name, value in request.args.items(multi=True)
            if name not in ("page", "page_size")]
    query = urlencode(kept + [("page", page), ("page_size", size)])
    return f"{public_url(request.path)}?{query}"
