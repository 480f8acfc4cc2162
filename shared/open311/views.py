"""Open311 GeoReport v2 endpoints: parse the request, ask the case store, serialize.

Every answer comes as .json or .xml (the spec's format suffix); every error, including 404 and
405 anywhere under /open311, comes in the spec's error document with its HTTP status.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
from pathlib import Path
from urllib.parse import urlencode

from flask import Response
from flask import current_app
from flask import request
from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from . import bp
from .. import references
from ..administrations import by_code
from ..administrations import fold
from ..cases import CaseService
from ..cases import Citizen
from ..cases import NewCase
from ..errors import DomainError
from ..errors import NoSuchAdministration
from ..extensions import db
from ..i18n import language_codes
from ..languages import load_languages
from ..identity import InvalidIdentity
from ..identity import normalise_cin
from ..identity import normalise_phone
from ..legal import TIMEZONE
from ..models import Administration
from ..models import ApiKey
from ..models import Case
from ..models import utcnow
from ..states import FINAL
from ..types import AdministrationKind
from ..types import CaseKind
from ..types import CaseStatus
from .auth import PARAM as API_KEY_PARAM
from .auth import current_key
from .auth import require_key
from .serialize import MEDIA_TYPES
from .serialize import discovery_dict
from .serialize import error_list
from .serialize import posted_dict
from .serialize import render
from .serialize import request_dict
from .serialize import service_definition_dict
from .serialize import service_dict

FORMAT = "<any(json, xml):fmt>"
DEFAULT_LOCALE = "fr"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_PAGE = 50, 200, 100_000
DEFAULT_DAYS = 90  # the spec's window when no date is given
MAX_LIST_ITEMS = 200  # comma-separated filter values
MAX_PARAM_LENGTH = 256  # query parameters that are not free text
MAX_DESCRIPTION, MAX_SUBJECT, MAX_NAME, MAX_ADDRESS = 10_000, 255, 255, 512
MAX_IDEMPOTENCY_KEY = 128
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadParameter(DomainError):
    """A query or form parameter that cannot be right."""
    error_id = "bad-parameter"
    http_status = 400


class IdempotencyConflict(DomainError):
    """An Idempotency-Key replayed with a different request."""
    error_id = "idempotency-conflict"
    http_status = 409


# -- endpoints ------------------------------------------------------------------------------
@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt):
    """The spec's service discovery document."""
    url = public_url(bp.url_prefix)
    production = current_app.config.get("APP_ENV") == "production"
    return render(discovery_dict(url, production), fmt, "discovery")


@bp.get(f"/services.{FORMAT}")
def services(fmt):
    """One service per active administration; extensions: group=<kind>, q=<text>."""
    language = locale_param()
    admins = find_services(request.args.get("group"), request.args.get("q"))
    return render([service_dict(admin, language) for admin in admins], fmt, "services")


@bp.get(f"/services/<service_code>.{FORMAT}")
def service_definition(service_code, fmt):
    """The attributes a request to this administration carries."""
    language = locale_param()
    admin = by_code(db.session, service_code)
    if admin is None:
        raise NoSuchAdministration(f"no service with code {service_code[:MAX_PARAM_LENGTH]}")
    return render(service_definition_dict(admin, language, languages()), fmt,
                  "service_definition")


@bp.get(f"/requests/<service_request_id>.{FORMAT}")
def request_detail(service_request_id, fmt):
    """One request by its reference, as a one-item list (the spec's shape)."""
    key = current_key()
    language = locale_param()
    if not references.is_valid(service_request_id):
        raise BadParameter("a service_request_id is a 10-digit reference number")
    case = CaseService(db.session).get(service_request_id)
    item = request_dict(case, language, private=key is not None, with_reply=True)
    return render([item], fmt, "service_requests")


@bp.get(f"/requests.{FORMAT}")
def request_list(fmt):
    """Requests matching the filters, most recent first, one page at a time."""
    key = current_key()
    language = locale_param()
    page, size = page_params(request.args)
    cases, total = fetch_page(requests_query(request.args), page, size)
    items = [request_dict(case, language, private=key is not None, with_reply=False)
             for case in cases]
    return render(items, fmt, "service_requests", headers=page_headers(page, size, total))


