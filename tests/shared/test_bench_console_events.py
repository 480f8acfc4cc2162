"""bench/console_events.py's pieces at tiny scale, against the app on a real threaded server
in this process (real websockets): two consoles hear every state change with the time of
its commit, the IVR callers get their answers, a media stream sends its frames, and the
report reads them. So the benchmark cannot rot unseen; its figures are the bench's."""
import asyncio
import io
import queue
import threading
import time
from contextlib import redirect_stdout

import pytest
from sqlalchemy import select

from bench import commit_clock
from bench.console_events import ConsolePlan
from bench.console_events import StreamPlan
from bench.console_events import WebhookPlan
from bench.console_events import _consoles
from bench.console_events import log_in
from bench.console_events import parse_args
from bench.console_events import print_report
from bench.console_events import streams_process
from bench.console_events import verdict
from bench.console_events import webhooks
from ivr import media_stream
from ivr.queue import stream_token
from ivr.stream_simulator import websocket_url
from shared.extensions import db
from shared.extensions import socketio
from shared.models import AgentState
from shared.models import Call
from shared.models import User
from shared.models import utcnow
from shared.notify import queue_event
from shared.types import AgentStatus
from shared.types import Role
from tests.conftest import TEST_AUTH_TOKEN
from tests.support.browser import real_sockets_heard
from tests.support.live_server import LiveServer
from tests.support.live_server import public_at
from tests.support.live_server import sockets_closed_after

PASSWORD = "bench-password-1"


@pytest.fixture(scope="module")
def server(app):
    with LiveServer(app) as live:
        yield live


@pytest.fixture()
def live(app, server):
    real_sockets_heard(socketio.server)  # an earlier test client's patch would drop packets
    with public_at(app, server.base_url), sockets_closed_after(app):
        yield server


@pytest.fixture()
def clock():
    """The bench's commit clock on this process's events, for one test."""
    commit_clock.install(socketio.emit)
    yield
    commit_clock.uninstall(socketio.emit)


def supervisors(app, count: int, role: Role = Role.SUPERVISOR) -> list[tuple[int, str]]:
    with app.app_context():
        users = [User(username=f"bench-{n}", display_name=f"Bench {n}",
                      role=role, languages=[]) for n in range(count)]
        for user in users:
            user.set_password(PASSWORD)
            db.session.add(AgentState(user=user, state=AgentStatus.OFFLINE, changed_at=utcnow()))
        db.session.add_all(users)
        db.session.commit()
        return [(user.id, user.username) for user in users]


def consoles(plan: ConsolePlan, cookies: list) -> dict:
    """The bench's consoles process, run in a thread of its own (with its own event loop:
    the browser tests' Playwright keeps one running in this thread)."""
    ready, go, figures = threading.Event(), threading.Event(), {}
    go.set()
    worker = threading.Thread(target=lambda: figures.update(
        asyncio.run(_consoles(plan, cookies, ready, go))))
    worker.start()
    worker.join(60)
    assert ready.is_set() and figures, "the consoles did not finish"
    return figures


def test_the_stamp_is_the_commits_time_and_a_rollback_sends_nothing(app, clock):
    sent = []
    commit_clock.install(lambda name, payload, to=None: sent.append(payload))
    with app.app_context():
        db.session.execute(select(User.id))  # as the real events, in a transaction
        queue_event(db.session, "probe", {"n": 1}, room="r")
        db.session.rollback()
        assert sent == []
        db.session.execute(select(User.id))
        queue_event(db.session, "probe", {"n": 2}, room="r")
        before = time.time()
        db.session.commit()
        after = time.time()
    assert len(sent) == 1 and sent[0]["n"] == 2
    assert before <= sent[0][commit_clock.STAMP] <= after


def test_every_console_hears_every_state_change_from_its_commit(app, live, clock):
    users = supervisors(app, 2)
    cookies = [(user_id, log_in(live.base_url, name, PASSWORD)) for user_id, name in users]
    plan = ConsolePlan(live.base_url, live.base_url, "agent_state", "all", rate=10,
                       seconds=0.5, settle=0.5, connect_timeout=10)
    figures = consoles(plan, cookies)
    assert (figures["connected"], figures["committed"], figures["refused"]) == (2, 5, 0)
    assert figures["expected"] == figures["delivered"] == 10  # each to both consoles
    assert all(0 <= ms < 5000 for ms in figures["latencies_ms"])
    assert figures["dropped"] == 0


