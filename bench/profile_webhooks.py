#!/usr/bin/env python
"""Where a webhook's CPU goes: drives whole filing calls in-process (the simulator through
Flask's test client, with bench/ivr_load.py's checked call), profiles only the app's side
of each request with cProfile, and prints the CPU per webhook and the top functions.

    python bench/profile_webhooks.py                 # 30 calls, SQLite in a temp dir
    python bench/profile_webhooks.py --calls 50 --sort tottime --top 40
    python bench/profile_webhooks.py --repeat 3 --top 0   # each endpoint's lowest of 3 passes
    python bench/profile_webhooks.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event  # noqa: E402

from ivr_load import ACCOUNT_SID  # noqa: E402
from ivr_load import Bench  # noqa: E402
from ivr_load import Database  # noqa: E402
from ivr_load import Stats  # noqa: E402

from ivr.simulator import FlaskTransport  # noqa: E402


class Profiled:
    """WSGI middleware: the profiler runs only while the app handles a request."""

    def __init__(self, app, profiler: cProfile.Profile | None, only: str | None = None):
        self.app, self.profiler, self.only = app, profiler, only
        self.cpu_by_path: dict[str, list[float]] = defaultdict(list)
        self.statements_by_path: dict[str, list[int]] = defaultdict(list)
        self.statements = 0  # sent through SQLAlchemy by the request being handled

    def count_statement(self, *_args) -> None:
        self.statements += 1

    def counts(self) -> "Profiled":
        """A copy of the figures so far, without the app."""
        copied = Profiled(None, None, self.only)
        copied.cpu_by_path = defaultdict(list, {k: list(v) for k, v in self.cpu_by_path.items()})
        copied.statements_by_path = defaultdict(
            list, {k: list(v) for k, v in self.statements_by_path.items()})
        return copied

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"].removeprefix("/ivr/")
        profiler = self.profiler if self.only in (None, path) else None
        self.statements = 0
        started = time.thread_time()
        if profiler is not None:
            profiler.enable()
        try:
            return list(self.app(environ, start_response))
        finally:
            if profiler is not None:
                profiler.disable()
            self.cpu_by_path[path].append(time.thread_time() - started)
            self.statements_by_path[path].append(self.statements)


def report_cpu(passes: list[Profiled], calls: int, database: str) -> None:
    """CPU per webhook by endpoint; with several passes, each endpoint's lowest mean (the
    machine's other load only ever adds to a figure)."""
    cpu_by_path: dict[str, float] = {}
    for middleware in passes:
        for path, values in middleware.cpu_by_path.items():
            mean = sum(values) / len(values)
            cpu_by_path[path] = min(mean, cpu_by_path.get(path, mean))
    last = passes[-1]
    counts = {path: len(values) for path, values in last.cpu_by_path.items()}
    requests = sum(counts.values())
    overall = sum(cpu_by_path[path] * count for path, count in counts.items()) / requests
    lowest = f", lowest of {len(passes)} passes" if len(passes) > 1 else ""
    print(f"{calls} filing calls, {requests} webhooks, {overall * 1000:.2f} ms CPU per webhook "
          f"({database}{lowest})")
    print("  (SQL statements per webhook, COMMIT included; SQLite's BEGIN and PRAGMAs, sent by "
          "the engine's own listeners, are not counted)")
    for path, cpu in sorted(cpu_by_path.items(), key=lambda item: -item[1] * counts[item[0]]):
        statements = last.statements_by_path[path]
        print(f"  {path:<32} {counts[path]:>5} x {cpu * 1000:6.2f} ms"
              f"   {sum(statements) / len(statements):5.1f} statements")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--only", default=None,
                        help="profile one endpoint only, e.g. voice or step/description")
    parser.add_argument("--repeat", type=int, default=1,
                        help="passes without the profiler; each endpoint's lowest is shown")
    parser.add_argument("--dump", default=None,
                        help="also write the profile to this file (pstats; for print_callers)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ivr-profile-"))
    (tmp / "instance").mkdir()
    db = Database(args.database_url, tmp)
    try:
        db.prepare()
        from shared import cli
        from shared.app import create_app
        from shared.extensions import db as sqlalchemy
        token = secrets.token_hex(16)
        app = create_app({"TWILIO_AUTH_TOKEN": token, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                          "PUBLIC_BASE_URL": "http://bench.test", "JOB_WORKER": "none",
                          "OPENING_HOURS": "mon-sun 00:00-23:59", "LOG_LEVEL": "WARNING"},
                         environ={"INSTANCE_PATH": str(tmp / "instance"),
                                  "DATABASE_URL": db.url})
        with app.app_context():
            cli.release()
        app.wsgi_app = Profiled(app.wsgi_app, None, args.only)
        with app.app_context():
            event.listen(sqlalchemy.engine, "before_cursor_execute",
                         app.wsgi_app.count_statement)
        bench = Bench(argparse.Namespace(timeout=30, calls=1), "http://bench.test", token,
                      Stats())
        transport = FlaskTransport(app.test_client())
        bench.run_one(transport, "+212600000000", 0, follow_up=False, timed=False)  # warm-up
        middleware = app.wsgi_app
        passes: list[Profiled] = []
        for number in range(max(1, args.repeat)):  # without the profiler: true CPU
            middleware.cpu_by_path.clear()
            middleware.statements_by_path.clear()
            for n in range(args.calls):
                bench.run_one(transport, f"+2126{30000000 + n + number * 1000:08d}",
                              n + 1, follow_up=False, timed=True)
            passes.append(middleware.counts())
        report_cpu(passes, args.calls, db.kind)
        profiler = middleware.profiler = cProfile.Profile()  # then with it
        middleware.cpu_by_path.clear()
        for n in range(args.calls):
            bench.run_one(transport, f"+2126{31000000 + n:08d}", n + 1, follow_up=False,
                          timed=True)
        failed = [r.error for r in bench.results if not r.ok]
        print(f"failed calls: {failed or 0}")
        if args.dump:
            profiler.dump_stats(args.dump)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        with app.app_context():
            sqlalchemy.engine.dispose()
        return 1 if failed else 0
    finally:
        db.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
