"""Every move of an officer goes through the case service: a line of the timeline, the
status the domain says; a move the status does not allow is refused (409), a form that
misses its reason is refused (400), each with the reason on the page."""
import pytest

from tests.console.followup import case_events
from tests.console.followup import case_field
from tests.console.officers import AGENCY
from tests.console.officers import MINISTRY
from tests.console.officers import OTHER
from tests.console.officers import buttons
from tests.console.officers import file_at
from tests.console.officers import make_officer


@pytest.fixture()
def officer(app, make_user):
    return make_officer(app, make_user, "houda", AGENCY)


@pytest.fixture()
def client(officer, logged_in):
    return logged_in(officer)


MOVES = [
    # (status before, move, form, status after, (action, note) of the last event)
    ("received", "transmit", {"note": "Reçu par le service"}, "transmitted",
     ("transmit", "Reçu par le service")),
    ("reopened", "transmit", {}, "transmitted", ("transmit", None)),
    ("transmitted", "start", {}, "in_progress", ("start", None)),
    ("in_progress", "answer", {"reply": " Versement fait le 3 mai. ", "language": "fr"},
     "answered", ("answer", None)),
    ("transmitted", "ask_information", {"question": "Votre numéro d'affiliation ?"},
     "transmitted", ("ask_information", "Votre numéro d'affiliation ?")),
    ("in_progress", "close", {"reason": "inadmissible", "note": "Affaire devant le tribunal"},
     "inadmissible", ("close", "Affaire devant le tribunal")),
    ("in_progress", "note", {"text": "Appeler le service pensions"}, "in_progress",
     ("note", "Appeler le service pensions")),
]


@pytest.mark.parametrize("before, move, form, after, last", MOVES)
def test_each_move_is_an_event_of_the_timeline(app, client, before, move, form, after, last):
    reference = file_at(app, AGENCY, before)
    assert move in buttons(client.get(f"/console/officer/cases/{reference}").text)
    response = client.post(f"/console/officer/cases/{reference}/{move}", data=form)
    assert response.status_code == 303, response.text
    assert case_field(app, reference, "status").value == after
    action, note, _data = case_events(app, reference)[-1]
    assert (action, note) == last
    page = client.get(f"/console/officer/cases/{reference}").text
    assert f'data-event-action="{last[0]}"' in page


def test_the_answer_is_the_cases_reply_in_its_language(app, client):
    reference = file_at(app, AGENCY, "in_progress")
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "تم صرف المعاش", "language": "ar"})
    assert case_field(app, reference, "reply") == "تم صرف المعاش"
    assert case_field(app, reference, "reply_language") == "ar"


def test_not_competent_redirects_to_another_administration_with_the_reason(app, client):
    reference = file_at(app, AGENCY, "transmitted")
    response = client.post(f"/console/officer/cases/{reference}/redirect",
                           data={"administration": OTHER, "reason": "Relève de la justice"})
    assert response.status_code == 303
    assert case_field(app, reference, "status").value == "not_competent"
    action, note, data = case_events(app, reference)[-1]
    assert (action, note, data["reason"], data["redirect_administration"]) == (
        "close", "Relève de la justice", "not_competent", OTHER)
    assert case_field(app, reference, "redirect_to").startswith("Ministère de la Justice")


@pytest.mark.parametrize("form, reason", [
    ({"administration": AGENCY, "reason": "x"}, "une autre administration"),
    ({"administration": "999", "reason": "x"}, "Aucune administration"),
    ({"administration": OTHER, "reason": ""}, "Vérifiez le formulaire"),
])
def test_a_redirection_needs_another_administration_and_a_reason(app, client, form, reason):
    reference = file_at(app, AGENCY, "transmitted")
    response = client.post(f"/console/officer/cases/{reference}/redirect", data=form)
    assert response.status_code == 400
    assert reason in response.text
    assert case_field(app, reference, "status").value == "transmitted"


def test_a_duplicate_is_linked_to_its_original(app, client):
    original, reference = file_at(app, AGENCY, "answered"), file_at(app, AGENCY, "transmitted")
    grouped = f"{original[:3]} {original[3:6]} {original[6:]}"
    response = client.post(f"/console/officer/cases/{reference}/close",
                           data={"reason": "duplicate", "original": grouped,
                                 "note": "Déjà déposée"})
    assert response.status_code == 303
    assert case_field(app, reference, "status").value == "duplicate"
    assert case_events(app, reference)[-1][2]["duplicate_of"] == original
    page = client.get(f"/console/officer/cases/{reference}").text
    assert f'data-testid="duplicate-of" dir="ltr" href="/console/officer/cases/{original}"' \
        in page


