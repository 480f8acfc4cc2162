"""A real `flask jobs work` process against an app's database and a fake Twilio, for the
tests and benchmarks that kill workers (kill -9) to check leases and one SMS per event."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_job_worker(app, fake, instance, lease_seconds: int,
                     log_level: str = "WARNING") -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "INSTANCE_PATH": str(instance), "TWILIO_API_BASE": fake.base_url,
           "TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": fake.auth_token,
           "JOB_LEASE_SECONDS": str(lease_seconds), "JOB_WORKER": "none",
           "LOG_LEVEL": log_level,
           # Only the jobs a test makes: no recurring deadline check or retention run.
           "DEADLINE_CHECK_MINUTES": "0", "RETENTION_EVERY_HOURS": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "shared.app:create_app", "jobs", "work"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
