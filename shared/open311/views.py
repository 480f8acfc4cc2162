"""Open311 GeoReport v2 endpoints: parse the request, ask the case store, serialize.

Every answer comes as .json or .xml (the spec's format suffix); every error, including 404 and
405 anywhere under /open311, comes in the spec's error document with its HTTP status.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from flask import Response
from flask import current_app
from flask import request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from . import bp
from .. import apikeys
from .. import references
from ..administrations import by_code
from ..cases import CaseService
from ..errors import DomainError
from ..errors import NoSuchAdministration
from ..extensions import db
from ..urls import public_url
from .auth import HEADER
from .auth import ApiKeyRequired
from .auth import read_access
from .auth import require_scope
from .filing import file_once
from .filing import new_case_from_form
from .limits import limit_blueprint
from .limits import reference_lookup
from .limits import retry_after
from .params import MAX_PARAM_LENGTH
from .params import BadParameter
from .params import languages
from .params import locale_param
from .params import page_params
from .queries import fetch_page
from .queries import find_services
from .queries import named_references
from .queries import page_headers
from .queries import requests_query
from .serialize import MEDIA_TYPES
from .serialize import discovery_dict
from .serialize import error_list
from .serialize import posted_dict
from .serialize import render
from .serialize import request_dict
from .serialize import service_definition_dict
from .serialize import service_dict

FORMAT = "<any(json, xml):fmt>"
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
limit_blueprint(bp)


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
@reference_lookup
def request_detail(service_request_id, fmt):
    """One request by its reference, as a one-item list (the spec's shape)."""
    access = read_access()
    language = locale_param()
    if not references.is_valid(service_request_id):
        raise BadParameter("a service_request_id is a 10-digit reference number")
    case = CaseService(db.session).get(service_request_id)
    item = request_dict(case, language, private=access.sees_personal_data(case))
    return render([item], fmt, "service_requests")


@bp.get(f"/requests.{FORMAT}")
@reference_lookup
def request_list(fmt):
    """Requests named by service_request_id (anyone), or matching the filters (a key that
    may list), most recent first, one page at a time."""
    access = read_access()
    language = locale_param()
    if not named_references(request.args):
        access.check_may_list()
    page, size = page_params(request.args)
    query = requests_query(request.args, access.channel if access.may_list() else None)
    cases, total = fetch_page(query, page, size)
    items = [request_dict(case, language, private=access.sees_personal_data(case))
             for case in cases]
    return render(items, fmt, "service_requests", headers=page_headers(page, size, total))


@bp.post(f"/requests.{FORMAT}")
def create_request(fmt):
    """File a request from another channel; a replayed Idempotency-Key files nothing new."""
    key = require_scope(apikeys.FILE, "file a request")
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
    headers = {"WWW-Authenticate": f'ApiKey realm="open311", header="{HEADER}"'} \
        if isinstance(error, ApiKeyRequired) else None
    return error_response(error.http_status, error.message, headers)


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded):
    """429 with Retry-After: too many requests, or too many references looked up."""
    seconds = retry_after()
    return error_response(429, f"{error.description}: retry in {seconds} seconds",
                          {"Retry-After": str(seconds)})


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


# -- OpenAPI --------------------------------------------------------------------------------
@functools.cache
def openapi_document() -> dict:
    """openapi.yaml, written in YAML's JSON-compatible flow style (no YAML library needed)."""
    lines = OPENAPI_PATH.read_text(encoding="utf-8").splitlines()
    return json.loads("\n".join(line for line in lines if not line.startswith("#")))
