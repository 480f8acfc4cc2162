"""The Open311 GeoReport v2 API: services, requests (read and file), errors, the OpenAPI file."""
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func
from sqlalchemy import select

from shared import references
from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.apikeys import hash_key
from shared.i18n import language_codes
from shared.legal import TIMEZONE
from shared.models import Administration
from shared.models import ApiKey
from shared.models import Case
from shared.models import CaseEvent
from shared.models import utcnow
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel
from shared.types import CloseReason

API = "/open311/v2"
KEY = "portal-test-key-0123456789"  # the web portal: file, read_own
OTHER_KEY = "app-test-key-9876543210"  # the mobile app: file, read_own
READ_ALL_KEY = "observatory-test-key-555555"  # read_all only
FILE_ONLY_KEY = "kiosk-test-key-4444444"  # file only
REVOKED_KEY = "revoked-test-key-000000"
EXPIRED_KEY = "expired-test-key-111111"
# Personal data of the citizen in `private_case`: none of it may leave without a key.
NAME, CIN, PHONE = "Fatima Zahra Bennani", "BK123456", "+212612345678"
ADDRESS, DESCRIPTION = "12 rue des Orangers, Fès", "Mon dossier d'indemnité est bloqué depuis mars"


# -- fixtures and helpers -------------------------------------------------------------------
@pytest.fixture()
def api_keys(session):
    """The web portal's and the mobile app's keys, a reader's, a filer's, a revoked and an
    expired one."""
    now = utcnow()
    session.add_all([
        ApiKey(name="portal", key_hash=hash_key(KEY), channel=Channel.WEB,
               scope="file read_own", expires_at=now + dt.timedelta(days=1)),
        ApiKey(name="app", key_hash=hash_key(OTHER_KEY), channel=Channel.APP,
               scope="file read_own"),
        ApiKey(name="observatory", key_hash=hash_key(READ_ALL_KEY), scope="read_all"),
        ApiKey(name="kiosk", key_hash=hash_key(FILE_ONLY_KEY), channel=Channel.WEB,
               scope="file"),
        ApiKey(name="old", key_hash=hash_key(REVOKED_KEY), revoked_at=now),
        ApiKey(name="expired", key_hash=hash_key(EXPIRED_KEY),
               expires_at=now - dt.timedelta(seconds=1)),
    ])
    session.commit()
    return KEY


def keyed(key):
    """The header that carries an API key."""
    return {"X-Api-Key": key}


@pytest.fixture()
def reader(app, api_keys):
    """A client whose every request carries the read_all key (open listings need one)."""
    client = app.test_client()
    client.environ_base["HTTP_X_API_KEY"] = READ_ALL_KEY
    return client


@pytest.fixture()
def other_admin(session):
    """A second administration (the Ministry of the Interior)."""
    return session.scalar(select(Administration).where(Administration.code == "101"))


def file_case(session, admin, *, kind=CaseKind.COMPLAINT, when=None, citizen=None,
              description="Attente trop longue au guichet", language="fr"):
    """A case filed through the case service (at `when`, default now), committed."""
    service = CaseService(session, actor="test", clock=(lambda: when) if when else utcnow)
    case = service.file(NewCase(kind=kind, administration=admin, channel=Channel.PHONE_IVR,
                                language=language, description=description,
                                citizen=citizen or Citizen()))
    session.commit()
    return case


@pytest.fixture()
def private_case(session, admin):
    """A complaint carrying every kind of personal data."""
    return file_case(session, admin, description=DESCRIPTION,
                     citizen=Citizen(name=NAME, cin=CIN, phone=PHONE, address=ADDRESS))


