"""The work list as it is built for a million cases: the stored legal date it is ordered by
(cases.due_on) stays right through every officer's move, a reopening and a redirection; the
administrations of a scope are merged in that order; the pager counts COUNT_LIMIT cases at
most and says there are more; a word of a live transcript is found whichever way it is
looked up."""
import datetime as dt

import pytest

from console import worklist
from shared.cases import CaseService
from shared.extensions import db
from shared.models import Call
from shared.models import TranscriptSegment
from shared.models import utcnow
from shared.types import CloseReason
from tests.console.followup import case_field
from tests.console.officers import AGENCY
from tests.console.officers import MINISTRY
from tests.console.officers import OTHER
from tests.console.officers import admin_id
from tests.console.officers import file_at
from tests.console.officers import listed
from tests.console.officers import make_officer

# Which legal date the administration works to at each status (décret 2-17-265): written
# out here, not read from the code under test.
WORKS_TO = {"received": "transmit_due_on", "reopened": "transmit_due_on",
            "transmitted": "reply_due_on", "in_progress": "reply_due_on"}


@pytest.fixture()
def client(app, make_user, logged_in):
    return logged_in(make_officer(app, make_user, "houda", AGENCY))


def stored(app, reference: str) -> tuple[str, dt.date | None, dt.date | None]:
    """The case's status, its stored due_on and the date it should be, read afresh."""
    with app.app_context():
        case = CaseService(db.session).get(reference)
        expected = getattr(case, WORKS_TO[case.status.value]) \
            if case.status.value in WORKS_TO else None
        found = (case.status.value, case.due_on, expected)
        db.session.remove()
    return found


def by_the_service(app, reference: str, move: str, days_later: int) -> None:
    """What no officer's button does, `days_later` days on: the citizen reopens the case
    on a follow-up call (new legal dates), or an answered case is closed."""
    later = utcnow() + dt.timedelta(days=days_later)
    with app.app_context():
        service = CaseService(db.session, actor="ivr", clock=lambda: later)
        case = service.get(reference)
        if move == "reopen":
            service.reopen(case)
        else:
            service.close(case, CloseReason.ANSWERED)
        db.session.commit()
        db.session.remove()


OFFICER_PATHS = {
    "answered, reopened, redirected": [
        ("transmit", {}), ("ask_information", {"question": "Votre numéro d'affiliation ?"}),
        ("start", {}), ("note", {"text": "Voir le service pensions"}),
        ("answer", {"reply": "Versement fait le 3 mai.", "language": "fr"}),
        ("reopen", 70), ("start", {}),
        ("redirect", {"administration": OTHER, "reason": "Relève de la justice"})],
    "closed, reopened, answered": [
        ("transmit", {}), ("answer", {"reply": "Versement fait.", "language": "fr"}),
        ("close_answered", 80), ("reopen", 100), ("transmit", {}),
        ("answer", {"reply": "Versement refait.", "language": "ar"})],
    "inadmissible": [("close", {"reason": "inadmissible", "note": "Devant le tribunal"})],
    "reopened, inadmissible": [
        ("transmit", {}), ("answer", {"reply": "Fait.", "language": "fr"}), ("reopen", 20),
        ("close", {"reason": "inadmissible", "note": "Devant le tribunal"})],
}


@pytest.mark.parametrize("path", OFFICER_PATHS.values(), ids=OFFICER_PATHS.keys())
def test_the_stored_legal_date_follows_every_move(app, client, path):
    reference = file_at(app, AGENCY)
    status, due_on, expected = stored(app, reference)
    assert (status, due_on) == ("received", expected) and due_on is not None
    seen = {status}
    for move, form in path:
        if move in ("reopen", "close_answered"):
            before = case_field(app, reference, "transmit_due_on")
            by_the_service(app, reference, move, form)
        else:
            response = client.post(f"/console/officer/cases/{reference}/{move}", data=form)
            assert response.status_code == 303, (move, response.text)
        status, due_on, expected = stored(app, reference)
        assert due_on == expected, (move, status)
        if move == "reopen":
            assert due_on > before  # the new 15 days, not the first ones
        seen.add(status)
    assert status in {"not_competent", "answered", "inadmissible"} and due_on is None
    assert len(seen) >= 2