@bp.post(f"/requests.{FORMAT}")
def create_request(fmt):
    """File a request from another channel; a replayed Idempotency-Key files nothing new."""
    key = require_key()
    new = new_case_from_form(request.form, key)
    case, created = file_once(new, key)
    db.session.commit()
    return render([posted_dict(case)], fmt, "service_requests", status=201 if created else 200)


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of this API, as JSON."""
    return Response(json.dumps(openapi_document(), ensure_ascii=False),
                    mimetype="application/json")


@bp.get("/openapi.yaml")
def openapi_yaml():
    """The OpenAPI 3.1 document of this API, as YAML."""
    return Response(OPENAPI_PATH.read_text(encoding="utf-8"), mimetype="application/yaml")


# -- errors ---------------------------------------------------------------------------------
def error_response(status: int, description: str, headers: dict | None = None) -> Response:
    """The spec's error document, in the requested format."""
    return render(error_list(status, description), response_format(), "errors", status, headers)


def response_format() -> str:
    """The format of the route, else guessed from the path's suffix (JSON by default)."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt in MEDIA_TYPES:
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    """Bad input, unknown case or service, refused key: the spec's error document."""
    return error_response(error.http_status, error.message)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Werkzeug's errors inside the API's views (body too large, bad form, 500)."""
    return error_response(error.code or 500, error.description or error.name)


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def routing_error(error: HTTPException):
    """Routing errors happen before any blueprint is chosen: answer those under /open311."""
    if not request.path.startswith("/open311"):
        return error
    if error.code == 404:
        return error_response(404, f"no such resource: {request.path} (see {bp.url_prefix}"
                                   "/discovery.json and openapi.json)")
    allowed = getattr(error, "valid_methods", None) or []
    return error_response(405, f"method {request.method} not allowed here",
                          {"Allow": ", ".join(allowed)} if allowed else None)


# -- parameters -----------------------------------------------------------------------------
def languages():
    """The languages of the line (voice_prompts/languages.json), in menu order."""
    return load_languages()


def locale_param() -> str:
    """The `locale` query parameter: one of the line's language codes (default French)."""
    language = request.args.get("locale") or DEFAULT_LOCALE
    if language not in language_codes():
        raise BadParameter(f"locale must be one of {', '.join(language_codes())}")
    return language


def list_param(args: MultiDict, name: str, allowed=None) -> list[str]:
    """A comma-separated parameter as a list; each value among `allowed` when given."""
    raw = args.get(name) or ""
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if len(values) > MAX_LIST_ITEMS or len(raw) > MAX_LIST_ITEMS * 16:
        raise BadParameter(f"{name} lists at most {MAX_LIST_ITEMS} values")
    bad = [v for v in values if allowed is not None and v not in allowed]
    if bad:
        raise BadParameter(f"{name} must be among {', '.join(sorted(allowed))}")
    return values


def int_param(args: MultiDict, name: str, default: int, highest: int) -> int:
    """A whole number from 1 to `highest`."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= highest):
        raise BadParameter(f"{name} must be a whole number from 1 to {highest}")
    return int(raw)


def page_params(args: MultiDict) -> tuple[int, int]:
    """`page` (from 1) and `page_size` (default 50, at most 200)."""
    return (int_param(args, "page", 1, MAX_PAGE),
            int_param(args, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def datetime_param(args: MultiDict, name: str, end: bool = False) -> dt.datetime | None:
    """An ISO 8601 date or datetime (local time if no offset); a bare end date ends that day."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) > 40:
            raise ValueError(raw)
        moment = dt.datetime.fromisoformat(raw)
        if end and _DATE_ONLY.match(raw):
            moment = dt.datetime.combine(moment.date(), dt.time.max)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=TIMEZONE)
        return moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise BadParameter(f"{name} must be an ISO 8601 date or datetime, "
                           "e.g. 2026-01-31T09:30:00+01:00") from None


def statuses_param(args: MultiDict) -> set[CaseStatus] | None:
    """The statuses wanted: `status` (open/closed) and the `detailed_status` extension."""
    wanted = set(CaseStatus)
    states = set(list_param(args, "status", {"open", "closed"}))
    if states == {"open"}:
        wanted -= FINAL
    elif states == {"closed"}:
        wanted &= FINAL
    detailed = list_param(args, "detailed_status", {s.value for s in CaseStatus})
    if detailed:
        wanted &= {CaseStatus(value) for value in detailed}
    return None if wanted == set(CaseStatus) else wanted


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


# -- queries --------------------------------------------------------------------------------
def requests_query(args: MultiDict) -> Select:
    """The cases the GET requests filters select (service_request_id overrides the rest)."""
    stmt = select(Case)
    ids = list_param(args, "service_request_id")
    if ids:
        if not all(references.is_valid(ref) for ref in ids):
            raise BadParameter("a service_request_id is a 10-digit reference number")
        return stmt.where(Case.reference.in_(ids))
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
    """This URL at another page; the api_key is left out, so links never leak it."""
    kept = [(name, value) for name, value in request.args.items(multi=True)
            if name not in (API_KEY_PARAM, "page", "page_size")]
    query = urlencode(kept + [("page", page), ("page_size", size)])
    return f"{public_url(request.path)}?{query}"


