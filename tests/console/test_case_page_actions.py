"""What an agent does on a case during a follow-up call, each a move of the case service
and a line of its trail: the caller's rating (once per answer, as on the IVR), a reopening
with a reason (only from answered or closed), information added."""
import re

import pytest

from shared import references
from shared.cases import CaseService
from shared.extensions import db
from tests.console.followup import case_events
from tests.console.followup import case_field
from tests.console.followup import make_case
from tests.shared.helpers import apply


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'data-testid="case-action" data-action="(\w+)"', html))


def test_an_answer_is_rated_once(app, agent, logged_in):
    reference = make_case(app, "answered")
    client = logged_in(agent)
    assert "rate" in _buttons(client.get(f"/console/cases/{reference}").text)
    response = client.post(f"/console/cases/{reference}/rate", data={"rating": "4"})
    assert response.status_code == 303
    assert case_field(app, reference, "rating") == 4
    action, _note, data = case_events(app, reference)[-1]
    assert (action, data) == ("rate", {"rating": 4})
    assert "rate" not in _buttons(client.get(f"/console/cases/{reference}").text)
    again = client.post(f"/console/cases/{reference}/rate", data={"rating": "2"})
    assert again.status_code == 409
    assert "déjà été notée" in again.text
    assert case_field(app, reference, "rating") == 4


def test_a_new_answer_after_a_reopening_is_rated_again(app, agent, logged_in):
    reference = make_case(app, "answered")
    client = logged_in(agent)
    client.post(f"/console/cases/{reference}/rate", data={"rating": "1"})
    client.post(f"/console/cases/{reference}/reopen", data={"reason": "Toujours pas payé"})
    with app.app_context():
        service = CaseService(db.session, actor="test")
        apply(service, service.get(reference), "answer", reply="Paiement fait le 3 mai.")
        db.session.commit()
    assert client.post(f"/console/cases/{reference}/rate",
                       data={"rating": "5"}).status_code == 303
    assert [d["rating"] for a, _n, d in case_events(app, reference) if a == "rate"] == [1, 5]


@pytest.mark.parametrize("status", ["received", "transmitted", "in_progress", "reopened",
                                    "not_competent"])
def test_there_is_nothing_to_rate_before_an_answer(app, agent, logged_in, status):
    reference = make_case(app, status)
    client = logged_in(agent)
    assert "rate" not in _buttons(client.get(f"/console/cases/{reference}").text)
    response = client.post(f"/console/cases/{reference}/rate", data={"rating": "3"})
    assert response.status_code == 409
    assert case_field(app, reference, "rating") is None


@pytest.mark.parametrize("rating", ["0", "6", "abc", "", "4.5"])
def test_a_rating_is_a_whole_number_from_1_to_5(app, agent, logged_in, rating):
    reference = make_case(app, "answered")
    response = logged_in(agent).post(f"/console/cases/{reference}/rate",
                                     data={"rating": rating})
    assert response.status_code == 400
    assert case_field(app, reference, "rating") is None


@pytest.mark.parametrize("status", ["answered", "closed"])
def test_an_answered_or_closed_case_is_reopened_with_its_reason(app, agent, logged_in,
                                                                status):
    reference = make_case(app, status)
    client = logged_in(agent)
    assert "reopen" in _buttons(client.get(f"/console/cases/{reference}").text)
    response = client.post(f"/console/cases/{reference}/reopen",
                           data={"reason": "  La réponse ne règle rien  "})
    assert response.status_code == 303
    assert case_field(app, reference, "status").value == "reopened"
    action, note, _data = case_events(app, reference)[-1]
    assert (action, note) == ("reopen", "La réponse ne règle rien")
    events = case_events(app, reference)
    assert [a for a, _n, _d in events if a == "reopen"] == ["reopen"]


@pytest.mark.parametrize("status", ["received", "transmitted", "in_progress", "reopened",
                                    "not_competent", "inadmissible", "duplicate"])
def test_only_an_answered_or_closed_case_can_be_reopened(app, agent, logged_in, status):
    reference = make_case(app, status)
    client = logged_in(agent)
    assert "reopen" not in _buttons(client.get(f"/console/cases/{reference}").text)
    response = client.post(f"/console/cases/{reference}/reopen", data={"reason": "Pas d'accord"})
    assert response.status_code == 409
    assert "ne le permet pas" in response.text
    assert case_field(app, reference, "status").value == status


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reopening_needs_a_reason(app, agent, logged_in, reason):
    reference = make_case(app, "answered")
    response = logged_in(agent).post(f"/console/cases/{reference}/reopen",
                                     data={"reason": reason})
    assert response.status_code == 400
    assert case_field(app, reference, "status").value == "answered"


@pytest.mark.parametrize("status", ["received", "answered", "closed", "duplicate"])
def test_information_is_added_at_any_status(app, agent, logged_in, status):
    reference = make_case(app, status)
    client = logged_in(agent)
    assert "add_information" in _buttons(client.get(f"/console/cases/{reference}").text)
    response = client.post(f"/console/cases/{reference}/information",
                           data={"information": "Le dossier porte le numéro 42 à la CNSS."})
    assert response.status_code == 303
    action, note, _data = case_events(app, reference)[-1]
    assert (action, note) == ("add_information", "Le dossier porte le numéro 42 à la CNSS.")
    assert case_field(app, reference, "status").value == status
    html = client.get(f"/console/cases/{reference}").text
    assert "Le dossier porte le numéro 42 à la CNSS." in html and "Information ajoutée" in html


@pytest.mark.parametrize("text", ["", "  ", "x" * 5001])
def test_empty_or_too_long_information_is_refused(app, agent, logged_in, text):
    reference = make_case(app)
    response = logged_in(agent).post(f"/console/cases/{reference}/information",
                                     data={"information": text})
    assert response.status_code == 400
    assert [a for a, _n, _d in case_events(app, reference)] == ["file"]


def test_the_trail_names_the_agent(app, agent, logged_in):
    reference = make_case(app, "answered")
    logged_in(agent).post(f"/console/cases/{reference}/rate", data={"rating": "3"})
    with app.app_context():
        event = CaseService(db.session).get(reference).events[-1]
        assert (event.actor, event.user_id) == ("user:salma", agent.id)


@pytest.mark.parametrize("action, form", [("rate", {"rating": "4"}),
                                          ("reopen", {"reason": "Pas convaincu"}),
                                          ("information", {"information": "Un détail"})])
def test_every_action_needs_its_csrf_token(app, agent, logged_in, config, action, form):
    reference = make_case(app, "answered")
    client = logged_in(agent)
    config(WTF_CSRF_ENABLED=True)
    assert client.post(f"/console/cases/{reference}/{action}", data=form).status_code == 400
    assert [a for a, _n, _d in case_events(app, reference)] == [
        "file", "transmit", "start", "answer"]


def test_an_action_on_a_wrong_or_unknown_reference_is_refused(app, agent, logged_in):
    body = "123456789"
    good = body + references.check_digit(body)
    wrong = body + str((int(good[-1]) + 1) % 10)
    client = logged_in(agent)
    assert client.post(f"/console/cases/{wrong}/rate", data={"rating": "4"}).status_code == 400
    assert client.post(f"/console/cases/{good}/rate", data={"rating": "4"}).status_code == 404
