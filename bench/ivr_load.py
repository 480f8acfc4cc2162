#!/usr/bin/env python
"""IVR load benchmark: N concurrent simulated callers walk the whole 3737 flow against the
real server process (gunicorn + shared.wsgi:app, as in production), and the webhook
latency (p50/p95/p99/max), webhooks/s, calls/s and the server's peak RSS are printed.

    python bench/ivr_load.py                       # 20 callers x 5 calls, SQLite
    python bench/ivr_load.py --callers 50 --calls 10
    python bench/ivr_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python bench/ivr_load.py --json                # the figures as JSON too
    python bench/ivr_load.py --twilio-delay-ms 200 # the fake Twilio as slow as the real one

Everything stays on 127.0.0.1: the bench starts gunicorn on a free port with a fresh
temporary INSTANCE_PATH (and SQLite database), plus a tiny fake Twilio REST API that the
job worker's SMS and recording jobs talk to. On PostgreSQL it works in a throwaway schema
(`bench_<pid>_<random>`) of the given database, created if missing, dropped at the end,
so nothing else in that database is touched. The server and the temp dir are removed at
the end, on errors and on Ctrl-C too.

Each call is checked: a filing call must end on the 'filed' step playing `case_filed`
with a valid reference; a follow-up call (every 5th call of a caller) keys that reference
and must hear its status. Failures, non-200 answers and server-side apologies are
counted, the case count in the database must equal the calls filed, and the exit status
is 1 when anything went wrong (0 otherwise).
"""
from __future__ import annotations

import argparse
import http.server
import io
import itertools
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ivr.simulator import Caller  # noqa: E402
from ivr.simulator import HttpTransport  # noqa: E402
from shared import references  # noqa: E402

ACCOUNT_SID = "AC" + "b" * 32
LANGUAGE_KEYS = (("ary", "1"), ("ar", "2"), ("fr", "3"))   # voice_prompts/languages.json
KINDS = (("1", "complaint"), ("2", "observation"), ("3", "suggestion"))
ADMINISTRATIONS = ("201", "101", "301")                    # CNSS, a ministry, a région
FOLLOW_UP_EVERY = 5
CIN_DIGITS = "123456"


# -- measuring ------------------------------------------------------------------------------
@dataclass
class Sample:
    endpoint: str
    status: int | None      # None: no answer (connection error, timeout)
    seconds: float
    timed: bool


class Stats:
    """Every webhook POST, thread-safe (list.append under the GIL)."""

    def __init__(self):
        self.samples: list[Sample] = []
        self.timed = True  # False during the warm-up

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)


def endpoint_of(url: str) -> str:
    path = urlsplit(url).path
    return path.removeprefix("/ivr/")


