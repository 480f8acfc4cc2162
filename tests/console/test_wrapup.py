"""The wrap-up of a call: its agent gives a disposition (required, one of the list) and
notes, stored on the call; then the agent is available again. Nobody else wraps it up."""
import pytest
from sqlalchemy import select

from console import states
from shared import dispositions
from shared.extensions import db
from shared.languages import load_languages
from shared.messages import _catalogue
from shared.models import AgentState
from shared.models import Call
from shared.types import AgentStatus
from shared.types import Role
from tests.console.followup import held_call


def _call(app, sid: str) -> dict:
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == sid))
        values = {"disposition": call.disposition, "notes": call.wrapup_notes,
                  "at": call.wrapped_up_at}
        db.session.remove()
    return values


def _set_state(app, user, state: AgentStatus, reason=None, wrapup_seconds=0) -> None:
    with app.app_context():
        states.change(db.session, db.session.get(type(user), user.id), state, reason,
                      wrapup_seconds=wrapup_seconds)
        db.session.commit()
        db.session.remove()


def _state(app, user) -> AgentStatus:
    with app.app_context():
        state = db.session.get(AgentState, user.id).state
        db.session.remove()
    return state


def test_the_call_page_has_the_wrapup_form_with_every_disposition(app, agent, logged_in):
    sid = held_call(app, agent.id)
    html = logged_in(agent).get(f"/console/calls/{sid}").text
    assert 'data-testid="wrapup-form"' in html
    for code in dispositions.codes():
        assert f'value="{code}"' in html
    assert "Dossier déposé" in html  # the label from the catalogue
    assert 'data-testid="lookup"' in html  # a follow-up call finds its case here too


def test_wrapping_up_stores_the_disposition_and_makes_the_agent_available(
        app, agent, logged_in):
    sid = held_call(app, agent.id)
    client = logged_in(agent)
    _set_state(app, agent, AgentStatus.WRAP_UP, wrapup_seconds=3600)
    response = client.post(f"/console/calls/{sid}/wrapup",
                           data={"disposition": "information_given",
                                 "notes": "  Le citoyen rappellera.  "})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console/")
    call = _call(app, sid)
    assert (call["disposition"], call["notes"]) == ("information_given", "Le citoyen rappellera.")
    assert call["at"] is not None
    assert _state(app, agent) is AgentStatus.AVAILABLE


def test_an_agent_still_on_the_call_is_available_after_wrapping_up(app, agent, logged_in):
    sid = held_call(app, agent.id)
    _set_state(app, agent, AgentStatus.ON_CALL)
    logged_in(agent).post(f"/console/calls/{sid}/wrapup", data={"disposition": "filed"})
    assert _state(app, agent) is AgentStatus.AVAILABLE


def test_a_paused_agent_stays_paused(app, agent, logged_in):
    sid = held_call(app, agent.id)
    _set_state(app, agent, AgentStatus.PAUSED, "meal")
    logged_in(agent).post(f"/console/calls/{sid}/wrapup", data={"disposition": "filed"})
    assert _state(app, agent) is AgentStatus.PAUSED


def test_the_new_state_is_told_to_the_agents_consoles(app, agent, logged_in, socket_client):
    sid = held_call(app, agent.id)
    client = logged_in(agent)
    _set_state(app, agent, AgentStatus.WRAP_UP, wrapup_seconds=3600)
    socket = socket_client(client)
    socket.get_received()
    client.post(f"/console/calls/{sid}/wrapup", data={"disposition": "filed"})
    told = [event["args"][0]["state"] for event in socket.get_received()
            if event["name"] == states.EVENT]
    assert told == ["available"]


@pytest.mark.parametrize("form", [{}, {"disposition": ""}, {"disposition": "made_up"},
                                  {"disposition": "filed", "notes": "x" * 4001}])
def test_a_disposition_of_the_list_is_required(app, agent, logged_in, form):
    sid = held_call(app, agent.id)
    _set_state(app, agent, AgentStatus.WRAP_UP, wrapup_seconds=3600)
    response = logged_in(agent).post(f"/console/calls/{sid}/wrapup", data=form)
    assert response.status_code == 400
    assert "Choisissez comment l&#39;appel s&#39;est terminé." in response.text
    assert _call(app, sid)["at"] is None
    assert _state(app, agent) is AgentStatus.WRAP_UP


def test_a_call_is_wrapped_up_once(app, agent, logged_in):
    sid = held_call(app, agent.id)
    client = logged_in(agent)
    client.post(f"/console/calls/{sid}/wrapup", data={"disposition": "filed"})
    again = client.post(f"/console/calls/{sid}/wrapup", data={"disposition": "abandoned"})
    assert again.status_code == 409
    assert _call(app, sid)["disposition"] == "filed"
    assert 'data-testid="wrapup-done"' in client.get(f"/console/calls/{sid}").text


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_nobody_else_wraps_up_the_call(app, agent, make_user, logged_in, role):
    sid = held_call(app, agent.id)
    other = make_user("karim", role)
    response = logged_in(other).post(f"/console/calls/{sid}/wrapup",
                                     data={"disposition": "wrong_number"})
    assert response.status_code == 404
    assert _call(app, sid)["at"] is None


def test_an_unclaimed_call_is_wrapped_up_by_nobody(app, agent, logged_in):
    sid = held_call(app, None)
    response = logged_in(agent).post(f"/console/calls/{sid}/wrapup", data={"disposition": "filed"})
    assert response.status_code == 404


def test_the_wrapup_needs_its_csrf_token(app, agent, logged_in, config):
    sid = held_call(app, agent.id)
    client = logged_in(agent)
    config(WTF_CSRF_ENABLED=True)
    assert client.post(f"/console/calls/{sid}/wrapup",
                       data={"disposition": "filed"}).status_code == 400
    assert _call(app, sid)["at"] is None


@pytest.mark.parametrize("language", [lang.code for lang in load_languages()])
def test_every_disposition_has_a_label_in_every_language(language):
    for code in dispositions.codes():
        assert _catalogue(language).get(f"disposition_{code}"), (language, code)


def test_the_agent_starts_the_wrapup_by_hand(app, agent, logged_in, wrapup_timers):
    sid = held_call(app, agent.id)
    _set_state(app, agent, AgentStatus.ON_CALL)
    client = logged_in(agent)
    assert 'data-testid="start-wrapup"' in client.get(f"/console/calls/{sid}").text
    response = client.post(f"/console/calls/{sid}/wrapup/start")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console/calls/{sid}")
    assert _state(app, agent) is AgentStatus.WRAP_UP
    assert wrapup_timers == [(agent.id, app.config["AGENT_WRAPUP_SECONDS"])]
    client.post(f"/console/calls/{sid}/wrapup/start")  # already in wrap-up: no new timer
    assert len(wrapup_timers) == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_nobody_else_starts_the_wrapup(app, agent, make_user, logged_in, role):
    sid = held_call(app, agent.id)
    other = make_user("karim", role)
    _set_state(app, other, AgentStatus.ON_CALL)
    assert logged_in(other).post(f"/console/calls/{sid}/wrapup/start").status_code == 404
    assert _state(app, other) is AgentStatus.ON_CALL


def test_a_wrapped_up_call_is_not_started_again(app, agent, logged_in, wrapup_timers):
    sid = held_call(app, agent.id)
    client = logged_in(agent)
    client.post(f"/console/calls/{sid}/wrapup", data={"disposition": "filed"})
    assert client.post(f"/console/calls/{sid}/wrapup/start").status_code == 409
    assert wrapup_timers == []
