#!/usr/bin/env python
"""IVR burst benchmark: N callers (default 50) dial at the same moment, then each walks a
whole filing call, pausing 1-3 s before each key as a caller does while a prompt plays,
against the real server process (gunicorn + shared.wsgi:app, as the Procfile runs it).
Prints the webhook latency p50/p95/p99/max beside a baseline measured in the same run: the
same burst against a bare Flask endpoint served the same way (bench/baseline_app.py), so
the figures read as ratios on a shared machine.

    python bench/ivr_burst.py                      # 50 callers, SQLite
    python bench/ivr_burst.py --rounds 3           # three bursts (baseline, IVR, in turn)
    python bench/ivr_burst.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python bench/ivr_burst.py --json
    python bench/ivr_burst.py --job-worker process # jobs in the Procfile's worker process

Built from bench/ivr_load.py's pieces (server, fake Twilio, database, checked calls).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ivr_load  # noqa: E402
from ivr_load import ROOT  # noqa: E402
from ivr_load import Bench  # noqa: E402
from ivr_load import Database  # noqa: E402
from ivr_load import FakeTwilio  # noqa: E402
from ivr_load import Server  # noqa: E402
from ivr_load import Stats  # noqa: E402
from ivr_load import TimedTransport  # noqa: E402
from ivr_load import cpu_seconds  # noqa: E402
from ivr_load import drain_jobs  # noqa: E402
from ivr_load import free_port  # noqa: E402
from ivr_load import log_summary  # noqa: E402
from ivr_load import release  # noqa: E402
from ivr_load import percentile  # noqa: E402
from ivr_load import run_bench  # noqa: E402
from ivr_load import server_environment  # noqa: E402
from ivr_load import tail  # noqa: E402

from ivr.simulator import HttpTransport  # noqa: E402

# Webhooks that Twilio sends without the caller listening first.
NO_PAUSE = {"voice", "status"}
BARE_WEBHOOKS_PER_CALL = 12  # about a filing call's (10 to 13)


class Pauses:
    """Wraps a transport: waits `low`-`high` s before each webhook but the call's first
    and its status callback (the prompt the caller listens to before keying)."""

    def __init__(self, inner, low: float, high: float, rng: random.Random):
        self.inner, self.low, self.high, self.rng = inner, low, high, rng

    def post(self, url: str, form: dict, headers: dict):
        if ivr_load.endpoint_of(url) not in NO_PAUSE:
            time.sleep(self.rng.uniform(self.low, self.high))
        return self.inner.post(url, form, headers)


def burst(callers: int, call) -> float:
    """Run call(number) in `callers` threads released at the same moment; wall seconds."""
    start = threading.Barrier(callers)

    def caller(number):
        start.wait()
        call(number)

    threads = [threading.Thread(target=caller, args=(n,), daemon=True) for n in range(callers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def latency(samples) -> dict:
    values = sorted(s.seconds * 1000 for s in samples)
    figures = {f"p{q}": round(percentile(values, q), 1) for q in (50, 95, 99)}
    figures["max"] = round(values[-1], 1) if values else None
    figures["n"] = len(values)
    return figures


class Burst:
    """One run: the baseline server and the IVR server, bursts against each in turn."""

    def __init__(self, args, tmp: Path):
        self.args, self.tmp = args, tmp
        self.rng = random.Random(args.seed)
        self.fake = FakeTwilio(args.twilio_delay_ms / 1000).start()
        self.db = Database(args.database_url, tmp)
        self.ivr_stats, self.bare_stats = Stats(), Stats()
        self.servers: list[Server] = []
        self.worker: subprocess.Popen | None = None
        self.sequence = itertools.count()

    def start(self) -> None:
        self.db.prepare()
        port = free_port()
        self.auth_token = secrets.token_hex(16)
        self.env = server_environment(self.tmp, self.db, port, self.fake, self.auth_token)
        if self.args.job_worker == "process":
            self.env["JOB_WORKER"] = "none"  # the web process runs no jobs
        print(f"release ({self.db.describe()}) ...", file=sys.stderr)
        release(self.env)
        self.ivr = self._serve(port, "shared.wsgi:app", "server.log")
        if self.args.job_worker == "process":
            self._start_worker()
        self.bare = self._serve(free_port(), "bench.baseline_app:app", "baseline.log")
        self.bench = Bench(self.args, self.env["PUBLIC_BASE_URL"], self.auth_token,
                           self.ivr_stats)
        self._warm_up()

    def _serve(self, port: int, app: str, log: str) -> Server:
        workers = self.args.workers if app == "shared.wsgi:app" else 1
        server = Server(self.env, port, workers, self.args.threads, self.tmp / log, app=app,
                        keep_alive=self.args.keep_alive)
        self.servers.append(server)
        print(f"starting {app} on {server.url} ...", file=sys.stderr)
        server.start()
        return server

    def _start_worker(self) -> None:
        """The Procfile's `worker: flask ... jobs work`, beside the web process."""
        print("starting flask jobs work ...", file=sys.stderr)
        self.worker_log = (self.tmp / "worker.log").open("ab")
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "shared.app:create_app", "jobs", "work"],
            cwd=ROOT, env=self.env, stdout=self.worker_log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def _transport(self, server: Server, stats: Stats):
        timed = TimedTransport(HttpTransport(server.url, timeout=self.args.timeout), stats)
        return Pauses(timed, self.args.pause_min, self.args.pause_max,
                      random.Random(self.rng.random()))

    def _warm_up(self) -> None:
        """Untimed calls, as many at once as the server has threads, without pauses: a
        server that has run for a while has its first-request costs paid and its pool of
        database connections open; a burst measures what comes after."""
        self.ivr_stats.timed = self.bare_stats.timed = False
        at_once = min(self.args.callers, self.args.threads)
        burst(at_once, lambda n: self.bench.run_one(
            TimedTransport(HttpTransport(self.ivr.url), self.ivr_stats), f"+2127{n:08d}",
            next(self.sequence), follow_up=False, timed=False))
        burst(at_once, lambda n: self._bare_call(
            TimedTransport(HttpTransport(self.bare.url), self.bare_stats)))
        self.ivr_stats.timed = self.bare_stats.timed = True

    def _bare_call(self, transport) -> None:
        form = {"CallSid": "CA" + secrets.token_hex(16), "From": "+212600000000",
                "Digits": "1", "AccountSid": ivr_load.ACCOUNT_SID, "CallStatus": "in-progress"}
        for n in range(BARE_WEBHOOKS_PER_CALL):
            path = "/ivr/bare" if n else "/ivr/voice"
            status, _ = transport.post(self.bare.url + path, form, {})
            if status != 200:
                raise RuntimeError(f"the baseline answered {status}")

    def run_round(self) -> dict:
        callers = self.args.callers
        bare_wall = burst(callers, lambda n: self._bare_call(
            self._transport(self.bare, self.bare_stats)))

        def ivr_call(number):
            phone = f"+2126{20000000 + next(self.sequence):08d}"
            self.bench.run_one(self._transport(self.ivr, self.ivr_stats), phone,
                               next(self.sequence), follow_up=False, timed=True)
        pids = self.ivr.pids()["workers"]
        cpu_before = cpu_seconds(pids)
        first = len(self.ivr_stats.samples)
        ivr_wall = burst(callers, ivr_call)
        samples = self.ivr_stats.samples[first:]
        cpu = cpu_seconds(pids) - cpu_before
        return {"bare_wall_s": round(bare_wall, 1), "ivr_wall_s": round(ivr_wall, 1),
                "ivr_ms": latency(samples),
                "ivr_cpu_ms_per_webhook": round(cpu * 1000 / len(samples), 2)}

    def figures(self, rounds: list[dict]) -> dict:
        ivr = [s for s in self.ivr_stats.samples if s.timed]
        bare = [s for s in self.bare_stats.samples if s.timed]
        results = [r for r in self.bench.results if r.timed]
        by_endpoint = defaultdict(list)
        for sample in ivr:
            by_endpoint[sample.endpoint].append(sample)
        drain = drain_jobs(self.db, self.args.drain_seconds)
        filed = sum(1 for r in self.bench.results if r.kind == "file" and r.ok)
        cases = self.db.scalar("SELECT count(*) FROM cases")
        return {
            "database": self.db.kind,
            "server": f"gunicorn -w {self.args.workers} --threads {self.args.threads} "
                      f"--keep-alive {self.args.keep_alive}, jobs in "
                      + ("the web process" if self.args.job_worker == "thread"
                         else "a `flask jobs work` process"),
            "callers": self.args.callers, "rounds": rounds,
            "pause_s": [self.args.pause_min, self.args.pause_max],
            "ivr_ms": latency(ivr), "bare_ms": latency(bare),
            "errors": sum(1 for s in ivr if s.status != 200),
            "failed_calls": sum(1 for r in results if not r.ok),
            "failures": sorted({r.error for r in results if not r.ok})[:5],
            "cases_match": cases == filed, "cases": cases, "calls_filed": filed,
            "jobs": drain["states"], "jobs_drained": drain["drained"],
            "by_endpoint_ms": {name: latency(values) for name, values in sorted(
                by_endpoint.items(), key=lambda item: -latency(item[1])["p99"])},
            "server_log": log_summary(self.ivr.log_path),
        }

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)  # its own session: only the worker
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait()
            self.worker_log.close()
        self.fake.stop()