class TimedTransport:
    """Wraps a simulator transport: times each webhook POST from send to full answer."""

    def __init__(self, inner, stats: Stats):
        self.inner, self.stats = inner, stats

    def post(self, url: str, form: dict, headers: dict) -> tuple[int, str]:
        start = time.perf_counter()
        try:
            status, body = self.inner.post(url, form, headers)
        except Exception:
            self.stats.add(Sample(endpoint_of(url), None, time.perf_counter() - start,
                                  self.stats.timed))
            raise
        self.stats.add(Sample(endpoint_of(url), status, time.perf_counter() - start,
                              self.stats.timed))
        return status, body


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted `values` (q in 0..100)."""
    if not values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(values)))
    return values[rank - 1]


# -- the fake Twilio REST API -----------------------------------------------------------------
def small_wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


class FakeTwilio:
    """Messages.json POST -> 201, Recordings GET -> a WAV, Recordings DELETE -> 204."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay  # seconds per request: api.twilio.com is far from Morocco
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.wav = small_wav()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _count(self, what: str) -> None:
                with fake.lock:
                    fake.counts[what] += 1

            def _send(self, status: int, body: bytes = b"", kind: str = "application/json"):
                if fake.delay:
                    time.sleep(fake.delay)
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body and status != 204:
                    self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.path.split("?")[0].endswith("/Messages.json"):
                    self._count("sms")
                    sid = "SM" + secrets.token_hex(16)
                    self._send(201, json.dumps({
                        "sid": sid, "account_sid": ACCOUNT_SID, "status": "queued",
                        "api_version": "2010-04-01", "num_segments": "1",
                        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
                    }).encode())
                else:
                    self._not_found()

            def do_GET(self):
                if "/Recordings/" in self.path:
                    self._count("recording_get")
                    self._send(200, fake.wav, "audio/x-wav")
                else:
                    self._not_found()

            def do_DELETE(self):
                if "/Recordings/" in self.path:
                    self._count("recording_delete")
                    self._send(204)
                else:
                    self._not_found()

            def _not_found(self):
                self._count("unexpected")
                self._send(404, b'{"code": 20404, "message": "not found", "status": 404}')

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-twilio",
                                       daemon=True)

    def start(self) -> "FakeTwilio":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the server process -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def venv_tool(name: str) -> str:
    """A console script of the Python running the bench (the project's venv)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found next to {sys.executable} nor on PATH")
    return found


class Server:
    """gunicorn -w W --threads T -b 127.0.0.1:PORT shared.wsgi:app (or `app`), as the
    Procfile's web runs it, in its own session."""

    def __init__(self, env: dict, port: int, workers: int, threads: int, log_path: Path,
                 app: str = "shared.wsgi:app", keep_alive: int = 75):
        self.env, self.port, self.workers, self.threads = env, port, workers, threads
        self.log_path, self.app, self.keep_alive = log_path, app, keep_alive
        self.process: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self, wait_seconds: float = 60) -> None:
        command = [venv_tool("gunicorn"), "-w", str(self.workers), "--threads",
                   str(self.threads), "-b", f"127.0.0.1:{self.port}",
                   "--graceful-timeout", "10", "--keep-alive", str(self.keep_alive),
                   # gunicorn >= 24 opens ~/.gunicorn/gunicorn.ctl by default: shared by
                   # every gunicorn of the user, so not for a throwaway server.
                   "--no-control-socket", self.app]
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}) before "
                                   f"answering /healthz:\n{tail(self.log_path)}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer in {wait_seconds:.0f} s:\n"
                           f"{tail(self.log_path)}")

    def pids(self) -> dict[str, list[int]]:
        """The gunicorn master (our child) and its workers (the master's children)."""
        if self.process is None or self.process.poll() is not None:
            return {"master": [], "workers": []}
        master = self.process.pid
        workers = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if fields and int(fields[1]) == master:
                workers.append(int(entry.name))
        return {"master": [master], "workers": sorted(workers)}

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            # Our own process group (start_new_session): the master and its workers only.
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.log.close()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of `pids` so far (/proc/<pid>/stat utime, stime)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def log_summary(path: Path) -> dict:
    counts = Counter()
    examples: list[str] = []
    try:
        content = path.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    for line in content:
        for level in (" ERROR ", " CRITICAL ", " WARNING ", "Traceback"):
            if level in line:
                counts[level.strip()] += 1
                if level != " WARNING " and len(examples) < 5:
                    examples.append(line[:300])
    return {"error": counts["ERROR"] + counts["CRITICAL"], "warning": counts["WARNING"],
            "tracebacks": counts["Traceback"], "examples": examples}


