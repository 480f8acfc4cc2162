"""Filing a case from the console: the form of a held call (prefilled from the IVR), the
phone-agent channel, the reference shown is the one stored and the one Open311 returns."""
import re

from sqlalchemy import select

from shared.extensions import db
from shared.models import Call
from shared.models import Case
from shared.types import Role

CALL_SID = "CA" + "2" * 32
CALLER = "+212661234567"


def held_call(app, agent_id, language="fr", **answers):
    with app.app_context():
        call = Call(call_sid=CALL_SID, caller=CALLER, language=language, step="agent",
                    agent_id=agent_id, answers={"kind": "complaint", "administration": "201",
                                                **answers})
        db.session.add(call)
        db.session.commit()
    return CALL_SID


def form_of(page: str) -> dict:
    """The hidden and prefilled values of the case form of `page`."""
    return {name: value for tag, name, value in re.findall(
        r'(<input[^>]*name="(\w+)"[^>]*value="([^"]*)")', page) if 'type="checkbox"' not in tag
        and name != "submit"}


def test_the_form_is_prefilled_from_the_call_with_the_number_masked(app, make_user, logged_in):
    agent = make_user("salma", Role.AGENT)
    sid = held_call(app, agent.id)
    page = logged_in(agent).get(f"/console/calls/{sid}").text
    assert 'data-testid="case-form"' in page
    values = form_of(page)
    assert values["administration"] == "201" and values["call_sid"] == sid
    assert values["phone"].endswith("67") and "661234" not in page
    assert '<option selected value="complaint">' in page


def test_filing_stores_a_phone_agent_case_linked_to_the_call(app, make_user, logged_in):
    agent = make_user("salma", Role.AGENT)
    sid = held_call(app, agent.id)
    client = logged_in(agent)
    values = form_of(client.get(f"/console/calls/{sid}").text)
    response = client.post("/console/cases", data={
        **values, "kind": "complaint", "language": "fr", "name": "Fatima Zahra",
        "cin": "ab 123456", "commune": "Rabat", "subject": "Retard",
        "description": "Remboursement en retard"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    with app.app_context():
        case = db.session.scalar(select(Case))
        call = db.session.scalar(select(Call).where(Call.call_sid == sid))
        assert case.channel.value == "phone_agent" and call.case_id == case.id
        assert case.citizen_phone == CALLER and case.citizen_cin == "AB123456"
        assert case.administration.code == "201" and case.pending_fields == []
        assert case.events[0].actor == "user:salma"
        reference = case.reference
    shown = re.search(r'data-testid="reference"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s", "", shown) == reference
    assert 'data-status="received"' in page
    open311 = client.get(f"/open311/v2/requests/{reference}.json").get_json()
    assert open311[0]["service_request_id"] == reference
