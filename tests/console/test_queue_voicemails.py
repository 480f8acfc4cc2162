"""Voicemails still to handle are listed on the agent page, each recording streamed to
logged-in agents and supervisors only, through the console (never a public URL)."""
import pytest
from sqlalchemy import event
from sqlalchemy import select

from console import board
from console import queue
from ivr import recordings
from shared import administrations
from shared.cases import CaseService
from shared.extensions import db
from shared.models import Case
from shared.types import CloseReason
from shared.types import Role
from tests.console.calls import new_caller
from tests.console.followup import access_rows
from tests.ivr.helpers import to_main_menu
from tests.support.fake_twilio import silent_wav

AUDIO = silent_wav(0.5)


@pytest.fixture()
def voicemail(app, config):
    """A voicemail left through the IVR (the queue full), its recording stored as the
    recording job stores it; returns the case's reference."""
    config(QUEUE_MAX_SIZE=0)
    caller = new_caller(app)
    to_main_menu(caller, "fr")
    assert "offer_voicemail_or_callback" in caller.press("0").keys
    caller.press("1")
    caller.record(10)
    with app.app_context():
        case = db.session.scalar(select(Case))
        path = recordings.store(case.reference, "description", caller.last_recording_sid, AUDIO)
        case.recording_path = str(path)
        db.session.commit()
        return case.reference


def test_the_agent_page_lists_the_voicemail_with_its_recording(voicemail, make_user,
                                                                logged_in):
    page = logged_in(make_user("salma", Role.AGENT)).get("/console/").text
    assert f'data-testid="voicemail-item" data-reference="{voicemail}"' in page
    assert f'src="/console/voicemails/{voicemail}/recording"' in page


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_agents_and_supervisors_hear_the_recording(app, voicemail, make_user, logged_in,
                                                   role):
    response = logged_in(make_user("someone", role)).get(
        f"/console/voicemails/{voicemail}/recording")
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.data == AUDIO
    assert response.headers["Cache-Control"] == "no-store"
    response.close()
    [row] = [row for row in access_rows(app) if row["kind"] == "voicemail"]
    assert row["case"] == voicemail


def test_nobody_else_hears_it(voicemail, client, make_user, logged_in, officer_admin_id):
    path = f"/console/voicemails/{voicemail}/recording"
    assert client.get(path).status_code == 302  # to the login form
    officer = make_user("cnss", Role.OFFICER, administration_id=officer_admin_id)
    assert logged_in(officer).get(path).status_code == 403


def test_only_a_voicemails_recording_is_served(app, voicemail, make_user, logged_in):
    browser = logged_in(make_user("salma", Role.AGENT))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == voicemail))
        case.recording_path = "/etc/passwd"  # outside RECORDINGS_DIR
        db.session.commit()
    assert browser.get(f"/console/voicemails/{voicemail}/recording").status_code == 404
    assert browser.get("/console/voicemails/1234567890/recording").status_code == 404
    assert browser.get("/console/voicemails/..%2f..%2fetc/recording").status_code == 404


def test_a_handled_voicemail_leaves_the_list(app, voicemail, make_user, logged_in):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == voicemail))
        case.pending_fields = [field for field in case.pending_fields if field != "description"]
        db.session.commit()
    page = logged_in(make_user("salma", Role.AGENT)).get("/console/").text
    assert 'data-testid="voicemail-item"' not in page


def board_voicemails(app) -> int:
    with app.app_context():
        waiting = board.snapshot(db.session)["kpis"]["voicemails_waiting"]
        db.session.remove()
    return waiting


@pytest.mark.parametrize("handle", ["written_down", "closed"])
def test_a_handled_voicemail_leaves_the_board(app, voicemail, handle):
    """Written down by an agent (the case service completes its description), or closed:
    the board counts the voicemails still waiting, not every one ever left."""
    assert board_voicemails(app) == 1
    with app.app_context():
        service = CaseService(db.session, actor="test")
        case = service.get(voicemail)
        if handle == "written_down":
            service.complete(case, description="Ma pension n'est pas versée depuis mars.")
        else:
            case.administration = administrations.by_code(db.session, "201")
            service.close(case, CloseReason.INADMISSIBLE, note="message vide")
        db.session.commit()
        assert case.description_pending is (handle == "closed")
    assert board_voicemails(app) == 0


@pytest.mark.sqlite_only
def test_sqlite_reads_the_waiting_voicemails_from_their_partial_index(app):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            queue.voicemails_to_handle(db.session)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        [(statement, parameters)] = seen
        plan = [row[-1] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters)]
        db.session.remove()
    assert "SCAN cases USING INDEX ix_cases_description_pending" in plan, plan