# -- the database -------------------------------------------------------------------------------
class Database:
    """SQLite in the temp dir, or a throwaway schema in a PostgreSQL database."""

    def __init__(self, url: str | None, tmp: Path):
        self.schema = None
        if url is None:
            self.url = f"sqlite:///{tmp / 'instance' / 'bench.db'}"
            self.kind = "sqlite"
            return
        parsed = make_url(url.replace("postgres://", "postgresql+psycopg://", 1)
                          if url.startswith("postgres://") else url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.drivername.startswith("postgresql"):
            raise SystemExit("--database-url: only PostgreSQL (or the default SQLite)")
        if parsed.host not in (None, "127.0.0.1", "localhost", "::1"):
            raise SystemExit("--database-url: the bench only talks to 127.0.0.1")
        self.kind = "postgresql"
        self.base = parsed
        self.schema = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.url = parsed.update_query_dict({"options": f"-csearch_path={self.schema}"}) \
            .render_as_string(hide_password=False)

    def prepare(self) -> None:
        if self.kind != "postgresql":
            return
        self._ensure_database()
        engine = create_engine(self.base)
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        engine.dispose()

    def _ensure_database(self) -> None:
        from sqlalchemy.exc import OperationalError
        engine = create_engine(self.base)
        try:
            with engine.connect():
                return
        except OperationalError as exc:
            if "does not exist" not in str(exc):
                raise
        finally:
            engine.dispose()
        admin = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = self.base.database.replace('"', '""')
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()

    def drop(self) -> None:
        if self.kind != "postgresql" or self.schema is None:
            return
        engine = create_engine(self.base)
        try:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        finally:
            engine.dispose()

    def scalar(self, sql: str):
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def rows(self, sql: str) -> list[tuple]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()

    def describe(self) -> str:
        if self.kind == "sqlite":
            return "SQLite (temp file)"
        return f"PostgreSQL {self.base.database}@{self.base.host}, schema {self.schema}"


# -- the callers --------------------------------------------------------------------------------
class CallFailed(Exception):
    pass


@dataclass
class CallResult:
    kind: str               # "file" or "follow_up"
    ok: bool
    seconds: float
    error: str | None = None
    reference: str | None = None
    timed: bool = True


def step_of(turn) -> str:
    """The step the IVR now waits on (from the Gather/Record action), or 'hangup'."""
    for tag in ("Gather", "Record"):
        element = turn.find(tag)
        if element is not None:
            return urlsplit(element.get("action")).path.rsplit("/", 1)[-1]
    if turn.find("Hangup") is not None:
        return "hangup"
    return "?"


def expect(turn, step: str, *prompts: str):
    """The answer is 200 TwiML, no apology, waiting on `step`, having played `prompts`."""
    if turn.status != 200:
        raise CallFailed(f"HTTP {turn.status} while expecting step {step}: {turn.xml[:200]}")
    if turn.root is None or turn.root.tag != "Response":
        raise CallFailed(f"not TwiML while expecting step {step}: {turn.xml[:200]}")
    if "technical_problem" in turn.keys:
        raise CallFailed(f"the IVR apologised (technical_problem) instead of step {step}")
    got = step_of(turn)
    if got != step:
        raise CallFailed(f"expected step {step}, the IVR is at {got}: keys {turn.keys}")
    missing = [key for key in prompts if key not in turn.keys]
    if missing:
        raise CallFailed(f"step {step} did not play {missing}: keys {turn.keys}")
    return turn


def expect_ok(turn, what: str):
    if turn.status != 200 or turn.root is None or turn.root.tag != "Response":
        raise CallFailed(f"{what}: HTTP {turn.status} {turn.xml[:200]}")
    return turn


def recording_callback(call: Caller, what: str) -> None:
    """Twilio's recordingStatusCallback for the last recording, mid-call. The simulator
    takes any 200 TwiML (here an empty <Response/>) as the call's current turn, so the
    turn the caller is listening to is put back afterwards."""
    listening, history = call.turn, len(call.history)
    try:
        expect_ok(call.recording_ready(call.last_recording_sid), what)
    finally:
        call.turn = listening
        del call.history[history:]


def reference_heard(turn) -> str:
    """The reference read after `case_filed`: the digit prompts that follow it."""
    keys = turn.keys
    digits = []
    for key in keys[keys.index("case_filed") + 1:]:
        if not key.startswith("digit_"):
            break
        digits.append(key.removeprefix("digit_"))
    reference = "".join(digits)
    if not references.is_valid(reference):
        raise CallFailed(f"the reference read is not valid: {reference!r}")
    return reference


class Bench:
    def __init__(self, args, base_url: str, auth_token: str, stats: Stats):
        self.args, self.base_url, self.auth_token, self.stats = args, base_url, auth_token, stats
        self.results: list[CallResult] = []
        self.stop = threading.Event()
        self.sequence = itertools.count()

    def caller(self, transport, phone: str) -> Caller:
        return Caller(transport, self.base_url, self.auth_token, caller=phone,
                      account_sid=ACCOUNT_SID)

    def file_call(self, transport, phone: str, index: int) -> str:
        language, language_key = LANGUAGE_KEYS[index % 3]
        kind_key, kind = KINDS[(index // 3) % 3]
        code = ADMINISTRATIONS[(index // 9) % 3]
        call = self.caller(transport, phone)
        try:
            expect(call.dial(), "language")
            expect(call.press(language_key), "main_menu", "main_menu")
            expect(call.press(kind_key), "administration")
            expect(call.press(code), "confirm_administration", "you_chose", "confirm_choice")
            expect(call.press("1"), "confirm_phone", "phone_ends_with")
            expect(call.press("1"), "name", "ask_name")
            turn = call.record(seconds=3)
            # Twilio's recordingStatusCallback comes once the recording is processed.
            recording_callback(call, "name recording callback")
            if kind == "complaint":
                expect(turn, "cin", "ask_cin")
                turn = call.press(CIN_DIGITS)
            expect(turn, "description", "ask_description")
            turn = expect(call.record(seconds=20), "filed", "case_filed")
            reference = reference_heard(turn)
            recording_callback(call, "description recording callback")
            return reference
        finally:
            self._hang_up(call)

    def follow_up_call(self, transport, phone: str, index: int, reference: str) -> str:
        """Follow up `reference` from the phone that filed it; returns the reference."""
        language, language_key = LANGUAGE_KEYS[(index + 1) % 3]
        call = self.caller(transport, phone)
        try:
            expect(call.dial(), "language", "language_keep")
            expect(call.press(language_key), "main_menu", "main_menu")
            expect(call.press("4"), "reference", "ask_reference")
            # Same phone as the case: its status straight away, then goodbye and hang up.
            expect(call.press(reference), "hangup", "status_received", "goodbye")
        finally:
            self._hang_up(call)
        return reference

    def _hang_up(self, call: Caller) -> None:
        """Twilio's status callback closes every call, whatever happened in it."""
        if call.turn is None:
            return
        try:
            turn = call.hang_up(duration=90)
        except Exception as exc:  # counted as a failed webhook by the transport
            raise CallFailed(f"status callback: {exc!r}") from exc
        expect_ok(turn, "status callback")

    def run_one(self, transport, phone: str, index: int, follow_up: bool, timed: bool) -> None:
        reference = self.measured("file", timed, self.file_call, transport, phone, index)
        if reference is None or not follow_up or self.stop.is_set():
            return
        self.measured("follow_up", timed, self.follow_up_call, transport, phone, index, reference)

    def measured(self, kind: str, timed: bool, call, *args) -> str | None:
        """Run one call, record its result and duration; its reference, or None if it failed."""
        started = time.perf_counter()
        try:
            reference = call(*args)
        except Exception as exc:
            self.results.append(CallResult(kind, False, time.perf_counter() - started,
                                           describe(exc), timed=timed))
            return None
        self.results.append(CallResult(kind, True, time.perf_counter() - started,
                                       reference=reference, timed=timed))
        return reference

    def worker(self, number: int, server_url: str) -> None:
        transport = TimedTransport(HttpTransport(server_url, timeout=self.args.timeout),
                                   self.stats)
        phone = f"+2126{10000000 + number:08d}"  # one mobile number per caller
        for n in range(self.args.calls):
            if self.stop.is_set():
                return
            self.run_one(transport, phone, next(self.sequence),
                         follow_up=(n + 1) % FOLLOW_UP_EVERY == 0, timed=True)


def describe(exc: Exception) -> str:
    message = str(exc) if isinstance(exc, CallFailed) else f"{type(exc).__name__}: {exc}"
    return " ".join(message.split())[:160]


# -- report -----------------------------------------------------------------------------------
def summarise(bench: Bench, stats: Stats, wall: float, server: Server, db: Database,
              fake: FakeTwilio, drain: dict, args, log: dict, cpu: dict) -> dict:
    samples = [s for s in stats.samples if s.timed]
    latencies = sorted(s.seconds for s in samples)
    non_200 = sum(1 for s in samples if s.status is not None and s.status != 200)
    no_answer = sum(1 for s in samples if s.status is None)
    results = [r for r in bench.results if r.timed]
    failed = [r for r in results if not r.ok]
    filed_all = sum(1 for r in bench.results if r.kind == "file" and r.ok)
    completed = sum(1 for r in results if r.ok)
    by_endpoint = defaultdict(list)
    for s in samples:
        by_endpoint[s.endpoint].append(s.seconds)
    pids = server.pids()
    ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
    figures = {
        "database": db.kind,
        "server": f"gunicorn -w {args.workers} --threads {args.threads} shared.wsgi:app",
        "callers": args.callers,
        "calls_per_caller": args.calls,
        "wall_seconds": round(wall, 2),
        "webhooks": len(samples),
        "errors": non_200 + no_answer,  # webhooks without a 200 answer
        "non_200": non_200,
        "no_answer": no_answer,
        "failed_calls": len(failed),
        "failures": Counter(r.error for r in failed).most_common(5),
        "latency_ms": {"p50": ms(percentile(latencies, 50)), "p95": ms(percentile(latencies, 95)),
                       "p99": ms(percentile(latencies, 99)),
                       "max": ms(latencies[-1]) if latencies else None},
        "webhooks_per_second": round(len(samples) / wall, 1) if wall else None,
        "calls_completed": completed,
        "calls_filed": sum(1 for r in results if r.kind == "file" and r.ok),
        "follow_ups": sum(1 for r in results if r.kind == "follow_up" and r.ok),
        "calls_per_second": round(completed / wall, 2) if wall else None,
        "call_seconds_p50": round(percentile(sorted(r.seconds for r in results if r.ok), 50), 3)
        if completed else None,
        "server_peak_rss_mib": {
            "workers": [round((peak_rss_kib(pid) or 0) / 1024, 1) for pid in pids["workers"]],
            "master": round((peak_rss_kib(pids["master"][0]) or 0) / 1024, 1)
            if pids["master"] else None},
        "by_endpoint_ms": {
            name: {"n": len(values), "p50": ms(percentile(sorted(values), 50)),
                   "p95": ms(percentile(sorted(values), 95)), "max": ms(max(values))}
            for name, values in sorted(by_endpoint.items(),
                                       key=lambda item: -percentile(sorted(item[1]), 95))},
        "cpu_seconds": {"server_workers": round(cpu["server"], 2),
                        "bench_client": round(cpu["bench"], 2), "cores": os.cpu_count()},
        "server_cpu_ms_per_webhook": round(cpu["server"] * 1000 / len(samples), 2)
        if samples else None,
        "fake_twilio": dict(fake.counts),
        "server_log": log,
        "warmup_calls": sum(1 for r in bench.results if not r.timed),
    }
    cases = db.scalar("SELECT count(*) FROM cases")
    figures["cases_in_database"] = cases
    figures["cases_expected"] = filed_all  # warm-up calls included
    figures["cases_match"] = cases == filed_all
    figures["calls_in_database"] = db.scalar("SELECT count(*) FROM calls")
    figures["calls_dialed"] = len(bench.results)
    figures["calls_not_ended"] = db.scalar("SELECT count(*) FROM calls WHERE ended_at IS NULL")
    figures["call_outcomes"] = dict(db.rows(
        "SELECT coalesce(outcome, '-'), count(*) FROM calls GROUP BY outcome ORDER BY 2 DESC"))
    figures["jobs"] = drain
    return figures


def print_report(f: dict) -> None:
    lat = f["latency_ms"]
    rss = f["server_peak_rss_mib"]
    jobs = f["jobs"]
    print()
    print(f"IVR load: {f['callers']} callers x {f['calls_per_caller']} calls "
          f"(+ a follow-up every {FOLLOW_UP_EVERY}th), {f['server']}, {f['database']}")
    print(f"  webhooks          {f['webhooks']}   errors {f['errors']} (non-200 {f['non_200']}, "
          f"no answer {f['no_answer']})   failed calls {f['failed_calls']}")
    for error, count in f["failures"]:
        print(f"     {count} x {error}")
    print(f"  latency ms        p50 {lat['p50']}   p95 {lat['p95']}   p99 {lat['p99']}   "
          f"max {lat['max']}")
    print(f"  throughput        {f['webhooks_per_second']} webhooks/s   "
          f"{f['calls_per_second']} calls/s   ({f['calls_completed']} calls: "
          f"{f['calls_filed']} filed + {f['follow_ups']} follow-ups, in {f['wall_seconds']} s; "
          f"a call takes {f['call_seconds_p50']} s p50)")
    print(f"  server peak RSS   worker(s) {', '.join(f'{w} MiB' for w in rss['workers'])}   "
          f"master {rss['master']} MiB")
    cpu = f["cpu_seconds"]
    print(f"  CPU during load   server worker(s) {cpu['server_workers']} s "
          f"({f['server_cpu_ms_per_webhook']} ms/webhook), bench callers {cpu['bench_client']} s,"
          f" {cpu['cores']} cores (both on this machine)")
    mark = "OK" if f["cases_match"] else "MISMATCH"
    print(f"  cases in database {f['cases_in_database']} = calls filed {f['cases_expected']}"
          f"{' (incl. warm-up)' if f['warmup_calls'] else ''}  {mark}")
    print(f"  calls in database {f['calls_in_database']} (dialed {f['calls_dialed']}, "
          f"not ended {f['calls_not_ended']}) outcomes {f['call_outcomes']}")
    print(f"  jobs              {jobs['states']}, drained in {jobs['drain_seconds']} s"
          f"{'' if jobs['drained'] else ' (NOT drained)'}; fake Twilio {f['fake_twilio']}")
    log = f["server_log"]
    print(f"  server log        {log.get('error', 0)} errors, {log.get('warning', 0)} warnings, "
          f"{log.get('tracebacks', 0)} tracebacks")
    for line in log.get("examples", []):
        print(f"     {line}")
    print("  slowest endpoints (p95):  " + "   ".join(
        f"{name} {v['p95']}" for name, v in itertools.islice(f["by_endpoint_ms"].items(), 5)))


def drain_jobs(db: Database, seconds: float) -> dict:
    """Wait for the job worker to finish the SMS and recording jobs the calls queued."""
    started = time.monotonic()
    states = {}
    while True:
        states = dict(db.rows("SELECT state, count(*) FROM jobs GROUP BY state"))
        busy = states.get("pending", 0) + states.get("running", 0)
        if not busy or time.monotonic() - started > seconds:
            break
        time.sleep(0.5)
    by_name = {f"{name}:{state}": count for name, state, count in db.rows(
        "SELECT name, state, count(*) FROM jobs GROUP BY name, state ORDER BY name, state")}
    return {"states": states, "by_name": by_name, "drained": not busy,
            "drain_seconds": round(time.monotonic() - started, 1),
            "max_attempts": db.scalar("SELECT max(attempts) FROM jobs")}


# -- main -----------------------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=20, help="concurrent callers (threads)")
    parser.add_argument("--calls", type=int, default=5, help="filing calls per caller")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (a throwaway schema is used in it); "
                             "default: SQLite in the temp dir")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn -w")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn --threads")
    parser.add_argument("--timeout", type=float, default=30, help="per webhook, seconds")
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="stop the callers after this long")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed calls before the load (first-request costs)")
    parser.add_argument("--drain-seconds", type=float, default=60,
                        help="wait this long at most for the background jobs to finish")
    parser.add_argument("--twilio-delay-ms", type=float, default=0,
                        help="the fake Twilio API answers after this long (real: ~100-300)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (server log, database) and PostgreSQL schema")
    args = parser.parse_args(argv)
    if args.callers < 1 or args.calls < 1:
        parser.error("--callers and --calls must be at least 1")
    return args


def release(env: dict) -> None:
    """The app's release step (migrations, administrations) on the bench's database."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "shared.app:create_app",
                           "release"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"flask release failed:\n{done.stdout}{done.stderr}")


def server_environment(tmp: Path, db: Database, port: int, fake: FakeTwilio,
                       auth_token: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "RECORDINGS_DIR", "SPEECH_MODELS_DIR",
                        "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE",
                        "PUBLIC_BASE_URL", "INSTANCE_PATH", "GUNICORN_CMD_ARGS",
                        "WEB_CONCURRENCY")}
    env.update({
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": str(tmp / "instance"),
        "DATABASE_URL": db.url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": auth_token,
        "TWILIO_API_BASE": fake.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "JOB_WORKER": "thread",
        "OPENING_HOURS": "mon-sun 00:00-23:59",
        # each bench caller files and follows up many cases from one number
        "IVR_MAX_CASES_PER_DAY": "1000000",
        "IVR_MAX_CHECKS_PER_DAY": "1000000",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    })
    return env


def run(args) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    (tmp / "instance").mkdir()
    fake = FakeTwilio(args.twilio_delay_ms / 1000).start()
    db = Database(args.database_url, tmp)
    server = None
    ok = False
    try:
        db.prepare()
        port = free_port()
        auth_token = secrets.token_hex(16)
        env = server_environment(tmp, db, port, fake, auth_token)
        log_path = tmp / "server.log"
        print(f"release ({db.describe()}) ...", file=sys.stderr)
        release(env)
        server = Server(env, port, args.workers, args.threads, log_path)
        print(f"starting {server.url} ...", file=sys.stderr)
        server.start()

        stats = Stats()
        bench = Bench(args, env["PUBLIC_BASE_URL"], auth_token, stats)
        if args.warmup:
            stats.timed = False
            transport = TimedTransport(HttpTransport(server.url, timeout=args.timeout), stats)
            for n in range(args.warmup):
                bench.run_one(transport, f"+2127{10000000 + n:08d}", n, follow_up=True,
                              timed=False)
            stats.timed = True
        print(f"{args.callers} callers x {args.calls} calls ...", file=sys.stderr)
        threads = [threading.Thread(target=bench.worker, args=(number, server.url),
                                    name=f"caller-{number}", daemon=True)
                   for number in range(args.callers)]
        server_pids = server.pids()["workers"]
        cpu_before = cpu_seconds(server_pids), time.process_time()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + args.max_seconds
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
                if time.monotonic() > deadline and not bench.stop.is_set():
                    print(f"--max-seconds {args.max_seconds:.0f} reached: stopping the callers",
                          file=sys.stderr)
                    bench.stop.set()
        wall = time.perf_counter() - started
        cpu = {"server": cpu_seconds(server_pids) - cpu_before[0],
               "bench": time.process_time() - cpu_before[1]}

        drain = drain_jobs(db, args.drain_seconds)
        figures = summarise(bench, stats, wall, server, db, fake, drain, args,
                            log_summary(log_path), cpu)
        print_report(figures)
        if args.json:
            print(json.dumps(figures, indent=2, ensure_ascii=False))
        ok = (figures["errors"] == 0 and figures["failed_calls"] == 0 and figures["cases_match"]
              and figures["calls_not_ended"] == 0 and drain["drained"]
              and not drain["states"].get("failed") and not fake.counts.get("unexpected")
              and figures["server_log"].get("error", 0) == 0)
        if not ok:
            print("\nFAILED: see the errors above", file=sys.stderr)
            print("server log (tail):\n" + tail(log_path, 30), file=sys.stderr)
        return 0 if ok else 1
    finally:
        if server is not None:
            server.stop()
        fake.stop()
        if args.keep:
            print(f"kept {tmp}" + (f" and schema {db.schema}" if db.schema else ""),
                  file=sys.stderr)
        else:
            try:
                db.drop()
            finally:
                shutil.rmtree(tmp, ignore_errors=True)


def run_bench(run, args, what: str = "servers") -> int:
    """Run a benchmark's `run(args)` as a command: SIGTERM and ^C stop it cleanly (its
    servers and temp dir go), a RuntimeError is one line on stderr; the exit status."""
    def terminate(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {what} stopped, temp dir removed", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def main(argv=None) -> int:
    return run_bench(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