def test_every_agent_hears_every_caller_the_ivr_queues(app, live, clock):
    users = supervisors(app, 2, role=Role.AGENT)
    cookies = [(user_id, log_in(live.base_url, name, PASSWORD)) for user_id, name in users]
    plan = ConsolePlan(live.base_url, live.base_url, "queue", "all", rate=5, seconds=0.4,
                       settle=0.5, connect_timeout=10,
                       ivr=(live.base_url, live.base_url, TEST_AUTH_TOKEN))
    figures = consoles(plan, cookies)
    assert (figures["connected"], figures["committed"], figures["refused"]) == (2, 2, 0), \
        figures["trigger_errors"]
    assert figures["expected"] == figures["delivered"] == 4


def test_a_console_without_a_session_is_not_counted_as_connected(app, live, clock):
    plan = ConsolePlan(live.base_url, live.base_url, "agent_state", "all", rate=10,
                       seconds=0.2, settle=0.1, connect_timeout=5)
    figures = consoles(plan, [(1, "session=forged")])
    assert figures["connected"] == 0 and figures["connect_errors"]


def test_callers_walk_the_ivr_until_the_phase_ends(app, live):
    plan = WebhookPlan(live.base_url, live.base_url, TEST_AUTH_TOKEN, bare=False, callers=2,
                       seconds=1.5, timeout=10, first_phone=30000000, seed=1,
                       pause_min=0.01, pause_max=0.05)
    figures = webhooks(plan)
    assert figures["webhooks"] >= 4 and len(figures["latencies_ms"]) == figures["webhooks"]
    assert (figures["errors"], figures["failed_calls"]) == (0, 0), figures["failures"]


def test_a_stream_sends_frames_until_stopped(app, live):
    sid = "CA" + "b" * 32
    with app.app_context():
        db.session.add(Call(call_sid=sid, language="fr", step="agent"))
        db.session.commit()
        token = stream_token(sid)
    plan = StreamPlan(websocket_url(live.base_url), websocket_url(live.base_url),
                      TEST_AUTH_TOKEN, [(sid, token)], None, connect_timeout=10)
    ready, stop, results = threading.Event(), threading.Event(), queue.Queue()
    worker = threading.Thread(target=streams_process, args=(plan, ready, stop, results))
    worker.start()
    assert ready.wait(15)
    time.sleep(0.3)
    stop.set()
    worker.join(15)
    assert results.get_nowait() == ("streams_ready", {"connected": 1})
    name, figures = results.get_nowait()
    assert figures["connected"] == 1 and figures["frames"] >= 5 and not figures["error_count"]
    deadline = time.monotonic() + 10
    while media_stream.open_readers() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_the_report_reads_the_figures_and_names_what_went_wrong():
    args = parse_args(["--consoles", "2", "--streams", "1", "--quick"])
    webhook = {"webhooks": 3, "latencies_ms": [5.0, 6.0, 9.0], "errors": 0,
               "failed_calls": 0, "failures": [], "per_second": 1.0}
    consoles = {"consoles": 2, "connected": 2, "connect_seconds": 0.1, "connect_errors": [],
                "triggered": 5, "committed": 5, "refused": 0, "trigger_errors": [],
                "trigger_error_count": 0, "expected": 10, "delivered": 10,
                "latencies_ms": [1.0] * 9 + [40.0], "dropped": 0}
    run = {"database": "sqlite", "bare": webhook, "alone": {**webhook, "server_cpu_pct": 5},
           "streams": {"connected": 1, "streams": 1, "frames": 50, "late_frames": 0,
                       "error_count": 0, "errors": []},
           "loaded": [{"m": 2, "consoles": consoles, "webhooks": webhook,
                       "server_cpu_pct": 9}]}
    out = io.StringIO()
    with redirect_stdout(out):
        print_report(args, [run], {})
    assert "M=2" in out.getvalue() and "40.0" in out.getvalue()
    assert verdict([run], {}) == []
    lost = {**run, "loaded": [{**run["loaded"][0], "consoles": {**consoles, "delivered": 9}}]}
    assert verdict([lost], {}) == ["M=2: events lost or refused"]
