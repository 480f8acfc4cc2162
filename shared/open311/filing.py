"""Open311 filing: a POST requests form checked and turned into a case, once per Idempotency-Key."""
from __future__ import annotations

import hashlib
import re

from flask import request
from werkzeug.datastructures import MultiDict

from ..administrations import by_code
from ..cases import CaseService
from ..cases import Citizen
from ..cases import NewCase
from ..errors import DomainError
from ..extensions import db
from ..i18n import language_codes
from ..identity import InvalidIdentity
from ..identity import normalise_cin
from ..identity import normalise_phone
from ..models import Administration
from ..models import ApiKey
from ..models import Case
from ..types import CaseKind
from .params import MAX_ADDRESS
from .params import MAX_DESCRIPTION
from .params import MAX_IDEMPOTENCY_KEY
from .params import MAX_NAME
from .params import MAX_PARAM_LENGTH
from .params import MAX_SUBJECT
from .params import BadParameter

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IdempotencyConflict(DomainError):
    """An Idempotency-Key replayed with a different request."""
    error_id = "idempotency-conflict"
    http_status = 409


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
    """The case filed for `new`, and whether this request filed it (False: an
    Idempotency-Key replay, including a twin that raced this one and won)."""
    case, created = CaseService(db.session, actor=f"api:{key.name}").file_or_get(new)
    if not created and (case.administration_id, case.kind, case.description) != (
            new.administration.id, new.kind, new.description):
        raise IdempotencyConflict("this Idempotency-Key was used for another request")
    return case, created