def ratio(ivr: float | None, bare: float | None) -> str:
    return f"{ivr / bare:.1f}x" if ivr and bare else "-"


def print_report(f: dict) -> None:
    ivr, bare = f["ivr_ms"], f["bare_ms"]
    low, high = f["pause_s"]
    print()
    print(f"IVR burst: {f['callers']} callers dial at once, {low:g}-{high:g} s before each key, "
          f"one filing call each, {len(f['rounds'])} round(s); {f['server']}; {f['database']}")
    print(f"  {'webhook latency ms':<22}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for name, row in (("bare Flask (baseline)", bare), ("IVR", ivr)):
        print(f"  {name:<22}{row['n']:>6}{row['p50']:>9}{row['p95']:>9}{row['p99']:>9}"
              f"{row['max']:>9}")
    print(f"  {'IVR / baseline':<22}{'':>6}" + "".join(
        f"{ratio(ivr[q], bare[q]):>9}" for q in ("p50", "p95", "p99", "max")))
    print(f"  errors {f['errors']}   failed calls {f['failed_calls']}   cases in database "
          f"{f['cases']} = calls filed {f['calls_filed']} "
          f"{'OK' if f['cases_match'] else 'MISMATCH'}   jobs {f['jobs']}"
          f"{'' if f['jobs_drained'] else ' (NOT drained)'}")
    for failure in f["failures"]:
        print(f"     {failure}")
    print("  by round: IVR p99 ms " + ", ".join(str(r["ivr_ms"]["p99"]) for r in f["rounds"])
          + ";  web process CPU ms per IVR webhook (its jobs included) " + ", ".join(
              str(r["ivr_cpu_ms_per_webhook"]) for r in f["rounds"]))
    log = f["server_log"]
    print(f"  server log: {log.get('error', 0)} errors, {log.get('warning', 0)} warnings")
    for line in log.get("examples", []):
        print(f"     {line}")
    print("  slowest endpoints (p99 ms):  " + "   ".join(
        f"{name} {v['p99']}" for name, v in itertools.islice(f["by_endpoint_ms"].items(), 5)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=50, help="callers dialling at once")
    parser.add_argument("--rounds", type=int, default=1, help="bursts, one after the other")
    parser.add_argument("--pause-min", type=float, default=1.0, help="seconds before a key")
    parser.add_argument("--pause-max", type=float, default=3.0)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (a throwaway schema is used in it); "
                             "default: SQLite in the temp dir")
    parser.add_argument("--workers", type=int, default=1,
                        help="gunicorn -w of the IVR (the Procfile's 1; more need REDIS_URL "
                             "for Socket.IO and rate limits in production)")
    parser.add_argument("--threads", type=int, default=32,
                        help="gunicorn --threads (the Procfile's default)")
    parser.add_argument("--keep-alive", type=int, default=75,
                        help="gunicorn --keep-alive (the Procfile's; gunicorn's default is 2)")
    parser.add_argument("--job-worker", choices=("thread", "process"), default="thread",
                        help="jobs (SMS, recordings) in job threads of the web process "
                             "(JOB_WORKER=thread, the default) or in the Procfile's worker "
                             "process (JOB_WORKER=none + `flask jobs work`)")
    parser.add_argument("--timeout", type=float, default=30, help="per webhook, seconds")
    parser.add_argument("--drain-seconds", type=float, default=60)
    parser.add_argument("--twilio-delay-ms", type=float, default=0)
    parser.add_argument("--seed", type=int, default=None, help="for the pauses")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    args.calls = 1  # what Bench reads
    return args


def run(args) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ivr-burst-"))
    (tmp / "instance").mkdir()
    run = Burst(args, tmp)
    try:
        run.start()
        rounds = []
        for number in range(args.rounds):
            print(f"round {number + 1}: {args.callers} callers ...", file=sys.stderr)
            rounds.append(run.run_round())
        figures = run.figures(rounds)
        print_report(figures)
        if args.json:
            print(json.dumps(figures, indent=2, ensure_ascii=False))
        ok = (not figures["errors"] and not figures["failed_calls"] and figures["cases_match"]
              and figures["jobs_drained"] and not figures["server_log"].get("error"))
        if not ok:
            print("\nFAILED: see above; server log (tail):\n" + tail(run.ivr.log_path, 30),
                  file=sys.stderr)
        return 0 if ok else 1
    finally:
        run.stop()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            try:
                run.db.drop()
            finally:
                shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    return run_bench(run, parse_args(argv), "server")


if __name__ == "__main__":
    sys.exit(main())
