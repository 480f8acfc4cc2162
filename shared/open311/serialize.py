"""Open311 documents: cases and administrations as plain dicts, then one dict -> JSON or XML.

The dicts follow the field order of GeoReport v2; fields the spec does not have (detailed_status,
kind, phone) are Moroccan extensions, always after the spec's own. A request's personal data
(the reply in status_notes, description, masked phone) is only in the dict for a caller whose
API key may read that request (shared/open311/auth.py).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from flask import Response

from .. import legal
from ..identity import mask
from ..models import Administration
from ..models import Case
from ..references import format_for_display
from ..states import is_open
from ..types import CaseKind
from ..types import CaseStatus

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MEDIA_TYPES = {"json": "application/json", "xml": "text/xml"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# XML names the items of a list after their parent (the spec's <services><service>...).
ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error",
             "attributes": "attribute", "values": "value", "endpoints": "endpoint",
             "formats": "format"}
# Characters XML 1.0 cannot carry (C0 controls but tab and newlines, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Texts of the API itself, per language; Darija reads the Arabic, anything else the French.
FALLBACK = {"ary": "ar"}
SERVICE_DESCRIPTION = {
    "fr": "Réclamations, observations et suggestions adressées à : {name}",
    "ar": "الشكايات والملاحظات والاقتراحات الموجهة إلى: {name}",
}
KIND_NAMES = {
    "fr": {"complaint": "Réclamation", "observation": "Observation", "suggestion": "Suggestion"},
    "ar": {"complaint": "شكاية", "observation": "ملاحظة", "suggestion": "اقتراح"},
}
ATTRIBUTE_DESCRIPTIONS = {
    "fr": {"kind": "Type de demande", "language": "Langue de la demande et de la réponse",
           "cin": "Numéro de la CIN (réclamations uniquement)", "subject": "Objet"},
    "ar": {"kind": "نوع الطلب", "language": "لغة الطلب والجواب",
           "cin": "رقم البطاقة الوطنية (للشكايات فقط)", "subject": "الموضوع"},
}
STATUS_NOTES = {
    "fr": {"answered": "Une réponse motivée a été donnée.",
           "not_competent": "Administration non compétente ; à adresser à : {redirect_to}",
           "inadmissible": "Demande irrecevable.",
           "duplicate": "Doublon d'une demande déjà enregistrée."},
    "ar": {"answered": "تم تقديم جواب معلل.",
           "not_competent": "الإدارة غير مختصة؛ يرجى التوجه إلى: {redirect_to}",
           "inadmissible": "الطلب غير مقبول.",
           "duplicate": "الطلب مكرر لطلب مسجل سابقا."},
}
SERVICE_NOTICE = {
    "fr": "Demande enregistrée sous la référence {reference}. "
          "Réponse motivée attendue au plus tard le {due}.",
    "ar": "تم تسجيل طلبكم تحت المرجع {reference}. الجواب المعلل منتظر في أجل أقصاه {due}.",
}


def text(table: dict[str, object], language: str):
    """The entry of `table` for `language`, falling back to Arabic for Darija, then French."""
    return table.get(language) or table.get(FALLBACK.get(language, "fr")) or table["fr"]


# -- dates ----------------------------------------------------------------------------------
def local_iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in Moroccan local time, with its offset (the spec wants one)."""
    if moment is None:
        return None
    return moment.astimezone(legal.TIMEZONE).isoformat(timespec="seconds")