def test_a_ministrys_administrations_are_merged_in_legal_date_order(app, make_user,
                                                                     logged_in, monkeypatch):
    """The ministry's own cases and its public body's, interleaved by their dates: the
    same order read administration by administration (merged) as all together (sorted)."""
    def ago(days):
        moment = utcnow() - dt.timedelta(days=days)
        return lambda: moment
    cases = [file_at(app, AGENCY, "in_progress", clock=ago(50)),  # reply in ~10 days
             file_at(app, MINISTRY, "received", clock=ago(20)),  # transmission 5 days late
             file_at(app, MINISTRY, "transmitted", clock=ago(40)),  # reply in ~20 days
             file_at(app, AGENCY, "received", clock=ago(3)),  # transmission in ~12 days
             file_at(app, MINISTRY, "answered", clock=ago(2)),
             file_at(app, AGENCY, "closed", clock=ago(1))]
    expected = [cases[1], cases[0], cases[3], cases[2], cases[5], cases[4]]
    browser = logged_in(make_officer(app, make_user, "youssef", MINISTRY))
    assert listed(browser.get("/console/officer/").text) == expected
    monkeypatch.setattr(worklist, "MAX_MERGED", 1)  # read together and sorted
    assert listed(browser.get("/console/officer/").text) == expected
    monkeypatch.setattr(worklist, "PAGE_SIZE", 4)
    assert listed(browser.get("/console/officer/?page=2").text) == expected[4:]


def test_the_pager_counts_so_many_and_says_there_are_more(app, client, monkeypatch):
    monkeypatch.setattr(worklist, "COUNT_LIMIT", 3)
    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    references = [file_at(app, AGENCY, "transmitted") for _ in range(5)]
    first = client.get("/console/officer/").text
    assert 'data-total="3" data-more="true"' in first
    assert "Plus de 3 dossiers : la liste montre les 3 premiers." in first
    assert "Page 1 sur 2" in first  # the 3 counted, not the 5
    second = client.get("/console/officer/?page=2").text
    assert 'data-testid="work-next"' not in second and "Page 2 sur 2" in second
    assert client.get("/console/officer/?page=7").text.count('data-testid="work-item"') == 2
    everything = listed(first) + listed(second)
    assert len(everything) == 4 and set(everything) <= set(references)
    exact = client.get("/console/officer/?status=closed").text  # none: counted exactly
    assert 'data-total="0"' in exact and "data-more" not in exact


def test_the_count_stops_one_past_the_limit(app, monkeypatch):
    monkeypatch.setattr(worklist, "COUNT_LIMIT", 3)
    for _ in range(6):
        file_at(app, AGENCY)
    with app.app_context():
        scope = worklist.Filters(frozenset({admin_id(app, AGENCY)}))
        assert worklist.counted(db.session, scope, []) == 4  # not 6: no more rows are read
        db.session.remove()


def test_the_pager_counts_exactly_up_to_the_limit(app, client, monkeypatch):
    monkeypatch.setattr(worklist, "COUNT_LIMIT", 3)
    for _ in range(3):
        file_at(app, AGENCY, "transmitted")
    page = client.get("/console/officer/").text
    assert 'data-total="3">' in page and "3 dossiers" in page and "Plus de" not in page


def test_the_pager_in_arabic_and_darija(app, make_user, logged_in, monkeypatch):
    monkeypatch.setattr(worklist, "COUNT_LIMIT", 1)
    file_at(app, AGENCY)
    file_at(app, AGENCY)
    for name, language, words in (("amina", "ar", "أكثر من 1 ملف"),
                                  ("hind", "ary", "كثر من 1 ديال الملفات")):
        officer = make_officer(app, make_user, name, AGENCY, console_language=language)
        assert words in logged_in(officer).get("/console/officer/").text


@pytest.mark.parametrize("limit", [1000, 0])
def test_a_live_transcripts_word_is_found_by_id_or_by_subquery(app, client, monkeypatch,
                                                              limit):
    """The cases whose calls said the word are looked up first and passed by id; when they
    are too many, the cases' query looks them up itself: the same cases either way."""
    monkeypatch.setattr(worklist, "MAX_TRANSCRIPT_CASES", limit)
    heard, written, elsewhere = (file_at(app, AGENCY, description=None),
                                 file_at(app, AGENCY, description="Carte RAMED expirée"),
                                 file_at(app, OTHER, description=None))
    with app.app_context():
        for number, reference in enumerate((heard, elsewhere)):
            call = Call(call_sid=f"CA{number:032d}",
                        case_id=CaseService(db.session).get(reference).id)
            db.session.add(call)
            db.session.flush()
            db.session.add(TranscriptSegment(call_id=call.id, seq=1, text="ma carte RAMED"))
        db.session.commit()
        db.session.remove()
    assert set(listed(client.get("/console/officer/?q=ramed").text)) == {heard, written}
    assert listed(client.get("/console/officer/?q=ramed expirée").text) == [written]
    assert set(listed(client.get("/console/officer/?q=carte ramed").text)) == {heard, written}