def public_url(path: str) -> str:
    """`path` on the configured public base URL (behind a TLS proxy, request.url says http)."""
    return current_app.config["PUBLIC_BASE_URL"] + path


# -- filing ---------------------------------------------------------------------------------
def clean_text(form: MultiDict, name: str, limit: int, required: bool = False) -> str | None:
    """A free-text field without control characters, stripped, at most `limit` long."""
    value = _CONTROL.sub("", form.get(name) or "").strip()
    if required and not value:
        raise BadParameter(f"{name} is required")
    if len(value) > limit:
        raise BadParameter(f"{name} is at most {limit} characters")
    return value or None


def choice(form: MultiDict, name: str, allowed) -> str:
    """A required field among `allowed`."""
    value = (form.get(name) or "").strip()
    if value not in allowed:
        raise BadParameter(f"{name} is required, one of {', '.join(allowed)}")
    return value


def identity_param(form: MultiDict, name: str, normalise) -> str | None:
    """An optional CIN or phone number, normalised; BadParameter when it cannot be right."""
    value = clean_text(form, name, MAX_PARAM_LENGTH)
    if value is None:
        return None
    try:
        return normalise(value)
    except InvalidIdentity as error:
        raise BadParameter(f"{name}: {error}") from None


def citizen_name(form: MultiDict) -> str | None:
    """first_name and last_name as one name."""
    parts = [clean_text(form, field, MAX_NAME) for field in ("first_name", "last_name")]
    name = " ".join(part for part in parts if part)
    if len(name) > MAX_NAME:
        raise BadParameter(f"first_name and last_name are at most {MAX_NAME} characters")
    return name or None


def service_param(form: MultiDict) -> Administration:
    """The active administration named by service_code (400 here: it is a form field)."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise BadParameter("service_code is required")
    admin = by_code(db.session, code)
    if admin is None:
        raise BadParameter(f"no active service with service_code {code[:MAX_PARAM_LENGTH]}")
    return admin


def idempotency_key(key: ApiKey) -> str | None:
    """The Idempotency-Key header, scoped to the API key so clients never see each other's."""
    raw = request.headers.get("Idempotency-Key", "").strip()
    if not raw:
        return None
    if len(raw) > MAX_IDEMPOTENCY_KEY:
        raise BadParameter(f"Idempotency-Key is at most {MAX_IDEMPOTENCY_KEY} characters")
    return "open311:" + hashlib.sha256(f"{key.id}:{raw}".encode()).hexdigest()


def new_case_from_form(form: MultiDict, key: ApiKey) -> NewCase:
    """The POST requests form (spec fields, attribute[...]) as a NewCase; email is not kept."""
    admin = service_param(form)
    kind = CaseKind(choice(form, "attribute[kind]", [kind.value for kind in CaseKind]))
    language = choice(form, "attribute[language]", language_codes())
    cin = identity_param(form, "attribute[cin]", normalise_cin)
    if cin and kind is not CaseKind.COMPLAINT:
        raise BadParameter("attribute[cin] is only asked for complaints")
    citizen = Citizen(name=citizen_name(form), cin=cin,
                      phone=identity_param(form, "phone", normalise_phone),
                      address=clean_text(form, "address_string", MAX_ADDRESS))
    return NewCase(kind=kind, administration=admin, channel=key.channel, language=language,
                   subject=clean_text(form, "attribute[subject]", MAX_SUBJECT),
                   description=clean_text(form, "description", MAX_DESCRIPTION, required=True),
                   citizen=citizen, idempotency_key=idempotency_key(key))


def file_once(new: NewCase, key: ApiKey) -> tuple[Case, bool]:
    """The case filed for `new`, and whether it is new (False: an Idempotency-Key replay)."""
    if new.idempotency_key:
        existing = db.session.scalar(
            select(Case).where(Case.idempotency_key == new.idempotency_key))
        if existing is not None:
            if (existing.administration_id, existing.kind, existing.description) != (
                    new.administration.id, new.kind, new.description):
                raise IdempotencyConflict("this Idempotency-Key was used for another request")
            return existing, False
    # A concurrent twin slipping past the check above still gets the same case from file().
    return CaseService(db.session, actor=f"api:{key.name}").file(new), True


# -- OpenAPI --------------------------------------------------------------------------------
@functools.cache
def openapi_document() -> dict:
    """openapi.yaml, written in YAML's JSON-compatible flow style (no YAML library needed)."""
    lines = OPENAPI_PATH.read_text(encoding="utf-8").splitlines()
    return json.loads("\n".join(line for line in lines if not line.startswith("#")))
