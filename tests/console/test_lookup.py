"""The look-up box of a follow-up call: by reference (check digit checked on the server too),
by phone or by CIN (POSTs: never in a URL nor a log), one case → its page, several → a list;
each search of personal data is written to the access log, as a keyed hash."""
import logging
import re

import pytest

from shared import access_log
from shared.cases import Citizen
from shared import references
from tests.console.followup import CIN
from tests.console.followup import PHONE
from tests.console.followup import access_rows
from tests.console.followup import make_case


def wrong_check_digit(reference: str) -> str:
    return reference[:-1] + str((int(reference[-1]) + 1) % 10)


def test_a_reference_opens_its_case(app, agent, logged_in):
    reference = make_case(app)
    response = logged_in(agent).post("/console/lookup", data={"query": reference})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console/cases/{reference}")


def test_a_reference_as_read_back_in_groups_is_found(app, agent, logged_in):
    reference = make_case(app)
    spoken = " ".join(references.grouped(reference))
    response = logged_in(agent).post("/console/lookup", data={"query": spoken})
    assert response.headers["Location"].endswith(f"/console/cases/{reference}")


def test_a_wrong_check_digit_is_refused_with_its_reason(app, agent, logged_in):
    reference = make_case(app)
    response = logged_in(agent).post("/console/lookup",
                                     data={"query": wrong_check_digit(reference)})
    assert response.status_code == 400
    assert "chiffre de contrôle" in response.text
    assert access_rows(app) == []


@pytest.mark.parametrize("query, reason", [
    ("12345", "10 chiffres"),
    ("06 12", "numéro de téléphone"),
    ("A-B-C-1", "CIN"),
    ("   ", "référence, un numéro de téléphone ou une CIN"),
])
def test_what_cannot_be_searched_is_refused_with_its_reason(agent, logged_in, query, reason):
    response = logged_in(agent).post("/console/lookup", data={"query": query})
    assert response.status_code == 400
    assert reason in response.text


@pytest.mark.parametrize("query", [PHONE, "0612345678", "06 12 34 56 78"])
def test_a_phone_number_finds_its_case_and_the_search_is_logged(app, agent, logged_in, query):
    reference = make_case(app)
    response = logged_in(agent).post("/console/lookup", data={"query": query})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console/cases/{reference}")
    [row] = access_rows(app)
    assert row["kind"] == access_log.SEARCH_PHONE and row["actor"] == "user:salma"
    assert row["user_id"] == agent.id and row["matches"] == 1
    with app.app_context():
        assert row["query_hash"] == access_log.keyed_hash(PHONE)  # the same number, one hash
    assert "612345678" not in repr(row)


@pytest.mark.parametrize("query", [CIN, "ab 123456"])
def test_a_cin_finds_its_case_and_the_search_is_logged(app, agent, logged_in, query):
    reference = make_case(app)
    response = logged_in(agent).post("/console/lookup", data={"query": query})
    assert response.headers["Location"].endswith(f"/console/cases/{reference}")
    [row] = access_rows(app)
    assert row["kind"] == access_log.SEARCH_CIN and row["matches"] == 1
    assert "123456" not in repr(row)


def test_a_cin_also_finds_the_cases_where_only_its_digits_were_keyed(app, agent, logged_in):
    digits_only = make_case(app, citizen=Citizen(cin="123456", phone=PHONE))
    full = make_case(app)
    response = logged_in(agent).post("/console/lookup", data={"query": CIN})
    assert response.status_code == 200
    assert {digits_only, full} <= set(_listed(response.text))


def _listed(html: str) -> list[str]:
    return re.findall(r'data-testid="lookup-match" data-reference="(\d{10})"', html)


def test_several_cases_of_one_phone_are_listed_newest_first(app, agent, logged_in):
    first = make_case(app)
    second = make_case(app, status="answered")
    make_case(app, citizen=Citizen(phone="+212661111111"))
    response = logged_in(agent).post("/console/lookup", data={"query": PHONE})
    assert response.status_code == 200
    assert _listed(response.text) == [second, first]
    assert 'data-status="answered"' in response.text
    assert PHONE not in response.text and "0612345678" not in response.text
    [row] = access_rows(app)
    assert row["matches"] == 2


def test_no_case_found_is_said_and_still_logged(app, agent, logged_in):
    response = logged_in(agent).post("/console/lookup", data={"query": "0661999999"})
    assert response.status_code == 200
    assert 'data-testid="lookup-none"' in response.text
    assert [row["matches"] for row in access_rows(app)] == [0]


def test_a_phone_search_never_shows_in_a_url_a_page_or_a_log(app, agent, logged_in, caplog):
    make_case(app)
    make_case(app)
    client = logged_in(agent)
    caplog.set_level(logging.DEBUG)
    response = client.post("/console/lookup", data={"query": "0612345678"})
    assert response.request.url.endswith("/console/lookup")
    assert "612345678" not in response.request.url and not response.request.query_string
    assert "612345678" not in response.text
    for link in _listed(response.text):
        assert client.get(f"/console/cases/{link}").status_code == 200
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "612345678" not in logged and "0612345678" not in logged
    assert all("612345678" not in repr(row) for row in access_rows(app))


def test_the_lookup_box_is_a_post_form_with_its_csrf_token(app, agent, logged_in, config):
    reference = make_case(app)
    client = logged_in(agent)
    config(WTF_CSRF_ENABLED=True)
    page = client.get("/console/").text
    assert 'data-testid="lookup"' in page
    form = page.split('data-testid="lookup-form"')[1].split("</form>")[0]
    assert 'method="post" action="/console/lookup"' in page
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/console/lookup", data={"query": PHONE}).status_code == 400
    assert access_rows(app) == []
    found = client.post("/console/lookup", data={"query": PHONE, "csrf_token": token})
    assert found.headers["Location"].endswith(f"/console/cases/{reference}")
