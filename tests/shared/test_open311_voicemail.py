"""A case with no administration yet (a voicemail) never breaks the Open311 API: every route,
JSON and XML, with and without a key, and its service fields are null."""
import re
import xml.etree.ElementTree as ET

import pytest

from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.types import CaseKind
from shared.types import Channel
from tests.shared.test_open311 import API
from tests.shared.test_open311 import FILE_ONLY_KEY
from tests.shared.test_open311 import KEY
from tests.shared.test_open311 import READ_ALL_KEY
from tests.shared.test_open311 import api_keys  # noqa: F401  (a fixture, used by usefixtures)
from tests.shared.test_open311 import file_case
from tests.shared.test_open311 import keyed

SERVICE_FIELDS = ("service_code", "service_name", "agency_responsible")
KEYS = {"no key": None, "read_own": KEY, "read_all": READ_ALL_KEY, "file only": FILE_ONLY_KEY}


@pytest.fixture()
def voicemail(session):
    """A message left after hours: no administration until an agent chooses one."""
    case = CaseService(session, actor="ivr").file(NewCase(
        kind=CaseKind.COMPLAINT, administration=None, channel=Channel.PHONE_IVR, language="ary",
        citizen=Citizen(phone="+212612345678"),
        pending_fields=["name", "cin", "description", "administration"],
        note="voicemail"))
    session.commit()
    return case


def get_routes(app):
    """Every GET route of the API with its path filled in, for a reference and a service."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") and "GET" in rule.methods:
            yield rule.rule


def fill(rule, fmt, reference, service_code):
    path = re.sub(r"<any\(json, xml\):fmt>", fmt, rule)
    path = path.replace("<service_request_id>", reference)
    return path.replace("<service_code>", service_code)


def items(response, fmt):
    """The request records of a requests document, as dicts of text (XML) or values."""
    if fmt == "json":
        return response.get_json()
    root = ET.fromstring(response.data)
    return [{child.tag: child.text for child in record} for record in root.findall("request")]


@pytest.mark.usefixtures("api_keys")
@pytest.mark.parametrize("who", list(KEYS))
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_route_serves_a_voicemail_case(app, client, session, admin, voicemail,
                                             who, fmt):
    other = file_case(session, admin)
    headers = keyed(KEYS[who]) if KEYS[who] else None
    reference = voicemail.reference
    checked = 0
    for rule in get_routes(app):
        url = fill(rule, fmt, reference, admin.code)
        for query in ({}, {"service_request_id": f"{reference},{other.reference}"}):
            response = client.get(url, query_string=query, headers=headers)
            assert response.status_code < 500, (url, response.get_data(as_text=True))
            checked += 1
    assert checked >= 14

    by_reference = client.get(f"{API}/requests/{reference}.{fmt}", headers=headers)
    assert by_reference.status_code == 200
    [record] = items(by_reference, fmt)
    assert record["service_request_id"] == reference
    assert all(record[field] is None for field in SERVICE_FIELDS), record
    named = client.get(f"{API}/requests.{fmt}", headers=headers,
                       query_string={"service_request_id": f"{reference},{other.reference}"})
    assert named.status_code == 200
    records = {r["service_request_id"]: r for r in items(named, fmt)}
    assert all(records[reference][field] is None for field in SERVICE_FIELDS)
    assert records[other.reference]["service_code"] == admin.code


@pytest.mark.usefixtures("api_keys")
def test_listings_with_a_key_include_the_voicemail(client, session, admin, voicemail):
    listed = client.get(f"{API}/requests.json", headers=keyed(READ_ALL_KEY))
    assert listed.status_code == 200
    [record] = listed.get_json()
    assert record["service_request_id"] == voicemail.reference
    assert record["service_code"] is None and record["detailed_status"] == "received"
    assert record["phone"].endswith("78")
    # Filtering by service leaves it out rather than failing on it.
    by_service = client.get(f"{API}/requests.xml?service_code={admin.code}",
                            headers=keyed(READ_ALL_KEY))
    assert by_service.status_code == 200 and voicemail.reference not in by_service.text
