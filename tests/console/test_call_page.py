"""The page of a held call: its agent and supervisors see it; any other agent gets the
same 404 as for a call that does not exist."""
from shared.extensions import db
from shared.models import Call
from shared.types import Role


def _held_call(app, agent_id: int | None) -> str:
    with app.app_context():
        call = Call(call_sid="CA" + "1" * 32, caller="+212661234567", language="fr",
                    step="agent", agent_id=agent_id)
        db.session.add(call)
        db.session.commit()
        return call.call_sid


def test_the_agent_holding_the_call_sees_its_page(app, make_user, logged_in):
    agent = make_user("holder", Role.AGENT)
    sid = _held_call(app, agent.id)
    response = logged_in(agent).get(f"/console/calls/{sid}")
    assert response.status_code == 200
    assert f'data-call-sid="{sid}"' in response.text


def test_another_agent_gets_a_404(app, make_user, logged_in):
    holder = make_user("holder", Role.AGENT)
    sid = _held_call(app, holder.id)
    assert logged_in(make_user("other", Role.AGENT)).get(f"/console/calls/{sid}").status_code == 404


def test_an_unclaimed_call_is_nobodys(app, make_user, logged_in):
    sid = _held_call(app, None)
    assert logged_in(make_user("agent", Role.AGENT)).get(f"/console/calls/{sid}").status_code == 404


def test_a_supervisor_sees_any_held_call(app, make_user, logged_in):
    holder = make_user("holder", Role.AGENT)
    sid = _held_call(app, holder.id)
    response = logged_in(make_user("boss", Role.SUPERVISOR)).get(f"/console/calls/{sid}")
    assert response.status_code == 200
