"""An officer's work list: the cases waiting for the administration first, the nearest
legal date first, overdue and soon-due ones marked; filters by status, kind, channel and
filing dates; a search in the case's words and its transcripts; a page at a time."""
import datetime as dt

import pytest

from console import worklist
from shared.cases import CaseService
from shared.extensions import db
from shared.models import Call
from shared.models import TranscriptSegment
from shared.models import utcnow
from shared.types import CaseKind
from shared.types import Channel
from tests.console.officers import AGENCY
from tests.console.officers import file_at
from tests.console.officers import listed
from tests.console.officers import make_officer


@pytest.fixture()
def client(app, make_user, logged_in):
    return logged_in(make_officer(app, make_user, "houda", AGENCY))


def days_ago(days: int):
    moment = utcnow() - dt.timedelta(days=days)
    return lambda: moment


def urgency(html: str, reference: str) -> str:
    start = html.index(f'data-reference="{reference}"')
    return html[start:].split('data-urgency="')[1].split('"')[0]


def test_the_most_urgent_legal_date_comes_first_and_is_marked(app, client):
    answered = file_at(app, AGENCY, "answered", clock=days_ago(1))
    fresh = file_at(app, AGENCY, "transmitted", clock=days_ago(1))  # reply in ~59 days
    soon = file_at(app, AGENCY, "in_progress", clock=days_ago(56))  # reply in ~4 days
    late = file_at(app, AGENCY, "received", clock=days_ago(20))  # transmission 5 days late
    html = client.get("/console/officer/").text
    assert listed(html) == [late, soon, fresh, answered]
    assert [urgency(html, r) for r in (late, soon, fresh, answered)] == [
        "overdue", "soon", "on_time", "done"]


def test_filters_by_status_kind_and_channel(app, client):
    complaint = file_at(app, AGENCY, "transmitted")
    suggestion = file_at(app, AGENCY, "transmitted", kind=CaseKind.SUGGESTION,
                         channel=Channel.PHONE_IVR)
    closed = file_at(app, AGENCY, "closed")
    assert set(listed(client.get("/console/officer/?status=transmitted").text)) == {
        complaint, suggestion}
    assert listed(client.get("/console/officer/?status=closed").text) == [closed]
    assert set(listed(client.get("/console/officer/?status=open").text)) == {
        complaint, suggestion}
    assert listed(client.get("/console/officer/?kind=suggestion").text) == [suggestion]
    assert listed(client.get("/console/officer/?channel=phone_ivr").text) == [suggestion]


def test_filters_by_filing_date_in_moroccan_days(app, client):
    old, recent = file_at(app, AGENCY, clock=days_ago(30)), file_at(app, AGENCY)
    old_day = (utcnow() - dt.timedelta(days=30)).date()
    assert listed(client.get(f"/console/officer/?filed_to={old_day}").text) == [old]
    assert listed(client.get(
        f"/console/officer/?filed_from={old_day + dt.timedelta(days=2)}").text) == [recent]
    assert set(listed(client.get(f"/console/officer/?filed_from={old_day}&filed_to="
                                 f"{utcnow().date()}").text)) == {old, recent}


@pytest.mark.parametrize("query", ["status=lost", "kind=x", "channel=fax",
                                   "filed_from=2025-13-01", "page=0", "q=" + "x" * 201])
def test_a_wrong_filter_is_refused_with_the_reason(client, query):
    response = client.get(f"/console/officer/?{query}")
    assert response.status_code == 400
    assert "Vérifiez les filtres" in response.text


def test_the_search_finds_words_of_the_description_whatever_their_case(app, client):
    wanted = file_at(app, AGENCY, description="Pension de RETRAITE non versée")
    file_at(app, AGENCY, description="Attestation d'affiliation")
    assert listed(client.get("/console/officer/?q=retraite versée").text) == [wanted]
    assert listed(client.get("/console/officer/?q=retraite attestation").text) == []
    assert listed(client.get("/console/officer/?q=%25").text) == []  # no wildcard


def test_the_search_finds_words_of_the_transcripts(app, client):
    spoken = file_at(app, AGENCY, description=None)
    heard = file_at(app, AGENCY, description=None)
    with app.app_context():
        service = CaseService(db.session, actor="test")
        service.attach_transcript(service.get(spoken), "المعاش ديالي ما وصلنيش", "ary",
                                  0.9, "vosk")
        call = Call(call_sid="CA" + "7" * 32, case_id=service.get(heard).id)
        db.session.add(call)
        db.session.flush()
        db.session.add(TranscriptSegment(call_id=call.id, seq=1, text="la carte RAMED expirée"))
        db.session.commit()
        db.session.remove()
    assert listed(client.get("/console/officer/?q=المعاش").text) == [spoken]
    assert listed(client.get("/console/officer/?q=ramed").text) == [heard]


def test_the_list_is_paginated(app, client, monkeypatch):
    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    references = [file_at(app, AGENCY, "transmitted", clock=days_ago(days))
                  for days in (5, 4, 3)]
    first = client.get("/console/officer/").text
    assert listed(first) == references[:2]
    assert 'data-testid="work-next"' in first and 'data-total="3"' in first
    second = client.get("/console/officer/?page=2").text
    assert listed(second) == references[2:]
    assert listed(client.get("/console/officer/?page=9").text) == references[2:]


def test_the_list_answers_in_arabic(app, make_user, logged_in):
    officer = make_officer(app, make_user, "amina", AGENCY, console_language="ar")
    file_at(app, AGENCY)
    html = logged_in(officer).get("/console/officer/").text
    assert 'dir="rtl"' in html and "قائمة العمل" in html and "شكاية" in html


def test_an_officer_lands_on_the_work_list(app, make_user):
    make_officer(app, make_user, "rachid", AGENCY)
    response = app.test_client().post("/console/login",
                           data={"username": "rachid", "password": "correct horse 3737"})
    assert response.headers["Location"] == "/console/officer/"