@pytest.mark.parametrize("original", ["", "1234567890", "self", "other"])
def test_a_duplicate_names_another_case_of_the_administration(app, client, original):
    reference = file_at(app, AGENCY, "transmitted")
    original = {"self": reference, "other": file_at(app, OTHER)}.get(original, original)
    response = client.post(f"/console/officer/cases/{reference}/close",
                           data={"reason": "duplicate", "original": original, "note": "x"})
    assert response.status_code == 400
    assert "un autre dossier de votre administration" in response.text
    assert case_field(app, reference, "status").value == "transmitted"


@pytest.mark.parametrize("status, move, form", [
    ("received", "start", {}),
    ("received", "answer", {"reply": "Réponse", "language": "fr"}),
    ("received", "ask_information", {"question": "?"}),
    ("answered", "answer", {"reply": "Encore", "language": "fr"}),
    ("answered", "close", {"reason": "inadmissible", "note": "trop tard"}),
    ("answered", "redirect", {"administration": OTHER, "reason": "trop tard"}),
    ("in_progress", "transmit", {}),
    ("closed", "start", {}),
])
def test_a_move_the_status_does_not_allow_is_refused(app, client, status, move, form):
    reference = file_at(app, AGENCY, status)
    assert move not in buttons(client.get(f"/console/officer/cases/{reference}").text)
    events = case_events(app, reference)
    response = client.post(f"/console/officer/cases/{reference}/{move}", data=form)
    assert response.status_code == 409
    assert "Le statut du dossier ne le permet pas" in response.text
    assert case_events(app, reference) == events
    assert case_field(app, reference, "status").value == status


@pytest.mark.parametrize("move, form", [
    ("answer", {"reply": "   ", "language": "fr"}),
    ("answer", {"reply": "Réponse", "language": "en"}),
    ("ask_information", {"question": ""}),
    ("note", {"text": ""}),
    ("close", {"reason": "answered", "note": "x"}),
    ("close", {"reason": "inadmissible", "note": ""}),
])
def test_a_form_without_what_the_move_needs_is_refused(app, client, move, form):
    reference = file_at(app, AGENCY, "in_progress")
    response = client.post(f"/console/officer/cases/{reference}/{move}", data=form)
    assert response.status_code == 400
    assert "Vérifiez le formulaire" in response.text
    assert [a for a, _n, _d in case_events(app, reference)][-1] == "start"


def test_an_unknown_move_is_not_found(app, client):
    reference = file_at(app, AGENCY, "transmitted")
    assert client.post(f"/console/officer/cases/{reference}/rate",
                       data={"rating": "5"}).status_code == 404


def test_a_ministrys_officer_acts_on_a_sub_entitys_case(app, make_user, logged_in):
    reference = file_at(app, AGENCY)
    client = logged_in(make_officer(app, make_user, "karim", MINISTRY))
    assert client.post(f"/console/officer/cases/{reference}/transmit").status_code == 303
    assert case_events(app, reference)[-1][0] == "transmit"


def test_the_moves_need_the_csrf_token(app, client, config):
    reference = file_at(app, AGENCY, "in_progress")
    config(WTF_CSRF_ENABLED=True)
    response = client.post(f"/console/officer/cases/{reference}/answer",
                           data={"reply": "Réponse", "language": "fr"})
    assert response.status_code == 400
    assert case_field(app, reference, "status").value == "in_progress"


def test_the_event_names_the_officer(app, client, officer):
    reference = file_at(app, AGENCY, "transmitted")
    client.post(f"/console/officer/cases/{reference}/start")
    with app.app_context():
        from shared.cases import CaseService
        from shared.extensions import db
        event = CaseService(db.session).get(reference).events[-1]
        assert (event.actor, event.user_id) == ("user:houda", officer.id)
        db.session.remove()


def test_the_case_service_refuses_a_duplicate_of_itself_and_a_redirection_to_itself(app):
    from shared.cases import CaseService
    from shared.errors import InvalidCase
    from shared.extensions import db
    from shared.types import CloseReason
    reference, other = file_at(app, AGENCY, "transmitted"), file_at(app, AGENCY)
    with app.app_context():
        service = CaseService(db.session, actor="test")
        case = service.get(reference)
        with pytest.raises(InvalidCase):
            service.close(case, CloseReason.DUPLICATE, duplicate_of=case)
        with pytest.raises(InvalidCase):
            service.close(case, CloseReason.NOT_COMPETENT,
                          redirect_administration=case.administration)
        with pytest.raises(InvalidCase):
            service.close(case, CloseReason.INADMISSIBLE,
                          duplicate_of=service.get(other))
        db.session.rollback()
        db.session.remove()