def form(admin, **overrides):
    """A valid POST requests form for `admin`, with `overrides` (None drops a field)."""
    data = {"api_key": KEY, "service_code": admin.code, "attribute[kind]": "complaint",
            "attribute[language]": "ar", "description": "الموظف رفض تسليمي الوثيقة",
            "first_name": "Youssef", "last_name": "Alami", "phone": "0612345678",
            "email": "youssef@example.ma", "attribute[cin]": "ab 123456",
            "attribute[subject]": "Attestation", "device_id": "x", "lat": "33.5"}
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def spec_error(response, status):
    """The spec's JSON error document with `status`; returns its description."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 1 and body[0]["code"] == status
    assert body[0]["description"]
    return body[0]["description"]


def xml_root(response, tag):
    """The parsed XML body, whose root must be `tag`."""
    assert response.mimetype == "text/xml"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.data)
    assert root.tag == tag
    return root


def bad_check_digit(reference):
    return reference[:-1] + str((int(reference[-1]) + 1) % 10)


def case_count(session):
    session.rollback()
    return session.scalar(select(func.count(Case.id)))


# -- services -------------------------------------------------------------------------------
def test_services_lists_every_active_administration(client, session, admin):
    active = session.scalar(select(func.count(Administration.id))
                            .where(Administration.active.is_(True)))
    response = client.get(f"{API}/services.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    services = response.get_json()
    assert len(services) == active > 1000
    cnss = next(s for s in services if s["service_code"] == admin.code)
    assert cnss["service_name"] == admin.names["fr"]
    assert cnss["metadata"] is True and cnss["type"] == "realtime"
    assert cnss["group"] == "public_body"
    assert cnss["keywords"].startswith("CNSS")
    assert admin.names["fr"] in cnss["description"]
    assert list(cnss) == ["service_code", "service_name", "description", "metadata", "type",
                          "keywords", "group"]


def test_services_in_arabic_and_unknown_locale(client, admin):
    services = client.get(f"{API}/services.json?locale=ar").get_json()
    cnss = next(s for s in services if s["service_code"] == admin.code)
    assert cnss["service_name"] == admin.names["ar"]
    assert "locale" in spec_error(client.get(f"{API}/services.json?locale=en"), 400)


def test_services_filters_by_group_and_folded_text(client):
    ministries = client.get(f"{API}/services.json?group=ministry").get_json()
    assert ministries and {s["group"] for s in ministries} == {"ministry"}
    found = client.get(f"{API}/services.json?q=INTERIEUR").get_json()
    assert "101" in [s["service_code"] for s in found]
    assert len(found) < len(ministries) + 50
    accented = client.get(f"{API}/services.json?q=Intérieur&group=ministry").get_json()
    assert "101" in [s["service_code"] for s in accented]
    assert {s["group"] for s in accented} == {"ministry"}
    by_acronym = client.get(f"{API}/services.json?q=cnss").get_json()
    assert "201" in [s["service_code"] for s in by_acronym]
    assert client.get(f"{API}/services.json?q=zzzqqqxxx").get_json() == []
    assert "group" in spec_error(client.get(f"{API}/services.json?group=embassy"), 400)


def test_services_xml(client):
    as_json = client.get(f"{API}/services.json?group=ministry").get_json()
    root = xml_root(client.get(f"{API}/services.xml?group=ministry"), "services")
    services = root.findall("service")
    assert len(services) == len(as_json)
    assert [s.findtext("service_code") for s in services] == [s["service_code"]
                                                               for s in as_json]
    assert services[0].findtext("metadata") == "true"
    assert services[0].findtext("group") == "ministry"


# -- service definition ---------------------------------------------------------------------
def test_service_definition(client, admin):
    response = client.get(f"{API}/services/{admin.code}.json")
    assert response.status_code == 200
    definition = response.get_json()
    assert definition["service_code"] == admin.code
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["kind", "language", "cin", "subject"]
    assert [v["key"] for v in attributes["kind"]["values"]] == [
        "complaint", "observation", "suggestion"]
    assert [v["key"] for v in attributes["language"]["values"]] == list(language_codes())
    assert attributes["kind"]["datatype"] == attributes["language"]["datatype"] == \
        "singlevaluelist"
    assert attributes["kind"]["required"] and attributes["language"]["required"]
    assert attributes["cin"] == {**attributes["cin"], "datatype": "string", "required": False}
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4]


def test_service_definition_xml_and_unknown_code(client, admin):
    root = xml_root(client.get(f"{API}/services/{admin.code}.xml?locale=ar"),
                    "service_definition")
    assert root.findtext("service_code") == admin.code
    kind = root.find("attributes/attribute[code='kind']")
    assert [v.findtext("key") for v in kind.findall("values/value")] == [
        "complaint", "observation", "suggestion"]
    assert kind.findtext("values/value/name") == "شكاية"
    assert kind.findtext("required") == "true"
    spec_error(client.get(f"{API}/services/999999.json"), 404)
    spec_error(client.get(f"{API}/services/abc.json"), 404)


# -- errors of the API as a whole -----------------------------------------------------------
def test_unknown_paths_formats_and_methods_answer_spec_errors(client):
    spec_error(client.get(f"{API}/services.yaml"), 404)
    spec_error(client.get(f"{API}/nothing.json"), 404)
    spec_error(client.get("/open311/v3/services.json"), 404)
    response = client.get(f"{API}/nothing.xml")
    root = xml_root(response, "errors")
    assert response.status_code == 404 and root.findtext("error/code") == "404"
    assert root.findtext("error/description")
    response = client.delete(f"{API}/requests.json")
    spec_error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    spec_error(client.post(f"{API}/services.json"), 405)


def test_other_blueprints_keep_their_own_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert not response.data.startswith(b"[{")


def test_discovery(app, client):
    body = client.get(f"{API}/discovery.json").get_json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    # The configured public URL, not request.url: behind a TLS proxy that one says http.
    assert endpoint["url"] == app.config["PUBLIC_BASE_URL"] + API
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = xml_root(client.get(f"{API}/discovery.xml"), "discovery")
    assert root.findtext("endpoints/endpoint/formats/format") == "application/json"


# -- one request by reference ---------------------------------------------------------------
def get_one(client, reference, key=None, **params):
    response = client.get(f"{API}/requests/{reference}.json", query_string=params,
                          headers=keyed(key) if key else None)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert len(body) == 1
    return body[0]


def test_request_follows_the_case_through_its_life(client, session, admin, api_keys):
    """Anyone follows the status and the dates; the reply only with a key that may read it."""
    case = file_case(session, admin)
    reference = case.reference
    item = get_one(client, reference)
    assert item["service_request_id"] == reference
    assert (item["status"], item["detailed_status"], item["kind"]) == (
        "open", "received", "complaint")
    assert item["status_notes"] is None
    assert item["service_code"] == admin.code
    assert item["service_name"] == item["agency_responsible"] == admin.names["fr"]
    assert item["lat"] is None and item["long"] is None and item["address"] is None
    filed = dt.datetime.fromisoformat(item["requested_datetime"])
    assert filed.tzinfo is not None
    assert abs(filed - case.filed_at) < dt.timedelta(seconds=1)
    expected = dt.datetime.fromisoformat(item["expected_datetime"])
    assert expected.utcoffset() == expected.astimezone(TIMEZONE).utcoffset()
    assert (expected.date(), expected.time()) == (case.reply_due_on, dt.time(23, 59, 59))

    service = CaseService(session, actor="test")
    service.transmit(case)
    session.commit()
    item = get_one(client, reference)
    assert (item["status"], item["detailed_status"]) == ("open", "transmitted")

    service.answer(case, "Votre dossier a été régularisé le 3 mars.", "fr")
    session.commit()
    item = get_one(client, reference)
    assert (item["status"], item["detailed_status"]) == ("open", "answered")
    assert item["status_notes"] is None
    # The portal's key reads its own channel's cases only: this one came by phone.
    assert get_one(client, reference, key=KEY)["status_notes"] is None
    assert get_one(client, reference, key=READ_ALL_KEY)["status_notes"] == (
        "Votre dossier a été régularisé le 3 mars.")

    service.close(case, CloseReason.ANSWERED)
    session.commit()
    item = get_one(client, reference, locale="ar")
    assert (item["status"], item["detailed_status"]) == ("closed", "closed")
    assert item["status_notes"] is None
    assert get_one(client, reference, key=READ_ALL_KEY)["status_notes"] == (
        "Votre dossier a été régularisé le 3 mars.")
    assert item["service_name"] == admin.names["ar"]
    assert dt.datetime.fromisoformat(item["updated_datetime"]) >= filed


def test_request_closed_as_not_competent_says_where_to_go(client, session, admin, api_keys):
    case = file_case(session, admin)
    CaseService(session, actor="test").close(case, CloseReason.NOT_COMPETENT,
                                             redirect_to="Tribunal administratif de Rabat")
    session.commit()
    item = get_one(client, case.reference)
    assert (item["status"], item["detailed_status"]) == ("closed", "not_competent")
    assert item["status_notes"] is None
    item = get_one(client, case.reference, key=READ_ALL_KEY)
    assert "Tribunal administratif de Rabat" in item["status_notes"]


def test_request_xml(client, session, admin):
    case = file_case(session, admin)
    root = xml_root(client.get(f"{API}/requests/{case.reference}.xml"), "service_requests")
    request = root.find("request")
    assert request.findtext("service_request_id") == case.reference
    assert request.findtext("status") == "open"
    assert request.findtext("detailed_status") == "received"
    assert request.find("lat") is not None and request.findtext("lat") in ("", None)


def test_request_reference_is_checked(client, session, admin):
    case = file_case(session, admin)
    for malformed in ("123", "12345678901", "abcdefghij", bad_check_digit(case.reference),
                      "١٢٣٤٥٦٧٨٩٠"):
        assert "10-digit" in spec_error(client.get(f"{API}/requests/{malformed}.json"), 400)
    unknown = references.new_reference()
    while unknown == case.reference:  # pragma: no cover
        unknown = references.new_reference()
    spec_error(client.get(f"{API}/requests/{unknown}.json"), 404)
    root = xml_root(client.get(f"{API}/requests/{unknown}.xml"), "errors")
    assert root.findtext("error/code") == "404"


# -- personal data --------------------------------------------------------------------------
PERSONAL = (NAME, "Bennani", CIN, PHONE, "0612345678", "612345678", ADDRESS, "Orangers",
            DESCRIPTION, "indemnité")


def test_no_personal_data_without_a_key(client, session, private_case):
    CaseService(session, actor="test").transmit(private_case)
    CaseService(session, actor="test").answer(private_case, f"Réponse à {NAME}, {CIN}.", "fr")
    session.commit()
    reference = private_case.reference
    for url in (f"{API}/requests/{reference}.json", f"{API}/requests/{reference}.xml",
                f"{API}/requests.json?service_request_id={reference}",
                f"{API}/requests.xml?service_request_id={reference}"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert reference in body and "answered" in body
        for value in PERSONAL:
            assert value not in body, (url, value)
    item = get_one(client, reference)
    assert "description" not in item and "phone" not in item
    assert item["status_notes"] is None


@pytest.mark.parametrize("url", [f"{API}/requests.json", f"{API}/requests.xml",
                                 f"{API}/requests.json?status=open&page_size=200"])
def test_no_open_listing_without_a_key(client, private_case, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("ApiKey")
    body = response.get_data(as_text=True)
    assert private_case.reference not in body
    assert "api_key" in body and "service_request_id" in body
    if url.endswith(".xml"):
        assert xml_root(response, "errors").findtext("error/code") == "401"


def test_a_key_that_may_not_read_cannot_list(client, private_case, api_keys):
    response = client.get(f"{API}/requests.json", headers=keyed(FILE_ONLY_KEY))
    assert "read_own or read_all" in spec_error(response, 403)


def test_a_read_all_key_adds_the_description_the_reply_and_the_masked_phone(
        client, private_case, api_keys):
    item = get_one(client, private_case.reference, key=READ_ALL_KEY)
    assert item["description"] == DESCRIPTION
    assert item["phone"].endswith("78") and set(item["phone"][:-2]) == {"*"}
    for response in (client.get(f"{API}/requests/{private_case.reference}.xml",
                                headers=keyed(READ_ALL_KEY)),
                     client.get(f"{API}/requests.json", headers=keyed(READ_ALL_KEY))):
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and DESCRIPTION in body
        for value in (NAME, "Bennani", CIN, PHONE, "612345678", ADDRESS):
            assert value not in body


def test_a_read_own_key_reads_its_own_channel_only(client, session, admin, private_case,
                                                   api_keys):
    """The portal's key lists the portal's cases in full; a case of another channel it
    sees as anyone does (by reference, status and dates)."""
    posted = client.post(f"{API}/requests.json", data=form(admin))
    own = posted.get_json()[0]["service_request_id"]
    listed = client.get(f"{API}/requests.json", headers=keyed(KEY)).get_json()
    assert [item["service_request_id"] for item in listed] == [own]
    assert listed[0]["description"] == form(admin)["description"]
    assert get_one(client, own, key=KEY)["phone"].endswith("78")
    other = get_one(client, private_case.reference, key=KEY)
    assert "description" not in other and "phone" not in other
    both = client.get(f"{API}/requests.json?service_request_id={own},{private_case.reference}",
                      headers=keyed(KEY)).get_json()
    assert {item["service_request_id"]: "description" in item for item in both} == {
        own: True, private_case.reference: False}
    # The app's key, of another channel, sees neither in full and lists nothing.
    assert "description" not in get_one(client, own, key=OTHER_KEY)
    assert client.get(f"{API}/requests.json", headers=keyed(OTHER_KEY)).get_json() == []


@pytest.mark.parametrize("key, words", [
    ("wrong", "invalid"), (REVOKED_KEY, "revoked"), (EXPIRED_KEY, "expired"),
    ("x" * 5000, "invalid")])
def test_a_bad_revoked_or_expired_key_is_refused_even_to_read(client, private_case, api_keys,
                                                              key, words):
    reference = private_case.reference
    assert words in spec_error(client.get(f"{API}/requests/{reference}.json",
                                          headers=keyed(key)), 403)
    assert words in spec_error(client.get(f"{API}/requests.json", headers=keyed(key)), 403)


@pytest.mark.parametrize("name", ["api_key", "API_KEY", "apikey", "x-api-key"])
def test_a_key_in_the_url_is_refused_and_never_repeated_or_logged(client, admin, private_case,
                                                                  api_keys, caplog, name):
    for response in (client.get(f"{API}/requests.json?{name}={READ_ALL_KEY}"),
                     client.get(f"{API}/requests/{private_case.reference}.json",
                                query_string={name: READ_ALL_KEY}),
                     client.post(f"{API}/requests.json?{name}={KEY}", data=form(admin))):
        description = spec_error(response, 400)
        assert "URL" in description and "X-Api-Key" in description
        assert READ_ALL_KEY not in description and KEY not in description
        assert DESCRIPTION not in response.get_data(as_text=True)
    assert KEY not in caplog.text and READ_ALL_KEY not in caplog.text


# -- the list of requests -------------------------------------------------------------------
def references_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["service_request_id"] for item in response.get_json()]


def test_list_is_most_recent_first_over_the_last_90_days(reader, session, admin):
    now = utcnow()
    old = file_case(session, admin, when=now - dt.timedelta(days=120)).reference
    older = file_case(session, admin, when=now - dt.timedelta(days=10)).reference
    newer = file_case(session, admin, when=now - dt.timedelta(days=1)).reference
    assert references_of(reader.get(f"{API}/requests.json")) == [newer, older]
    start = (now - dt.timedelta(days=200)).date().isoformat()
    assert references_of(reader.get(f"{API}/requests.json?start_date={start}")) == [
        newer, older, old]
    end = (now - dt.timedelta(days=5)).isoformat()
    assert references_of(reader.get(f"{API}/requests.json",
                                    query_string={"end_date": end})) == [older, old]
    window = {"start_date": (now - dt.timedelta(days=11)).isoformat(),
              "end_date": (now - dt.timedelta(days=9)).isoformat()}
    assert references_of(reader.get(f"{API}/requests.json", query_string=window)) == [older]
    assert references_of(reader.get(f"{API}/requests.json?service_request_id={old},{newer}")
                         ) == [newer, old]


def test_list_filters(reader, session, admin, other_admin):
    complaint = file_case(session, admin)
    suggestion = file_case(session, other_admin, kind=CaseKind.SUGGESTION)
    closed = file_case(session, admin, kind=CaseKind.OBSERVATION)
    CaseService(session, actor="test").close(closed, CloseReason.DUPLICATE)
    session.commit()
    complaint, suggestion, closed = (c.reference for c in (complaint, suggestion, closed))

    def refs(**params):
        return set(references_of(reader.get(f"{API}/requests.json", query_string=params)))

    assert refs() == {complaint, suggestion, closed}
    assert refs(service_code=admin.code) == {complaint, closed}
    assert refs(service_code=f"{admin.code},{other_admin.code}") == {
        complaint, suggestion, closed}
    assert refs(status="open") == {complaint, suggestion}
    assert refs(status="closed") == {closed}
    assert refs(status="open,closed") == {complaint, suggestion, closed}
    assert refs(detailed_status="duplicate") == {closed}
    assert refs(detailed_status="received", service_code=other_admin.code) == {suggestion}
    assert refs(status="closed", detailed_status="received") == set()
    assert refs(kind="suggestion,observation") == {suggestion, closed}
    assert refs(service_request_id=complaint, service_code=other_admin.code) == {complaint}


@pytest.mark.parametrize("params", [
    {"start_date": "yesterday"}, {"end_date": "2026-13-45"},
    {"start_date": "2026-02-01", "end_date": "2026-01-01"},
    {"start_date": "9999-12-31T23:59:59-05:00"}, {"end_date": "0001-01-01T00:00:00+05:00"},
    {"start_date": "2" * 5000},
    {"status": "pending"}, {"detailed_status": "lost"}, {"kind": "praise"},
    {"service_request_id": "123,456"}, {"service_request_id": ",".join(["1234567890"] * 300)},
    {"page": "0"}, {"page": "-1"}, {"page": "abc"}, {"page": "1.5"}, {"page": "١"},
    {"page": "1" * 40}, {"page_size": "201"}, {"page_size": "0"}, {"locale": "xx"},
    {"locale": "\x00"},
])
def test_list_rejects_bad_parameters(reader, params):
    spec_error(reader.get(f"{API}/requests.json", query_string=params), 400)


def test_list_pagination(app, reader, session, admin):
    now = utcnow()
    made = [file_case(session, admin, when=now - dt.timedelta(hours=hours)).reference
            for hours in range(5)]  # made[0] is the most recent
    response = reader.get(f"{API}/requests.json?page_size=2&status=open")
    assert references_of(response) == made[:2]
    assert response.headers["X-Total-Count"] == "5"
    links = dict((rel, url) for url, rel in
                 re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"]))
    assert set(links) == {"first", "next", "last"}
    base = app.config["PUBLIC_BASE_URL"] + API + "/requests.json?"
    assert all(url.startswith(base) for url in links.values())
    assert "page=3" in links["last"] and "page=2" in links["next"]
    assert "status=open" in links["next"]
    follow = reader.get(links["next"])
    assert references_of(follow) == made[2:4]
    assert "Link" in follow.headers and 'rel="prev"' in follow.headers["Link"]
    assert references_of(reader.get(f"{API}/requests.json?page_size=2&page=3")) == made[4:]
    beyond = reader.get(f"{API}/requests.json?page_size=2&page=100000")
    assert references_of(beyond) == [] and beyond.headers["X-Total-Count"] == "5"
    default = reader.get(f"{API}/requests.json")
    assert default.headers["X-Total-Count"] == "5" and len(default.get_json()) == 5


def test_list_default_page_size_is_50(reader, session, admin):
    when = utcnow() - dt.timedelta(days=1)
    for _ in range(51):
        file_case(session, admin, when=when)
    response = reader.get(f"{API}/requests.json")
    assert len(response.get_json()) == 50 and response.headers["X-Total-Count"] == "51"
    assert len(reader.get(f"{API}/requests.json?page=2").get_json()) == 1


def test_list_xml(reader, session, admin):
    case = file_case(session, admin)
    root = xml_root(reader.get(f"{API}/requests.xml"), "service_requests")
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [
        case.reference]


# -- filing ---------------------------------------------------------------------------------
def test_post_files_a_case_with_the_key_channel(client, session, admin, api_keys):
    response = client.post(f"{API}/requests.json", data=form(admin))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    reference = body[0]["service_request_id"]
    assert references.is_valid(reference) and body[0]["account_id"] is None
    assert references.format_for_display(reference) in body[0]["service_notice"]
    session.rollback()
    case = session.scalar(select(Case).where(Case.reference == reference))
    assert (case.channel, case.kind, case.language, case.status) == (
        Channel.WEB, CaseKind.COMPLAINT, "ar", CaseStatus.RECEIVED)
    assert case.administration_id == admin.id
    assert case.description == "الموظف رفض تسليمي الوثيقة" and case.subject == "Attestation"
    assert (case.citizen_name, case.citizen_cin, case.citizen_phone) == (
        "Youssef Alami", "AB123456", "+212612345678")
    assert "youssef@example.ma" not in json.dumps(
        [getattr(case, c.key) for c in Case.__table__.columns], default=str)
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert [(e.action, e.actor, e.to_status) for e in events] == [
        ("file", "api:portal", CaseStatus.RECEIVED)]
    assert get_one(client, reference)["status"] == "open"


def test_post_with_the_key_in_a_header_and_the_file_scope_only(client, session, admin,
                                                             api_keys):
    response = client.post(f"{API}/requests.json", data=form(admin, api_key=None),
                           headers=keyed(FILE_ONLY_KEY))
    assert response.status_code == 201, response.get_data(as_text=True)
    session.rollback()
    case = session.scalar(select(Case))
    assert case.channel is Channel.WEB and case.events[0].actor == "api:kiosk"
    # Filing is all it may do: what it filed it reads back as anyone does.
    item = get_one(client, case.reference, key=FILE_ONLY_KEY)
    assert "description" not in item and item["status_notes"] is None


def test_post_minimal_observation_and_xml(client, session, admin, api_keys):
    data = form(admin, **{"attribute[kind]": "observation", "attribute[cin]": None,
                          "first_name": None, "last_name": None, "phone": None,
                          "attribute[subject]": None, "attribute[language]": "ary"})
    data["api_key"] = OTHER_KEY
    response = client.post(f"{API}/requests.xml", data=data)
    assert response.status_code == 201
    root = xml_root(response, "service_requests")
    reference = root.findtext("request/service_request_id")
    assert root.find("request/account_id") is not None
    session.rollback()
    case = session.scalar(select(Case).where(Case.reference == reference))
    assert (case.channel, case.kind, case.language) == (Channel.APP, CaseKind.OBSERVATION,
                                                         "ary")
    assert case.citizen_phone is None and case.citizen_cin is None


@pytest.mark.parametrize("overrides, status, words", [
    ({"api_key": None}, 401, "api_key"),
    ({"api_key": "not-a-key"}, 403, "api_key"),
    ({"api_key": REVOKED_KEY}, 403, "revoked"),
    ({"api_key": EXPIRED_KEY}, 403, "expired"),
    ({"api_key": READ_ALL_KEY}, 403, "file"),  # a key that may read but not file
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "99999"}, 400, "service_code"),
    ({"service_code": "٢٠١"}, 400, "service_code"),
    ({"attribute[kind]": None}, 400, "kind"),
    ({"attribute[kind]": "praise"}, 400, "kind"),
    ({"attribute[language]": "en"}, 400, "language"),
    ({"description": None}, 400, "description"),
    ({"description": "   \n\t "}, 400, "description"),
    ({"description": "x" * 10_001}, 400, "description"),
    ({"phone": "12"}, 400, "phone"),
    ({"phone": "06123"}, 400, "phone"),
    ({"phone": "☎" * 300}, 400, "phone"),
    ({"attribute[cin]": "123456"}, 400, "cin"),
    ({"attribute[cin]": "ABC1234567"}, 400, "cin"),
    ({"attribute[cin]": "AB123456", "attribute[kind]": "suggestion"}, 400, "cin"),
    ({"attribute[subject]": "s" * 256}, 400, "subject"),
    ({"first_name": "n" * 200, "last_name": "m" * 100}, 400, "name"),
    ({"address_string": "a" * 513}, 400, "address_string"),
])
def test_post_errors(client, session, admin, api_keys, overrides, status, words):
    response = client.post(f"{API}/requests.json", data=form(admin, **overrides))
    assert words in spec_error(response, status)
    assert case_count(session) == 0


def test_post_error_in_xml(client, admin, api_keys):
    response = client.post(f"{API}/requests.xml", data=form(admin, api_key=None))
    assert response.status_code == 401
    root = xml_root(response, "errors")
    assert root.findtext("error/code") == "401"


def test_post_strips_control_characters_and_keeps_unicode(client, session, admin, api_keys):
    text = "ⵜⴰⵎⴰⵣⵉⵖⵜ\x00 et عربية\x07 🙂\r\nfin"
    response = client.post(f"{API}/requests.json", data=form(admin, description=text))
    assert response.status_code == 201
    session.rollback()
    case = session.scalar(select(Case))
    assert case.description == "ⵜⴰⵎⴰⵣⵉⵖⵜ et عربية 🙂\r\nfin"


def test_idempotent_replay_files_one_case(client, session, admin, api_keys):
    headers = {"Idempotency-Key": "web-form-7f3a"}
    first = client.post(f"{API}/requests.json", data=form(admin), headers=headers)
    again = client.post(f"{API}/requests.json", data=form(admin), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert case_count(session) == 1
    # Another client choosing the same Idempotency-Key files its own case.
    other = client.post(f"{API}/requests.json", data=form(admin, api_key=OTHER_KEY),
                        headers=headers)
    assert other.status_code == 201
    assert other.get_json()[0]["service_request_id"] != first.get_json()[0][
        "service_request_id"]
    assert case_count(session) == 2
    # The same key for a different request is a client bug, not a replay.
    changed = client.post(f"{API}/requests.json", data=form(admin, description="autre"),
                          headers=headers)
    spec_error(changed, 409)
    assert case_count(session) == 2
    too_long = client.post(f"{API}/requests.json", data=form(admin),
                           headers={"Idempotency-Key": "k" * 129})
    assert "Idempotency-Key" in spec_error(too_long, 400)
    assert case_count(session) == 2


def test_without_idempotency_key_each_post_files_a_case(client, session, admin, api_keys):
    for _ in range(2):
        assert client.post(f"{API}/requests.json", data=form(admin)).status_code == 201
    assert case_count(session) == 2


@pytest.mark.parametrize("url", [
    f"{API}/requests.json?page=99999999999999999999999999999",
    f"{API}/services.json?q=" + "é" * 1000,
    f"{API}/services.json?q=%00%ff",
    f"{API}/services/%00.json",
    f"{API}/services/" + "9" * 500 + ".xml",
    f"{API}/requests/%F0%9F%99%82.xml",
    f"{API}/requests.json?service_code=%00&kind=",
])
def test_odd_input_never_breaks_the_api(reader, url):
    response = reader.get(url)
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        body = (response.get_json() if response.mimetype == "application/json"
                else [{"code": int(xml_root(response, "errors").findtext("error/code"))}])
        assert body[0]["code"] == response.status_code


def test_odd_post_bodies_never_break_the_api(client, session, admin, api_keys):
    for data, content_type in ((b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
                               (b'{"service_code": "201"}', "application/json"),
                               (b"--x\r\n", "multipart/form-data; boundary=x")):
        response = client.post(f"{API}/requests.json", data=data, headers=keyed(KEY),
                               content_type=content_type)
        assert response.status_code == 400
        assert response.get_json()[0]["code"] == 400
    assert case_count(session) == 0


# -- OpenAPI --------------------------------------------------------------------------------
def openapi_path(rule: str) -> str:
    """A Flask rule under the API as an OpenAPI path: <any(json, xml):fmt> -> {format}."""
    path = re.sub(r"<(?:[^:>]+(?:\([^)]*\))?:)?([^>]+)>", r"{\1}", rule[len(API):])
    return path.replace("{fmt}", "{format}")


def test_openapi_lists_every_route_served(app, client):
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"][0]["url"] == API
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/"):
            served.setdefault(openapi_path(rule.rule), set()).update(
                rule.methods - {"HEAD", "OPTIONS"})
    assert len(served) >= 7
    documented = {path: {m.upper() for m in item} for path, item in document["paths"].items()}
    assert documented == served
    yaml = client.get(f"{API}/openapi.yaml")
    assert yaml.status_code == 200 and yaml.mimetype == "application/yaml"
    assert yaml.get_data(as_text=True).startswith("#")
    for item in document["paths"].values():
        for operation in item.values():
            for reference in re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(operation)):
                node = document
                for part in reference.split("/"):
                    node = node[part]


def test_openapi_states_the_key_rules_and_the_limits(client):
    document = client.get(f"{API}/openapi.json").get_json()
    scheme = document["components"]["securitySchemes"]["ApiKeyHeader"]
    assert (scheme["in"], scheme["name"]) == ("header", "X-Api-Key")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "429" in operation["responses"], (path, method)
            assert all(p.get("name") != "api_key" for p in operation.get("parameters", []))
    requests = document["paths"]["/requests.{format}"]
    assert requests["post"]["security"] == [{"ApiKeyHeader": ["file"]}]
    assert {} in requests["get"]["security"] and "401" in requests["get"]["responses"]
    service = document["components"]["schemas"]["ServiceRequest"]["properties"]
    assert "null" in service["service_code"]["type"]