def end_of_day_iso(day: dt.date) -> str:
    """The last second of `day` in Moroccan local time: when a legal delay runs out."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), legal.TIMEZONE).isoformat()


# -- services -------------------------------------------------------------------------------
def keywords(admin: Administration, language: str) -> str:
    """The acronym then the synonyms in `language`, comma-separated as the spec shows."""
    words = [admin.acronym] if admin.acronym else []
    words += (admin.synonyms or {}).get(language, [])
    return ", ".join(words)


def service_dict(admin: Administration, language: str) -> dict:
    """One entry of GET services: an administration as an Open311 service."""
    name = admin.name(language)
    return {
        "service_code": admin.code,
        "service_name": name,
        "description": text(SERVICE_DESCRIPTION, language).format(name=name),
        "metadata": True,
        "type": "realtime",
        "keywords": keywords(admin, language),
        "group": admin.kind.value,
    }


def _list_attribute(code: str, order: int, language: str, values: list[dict]) -> dict:
    return {"variable": True, "code": code, "datatype": "singlevaluelist", "required": True,
            "datatype_description": None, "order": order,
            "description": text(ATTRIBUTE_DESCRIPTIONS, language)[code], "values": values}


def _string_attribute(code: str, order: int, language: str) -> dict:
    return {"variable": True, "code": code, "datatype": "string", "required": False,
            "datatype_description": None, "order": order,
            "description": text(ATTRIBUTE_DESCRIPTIONS, language)[code]}


def service_definition_dict(admin: Administration, language: str,
                            languages: Sequence) -> dict:
    """GET service definition: the attributes a request to `admin` carries."""
    kinds = [{"key": kind.value, "name": text(KIND_NAMES, language)[kind.value]}
             for kind in CaseKind]
    spoken = [{"key": lang.code, "name": lang.name} for lang in languages]
    return {"service_code": admin.code, "attributes": [
        _list_attribute("kind", 1, language, kinds),
        _list_attribute("language", 2, language, spoken),
        _string_attribute("cin", 3, language),
        _string_attribute("subject", 4, language),
    ]}


# -- requests -------------------------------------------------------------------------------
def status_notes(case: Case, language: str) -> str | None:
    """The reply once answered, else why the case was closed (for who may read the reply)."""
    notes = text(STATUS_NOTES, language)
    if case.status in (CaseStatus.ANSWERED, CaseStatus.CLOSED):
        return case.reply or notes["answered"]
    if case.status is CaseStatus.NOT_COMPETENT:
        return notes["not_competent"].format(redirect_to=case.redirect_to or "")
    if case.status in (CaseStatus.INADMISSIBLE, CaseStatus.DUPLICATE):
        return notes[case.status.value]
    return None


def request_dict(case: Case, language: str, *, private: bool) -> dict:
    """One entry of GET requests. Anyone gets the status, the service and the dates;
    `private` (a key allowed to read this case) adds status_notes, description and phone.
    A case with no administration yet (a voicemail) has null service fields."""
    admin = case.administration
    service_name = admin.name(language) if admin is not None else None
    data = {
        "service_request_id": case.reference,
        "status": "open" if is_open(case.status) else "closed",
        "status_notes": status_notes(case, language) if private else None,
        "service_name": service_name,
        "service_code": admin.code if admin is not None else None,
    }
    if private:
        data["description"] = case.description
    data.update({
        "agency_responsible": service_name,
        "service_notice": None,
        "requested_datetime": local_iso(case.filed_at),
        "updated_datetime": local_iso(case.updated_at),
        "expected_datetime": end_of_day_iso(case.reply_due_on),
        "address": None, "address_id": None, "zipcode": None, "lat": None, "long": None,
        "media_url": None,
        "detailed_status": case.status.value,
        "kind": case.kind.value,
    })
    if private:
        data["phone"] = mask(case.citizen_phone) or None
    return data


def posted_dict(case: Case) -> dict:
    """The answer to POST requests: the reference and what happens next."""
    notice = text(SERVICE_NOTICE, case.language).format(
        reference=format_for_display(case.reference), due=case.reply_due_on.isoformat())
    return {"service_request_id": case.reference, "service_notice": notice, "account_id": None}


def discovery_dict(url: str, production: bool) -> dict:
    """The spec's service discovery document for this single endpoint."""
    return {"changeset": None, "contact": "Allo Idarati 3737", "key_service": url,
            "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": None,
                           "type": "production" if production else "test",
                           "formats": list(MEDIA_TYPES.values())}]}


def error_list(status: int, description: str) -> list[dict]:
    """The spec's error document."""
    return [{"code": status, "description": description}]


# -- rendering ------------------------------------------------------------------------------
def render(data, fmt: str, root: str, status: int = 200,
           headers: dict | None = None) -> Response:
    """`data` as a JSON or XML response; `root` names the XML root element."""
    body = to_xml(data, root) if fmt == "xml" else to_json(data)
    return Response(body, status=status, headers=headers, mimetype=MEDIA_TYPES[fmt])


def to_json(data) -> str:
    """JSON in the dicts' own field order (the spec's), UTF-8 unescaped."""
    return json.dumps(data, ensure_ascii=False)


def to_xml(data, root: str) -> bytes:
    """An XML document whose root element `root` holds `data`."""
    element = ET.Element(root)
    _fill(element, data)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode()


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _fill(ET.SubElement(element, name), item)
    elif isinstance(value, (list, tuple)):
        tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
