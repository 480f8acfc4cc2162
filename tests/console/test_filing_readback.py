"""After filing: the reference is texted once however often the agent clicks, and "play
it to the caller" moves the live call to the IVR, which reads exactly that reference."""
import html
import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from ivr.prompts import catalogue
from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from shared import jobs
from shared.extensions import db
from shared.models import Case
from shared.models import Job
from shared.types import Role
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.console.test_filing import CALLER
from tests.console.test_filing import form_of
from tests.console.test_filing import held_call
from tests.ivr.helpers import digits_read


@pytest.fixture()
def filed(app, make_user, logged_in):
    """Salma holds an Arabic call and filed its case: (client, agent, call_sid, reference,
    the filed page's HTML)."""
    agent = make_user("salma", Role.AGENT)
    sid = held_call(app, agent.id, language="ar")
    client = logged_in(agent)
    values = form_of(client.get(f"/console/calls/{sid}").text)
    response = client.post("/console/cases", data={
        **values, "kind": "complaint", "language": "ar", "description": "تأخر في التعويض"})
    assert response.status_code == 303
    with app.app_context():
        reference = db.session.scalar(select(Case.reference))
    return client, agent, sid, reference, client.get(response.headers["Location"]).text


def shown_reference(page: str) -> str:
    shown = re.search(r'data-testid="reference"[^>]*>(.*?)</p>', page, re.S)[1]
    return re.sub(r"<[^>]+>|\s", "", shown)


def test_the_sms_is_sent_once_even_when_clicked_twice(app, filed, fake_twilio):
    client, _agent, _sid, reference, _page = filed
    for _ in range(2):
        response = client.post(f"/console/filed/{reference}/sms")
        assert response.status_code == 303
    with app.app_context():
        assert len(db.session.scalars(select(Job)).all()) == 1
    while jobs.run_one(app):
        pass
    (message,) = fake_twilio.messages()
    assert message["To"] == CALLER and reference in message["Body"]
    client.post(f"/console/filed/{reference}/sms")
    while jobs.run_one(app):
        pass
    assert len(fake_twilio.messages()) == 1


def test_a_case_without_a_mobile_cannot_be_texted(app, filed):
    client, _agent, _sid, reference, _page = filed
    with app.app_context():
        db.session.scalar(select(Case)).citizen_phone = "+212537123456"  # a landline
        db.session.commit()
    page = client.post(f"/console/filed/{reference}/sms", follow_redirects=True).text
    assert "pas de numéro mobile" in page
    with app.app_context():
        assert db.session.scalars(select(Job)).all() == []


def test_the_script_to_read_is_in_the_callers_language_with_the_reply_date(app, filed):
    _client, _agent, _sid, reference, page = filed
    script = html.unescape(re.search(
        r'data-testid="read-back-script">(.*?)</blockquote>', page, re.S)[1])
    with app.app_context():
        due = db.session.scalar(select(Case.reply_due_on))
    prompts = catalogue()
    assert script.startswith(prompts.text("case_filed", "ar"))
    assert prompts.text("reply_due", "ar") in script and str(due.year) in script
    assert " ".join([reference[:3], reference[3:6], reference[6:]]) in script
    assert 'lang="ar" dir="rtl"' in page


def test_playing_it_moves_the_call_to_a_read_back_of_exactly_the_reference_shown(
        app, client, filed, fake_twilio):
    console, agent, sid, reference, page = filed
    assert shown_reference(page) == reference
    response = console.post(f"/console/filed/{reference}/readback", data={"then": "agent"})
    assert response.status_code == 303
    (update,) = fake_twilio.call_updates
    assert update["sid"] == sid
    url = update["form"]["Url"]
    assert url.startswith(f"{PUBLIC_BASE_URL}/ivr/agent/readback?")
    assert parse_qs(urlsplit(url).query) == {"agent": [str(agent.id)], "then": ["agent"]}
    assert CALLER[-6:] not in url and reference not in url  # nothing personal in the URL
    # Twilio fetches that URL (signed) for the live call: the IVR reads the reference.
    twilio = Caller(FlaskTransport(client), PUBLIC_BASE_URL, TEST_AUTH_TOKEN, caller=CALLER,
                    call_sid=sid, account_sid=TEST_ACCOUNT_SID)
    turn = twilio.post(url)
    assert digits_read(turn) == reference
    assert {language for language, _ in turn.prompts} == {"ar"}
    assert turn.find("Redirect").text.strip().endswith(f"/ivr/agent/connect?agent={agent.id}")


def test_the_agent_can_choose_to_end_the_call_after_it(filed, fake_twilio):
    console, _agent, _sid, reference, _page = filed
    console.post(f"/console/filed/{reference}/readback", data={"then": "hangup"})
    assert fake_twilio.call_updates[0]["form"]["Url"].endswith("then=hangup")


@pytest.mark.parametrize("status, message", [
    (404, "L'appel n'a pas pu être transféré"),
    (503, "Le service téléphonique n'a pas répondu à temps"),
])
def test_twilio_refusing_or_failing_is_told_to_the_agent(filed, fake_twilio, status, message):
    console, _agent, _sid, reference, _page = filed
    fake_twilio.fail_next = [status]
    response = console.post(f"/console/filed/{reference}/readback", data={"then": "agent"},
                            follow_redirects=True)
    assert response.status_code == 200
    assert message in response.text.replace("&#39;", "'")


def test_a_bad_choice_or_no_live_call_is_refused(app, filed, fake_twilio):
    console, _agent, sid, reference, _page = filed
    assert console.post(f"/console/filed/{reference}/readback",
                        data={"then": "later"}).status_code == 400
    with app.app_context():
        from shared.models import Call
        from shared.models import utcnow
        db.session.scalar(select(Call).where(Call.call_sid == sid)).ended_at = utcnow()
        db.session.commit()
    page = console.post(f"/console/filed/{reference}/readback", data={"then": "agent"},
                        follow_redirects=True).text
    assert "pas d&#39;appel en cours" in page or "pas d'appel en cours" in page
    assert fake_twilio.call_updates == []


def test_another_agent_cannot_play_or_text_it(filed, make_user, logged_in, fake_twilio):
    _console, _agent, _sid, reference, _page = filed
    karim = logged_in(make_user("karim", Role.AGENT))
    assert karim.post(f"/console/filed/{reference}/readback",
                      data={"then": "agent"}).status_code == 404
    assert karim.post(f"/console/filed/{reference}/sms").status_code == 404
    assert fake_twilio.call_updates == []


def test_the_sms_and_play_forms_need_their_csrf_token(filed, config, fake_twilio):
    console, _agent, _sid, reference, _page = filed
    config(WTF_CSRF_ENABLED=True)
    assert console.post(f"/console/filed/{reference}/sms").status_code == 400
    assert console.post(f"/console/filed/{reference}/readback",
                        data={"then": "agent"}).status_code == 400
    assert fake_twilio.call_updates == []
