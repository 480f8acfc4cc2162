#!/usr/bin/env python
"""SMS under faults: how many SMS each citizen gets when Twilio is slow, down, or when the
worker processes are killed with -9 in the middle of sending.

    python bench/sms_faults.py                 # 50 citizens, every scenario
    python bench/sms_faults.py --citizens 200 --kills 20

One SMS job per citizen (a filed case each, distinct mobile numbers), in a fresh SQLite
database of a temporary INSTANCE_PATH, against the tests' fake Twilio
(tests/support/fake_twilio.py) on 127.0.0.1. Scenarios:

- slow: every citizen's first message creation is answered after the client's read
  timeout (Twilio took the message all the same); the in-process worker retries until
  every job is done;
- down: Twilio answers 500 to the first 3 requests of every citizen's job, then works;
- kill: `--workers` `flask jobs work` processes send with Twilio answering every message
  late; the oldest is killed with SIGKILL every `--kill-every` seconds (and replaced) until
  `--kills` kills; then the survivors finish (a dead worker's job waits for its lease).

For each: SMS per citizen (the goal: exactly 1 for everyone), the requests Twilio got, jobs
done/failed. The exit status is 1 when a citizen got no SMS or more than one.
"""
from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from shared import administrations  # noqa: E402
from shared import jobs  # noqa: E402
from shared import migrate  # noqa: E402
from shared import sms  # noqa: E402
from shared import twilio_rest  # noqa: E402
from shared.app import create_app  # noqa: E402
from shared.cases import CaseService  # noqa: E402
from shared.cases import Citizen  # noqa: E402
from shared.cases import NewCase  # noqa: E402
from shared.extensions import db  # noqa: E402
from shared.models import Job  # noqa: E402
from shared.types import CaseKind  # noqa: E402
from shared.types import Channel  # noqa: E402
from shared.types import JobState  # noqa: E402
from tests.support.fake_twilio import FakeTwilio  # noqa: E402
from tests.support.job_worker import start_job_worker  # noqa: E402

ACCOUNT_SID, AUTH_TOKEN = "AC" + "0" * 32, "bench-auth-token"
LEASE_SECONDS = 3
READ_TIMEOUT = 0.5


def build_app(instance: Path, fake: FakeTwilio):
    environ = {"INSTANCE_PATH": str(instance), "JOB_WORKER": "none",
               "JOB_LEASE_SECONDS": str(LEASE_SECONDS), "LOG_LEVEL": "ERROR"}
    app = create_app({"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                      "TWILIO_API_BASE": fake.base_url}, environ=environ)
    with app.app_context():
        migrate.upgrade()
        administrations.load(db.session)
        db.session.commit()
    return app


def file_cases(app, count: int) -> list[str]:
    """`count` cases from distinct mobiles, each with its SMS job; their phone numbers."""
    phones = [f"+2126{10000000 + n:08d}" for n in range(count)]
    with app.app_context():
        admin = administrations.by_code(db.session, "201")
        for phone in phones:
            case = CaseService(db.session, actor="bench").file(NewCase(
                kind=CaseKind.COMPLAINT, administration=admin, channel=Channel.PHONE_AGENT,
                language="fr", subject="bench", description="bench",
                citizen=Citizen(phone=phone)))
            sms.schedule_filed_sms(db.session, case)
        db.session.commit()
    return phones


def job_states(app) -> Counter:
    with app.app_context():
        states = Counter(j.state.value for j in db.session.scalars(select(Job)))
        db.session.remove()
    return states


def drain_in_process(app, deadline: float) -> None:
    """Run every job until done or failed, making each retry due at once (time passes)."""
    while time.monotonic() < deadline:
        jobs.run_pending(app)
        with app.app_context():
            pending = list(db.session.scalars(select(Job).where(
                Job.state.in_([JobState.PENDING, JobState.RUNNING]))))
            for item in pending:
                if item.state is JobState.PENDING:
                    item.run_after = item.created_at
            db.session.commit()
            db.session.remove()
        if not pending:
            return
        time.sleep(0.05)


def scenario_slow(app, fake, args) -> None:
    # Each citizen's first send (the jobs run one after the other) is answered too late.
    fake.stall_next, fake.stall_seconds = args.citizens, READ_TIMEOUT * 2
    twilio_rest.READ_TIMEOUT_SECONDS = READ_TIMEOUT
    drain_in_process(app, time.monotonic() + args.timeout)


def scenario_down(app, fake, args) -> None:
    fake.fail_next = [500] * (3 * args.citizens)
    drain_in_process(app, time.monotonic() + args.timeout)


def scenario_kill(app, fake, args, instance) -> int:
    """Returns how many workers were killed."""
    fake.stall_next, fake.stall_seconds = 10 ** 6, 0.3  # every answer late, none lost

    def start():
        return start_job_worker(app, fake, instance, LEASE_SECONDS, "CRITICAL")

    workers = [start() for _ in range(args.workers)]
    killed = 0
    try:
        while killed < args.kills and job_states(app).get("pending", 0) + \
                job_states(app).get("running", 0) > 0:
            time.sleep(args.kill_every)
            victim = workers.pop(0)  # the oldest: past its start-up, sending
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            killed += 1
            workers.append(start())
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline and set(job_states(app)) - {"done", "failed"}:
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()
    return killed


def report(name: str, phones: list[str], fake: FakeTwilio, app, started: float,
           extra: str = "") -> bool:
    received = Counter(message["to"] for message in fake.sent)
    per_citizen = Counter(received.get(phone, 0) for phone in phones)
    requests = Counter(f"{r['method']} {'list' if r['method'] == 'GET' else 'create'}"
                       for r in fake.requests if "/Messages" in r["path"])
    ok = set(per_citizen) == {1}
    print(f"{name:5} {len(phones)} citizens: SMS per citizen "
          f"{dict(sorted(per_citizen.items()))}  {'OK' if ok else 'WRONG'}")
    print(f"      Twilio got {dict(requests)}, failed answers "
          f"{sum(1 for r in fake.requests if r.get('status', 0) >= 500)}; "
          f"jobs {dict(job_states(app))}; {time.monotonic() - started:.1f} s{extra}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--kill-every", type=float, default=1.5)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--only", choices=["slow", "down", "kill"])
    args = parser.parse_args()
    all_ok = True
    for name in ("slow", "down", "kill"):
        if args.only not in (None, name):
            continue
        with tempfile.TemporaryDirectory(prefix="sms-faults-") as tmp, \
                FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
            app = build_app(Path(tmp), fake)
            phones = file_cases(app, args.citizens)
            started = time.monotonic()
            extra = ""
            if name == "slow":
                scenario_slow(app, fake, args)
            elif name == "down":
                scenario_down(app, fake, args)
            else:
                killed = scenario_kill(app, fake, args, Path(tmp))
                extra = f"; {killed} workers killed with SIGKILL (lease {LEASE_SECONDS} s)"
            all_ok &= report(name, phones, fake, app, started, extra)
            with app.app_context():
                db.engine.dispose()
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
