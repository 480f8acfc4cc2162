"""The supervisors' live board: its figures are right on the page (after a reload) and over
Socket.IO (`board_snapshot`) as agents change state and callers queue; agents are refused."""
import datetime as dt
import re

from sqlalchemy import select

from console import board
from shared.call_queue import WAITING
from shared.call_queue import queued_at
from shared.extensions import db
from shared.models import CallbackRequest
from shared.models import Call
from shared.types import Role
from tests.console.calls import events
from tests.console.calls import new_caller
from tests.console.calls import queue_at_once


def kpis(text: str) -> dict[str, int]:
    return {name: int(value) for name, value in
            re.findall(r'data-testid="kpi" data-kpi="(\w+)">(\d+)<', text)}


def test_the_board_follows_agents_and_callers_live(app, make_user, logged_in, socket_client,
                                                    monkeypatch):
    boss_http = logged_in(make_user("nadia", Role.SUPERVISOR))
    boss = socket_client(boss_http)
    agent = socket_client(logged_in(make_user("salma", Role.AGENT)))
    make_user("karim", Role.AGENT)  # never logged in: offline
    first = boss.emit("board_snapshot", {}, callback=True)["kpis"]
    assert (first["agents_available"], first["agents_offline"], first["calls_waiting"]) \
        == (0, 2, 0)

    agent.emit("change_state", {"state": "available"}, callback=True)
    assert events(boss, "agent_state_changed")
    after_state = boss.emit("board_snapshot", {}, callback=True)
    assert after_state["kpis"]["agents_available"] == 1
    assert {a["display_name"]: a["state"] for a in after_state["agents"]} == {
        "Karim": "offline", "Salma": "available"}

    caller = queue_at_once(new_caller(app))
    assert events(boss, WAITING)
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        since = queued_at(call)
        db.session.add(CallbackRequest(phone="+212612345678", language="fr"))
        db.session.commit()
    monkeypatch.setattr(board, "utcnow", lambda: since + dt.timedelta(seconds=42))
    live = boss.emit("board_snapshot", {}, callback=True)["kpis"]
    assert live["calls_waiting"] == 1
    assert live["longest_wait_seconds"] == 42
    assert live["calls_in_progress"] == 1
    assert live["callbacks_waiting"] == 1
    assert "+212" not in str(live)

    # A reload draws the same figures.
    page = boss_http.get("/console/board")
    assert 'data-testid="board"' in page.text
    shown = kpis(page.text)
    assert shown == {name: live[name] for name in board.KPIS}


def test_a_call_without_an_end_for_hours_is_not_in_progress(app, make_user, logged_in):
    with app.app_context():
        db.session.add(Call(call_sid="CAold", started_at=board.utcnow() - dt.timedelta(hours=5)))
        db.session.add(Call(call_sid="CAnow", started_at=board.utcnow()))
        db.session.commit()
    page = logged_in(make_user("nadia", Role.SUPERVISOR)).get("/console/board")
    assert kpis(page.text)["calls_in_progress"] == 1


def test_agents_cannot_ask_for_the_board(make_user, logged_in, socket_client):
    agent = socket_client(logged_in(make_user("salma", Role.AGENT)))
    assert agent.emit("board_snapshot", {}, callback=True) == {"error": "forbidden"}


def test_an_agent_whose_wrap_up_ran_out_counts_as_available(app, make_user, logged_in):
    from shared.models import AgentState
    from shared.types import AgentStatus
    salma, karim = make_user("salma", Role.AGENT), make_user("karim", Role.AGENT)
    now = board.utcnow()
    with app.app_context():
        db.session.add(AgentState(user_id=salma.id, state=AgentStatus.WRAP_UP, changed_at=now,
                                  wrapup_ends_at=now - dt.timedelta(seconds=1)))
        db.session.add(AgentState(user_id=karim.id, state=AgentStatus.WRAP_UP, changed_at=now,
                                  wrapup_ends_at=now + dt.timedelta(seconds=60)))
        db.session.commit()
    shown = kpis(logged_in(make_user("nadia", Role.SUPERVISOR)).get("/console/board").text)
    assert (shown["agents_available"], shown["agents_wrap_up"]) == (1, 1)


def test_a_supervisor_finds_the_board_and_figures_from_the_console(make_user, logged_in):
    page = logged_in(make_user("nadia", Role.SUPERVISOR)).get("/console/").text
    assert all(f'href="{path}"' in page for path in
               ("/console/board", "/console/figures/calls", "/console/figures/cases"))
    agent_page = logged_in(make_user("salma", Role.AGENT)).get("/console/").text
    assert 'href="/console/board"' not in agent_page
