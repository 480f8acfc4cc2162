"""Configuration, read only from the environment, with safe defaults for development.

Every variable is listed in README.md. `load_config` returns a plain mapping that
`create_app` hands to Flask; tests pass their own overrides on top of it.
"""
import os
import secrets
from pathlib import Path

from . import hours

DEFAULT_OPENING_HOURS = "mon-fri 08:30-16:30"


class ConfigError(RuntimeError):
    """The environment cannot run the app safely (e.g. production without a secret)."""


def _int(environ, name, default):
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _seconds(environ, name, default: float) -> float:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0 seconds, got {raw!r}")
    return value


def _database_url(environ, instance_path: Path) -> str:
    url = environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'allo3737.db'}"
    # Heroku-style URLs say postgres://; SQLAlchemy wants postgresql+psycopg://.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(instance_path: Path, environ=None) -> dict:
    """Build the app configuration from `environ` (default: os.environ)."""
    environ = os.environ if environ is None else environ
    production = environ.get("APP_ENV", "development") == "production"
    secret_key = environ.get("SECRET_KEY", "")
    auth_token = environ.get("TWILIO_AUTH_TOKEN", "")
    public_base_url = environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    if production:
        required = ("SECRET_KEY", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "DATABASE_URL",
                    "TWILIO_ACCOUNT_SID")
        missing = [name for name in required if not environ.get(name, "").strip()]
        if missing:
            raise ConfigError("refusing to start in production without " + ", ".join(missing))
    opening_hours = environ.get("OPENING_HOURS", DEFAULT_OPENING_HOURS)
    timezone = environ.get("TIMEZONE", "Africa/Casablanca")
    try:
        hours.parse(opening_hours, timezone)
    except (ValueError, KeyError) as error:
        raise ConfigError(f"OPENING_HOURS / TIMEZONE: {error}") from None
    return {
        "APP_ENV": "production" if production else "development",
        # A random key in development: sessions do not survive a restart, which is fine there.
        "SECRET_KEY": secret_key or secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": _database_url(environ, instance_path),
        "TWILIO_ACCOUNT_SID": environ.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": auth_token,
        "TWILIO_API_BASE": environ.get("TWILIO_API_BASE", "https://api.twilio.com").rstrip("/"),
        "TWILIO_SMS_FROM": environ.get("TWILIO_SMS_FROM", "3737"),
        "PUBLIC_BASE_URL": public_base_url or "http://localhost:5000",
        "REDIS_URL": environ.get("REDIS_URL", ""),
        "JOB_WORKER": environ.get("JOB_WORKER", "thread"),
        "JOB_THREADS": max(1, _int(environ, "JOB_THREADS", 4)),
        "RECORDINGS_DIR": environ.get("RECORDINGS_DIR", str(instance_path / "recordings")),
        "RECORDING_RETENTION_DAYS": _int(environ, "RECORDING_RETENTION_DAYS", 365),
        "SPEECH_MODELS_DIR": environ.get("SPEECH_MODELS_DIR", str(instance_path / "models")),
        "SPEECH_INPUT": environ.get("SPEECH_INPUT", "twilio"),
        "TIMEZONE": timezone,
        "OPENING_HOURS": opening_hours,
        "QUEUE_NAME": environ.get("QUEUE_NAME", "agents"),
        "QUEUE_MAX_SIZE": _int(environ, "QUEUE_MAX_SIZE", 50),
        "QUEUE_MAX_WAIT_SECONDS": _int(environ, "QUEUE_MAX_WAIT_SECONDS", 600),
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO"),
        **_database_limits(environ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _database_limits(environ) -> dict:
    """How long any database wait may last, and the pool size. Twilio gives a webhook 15 s
    in all: every wait is bounded well below that, so a webhook still answers."""
    web_threads = max(1, _int(environ, "WEB_THREADS", 32))
    job_threads = max(1, _int(environ, "JOB_THREADS", 4))
    in_process_jobs = environ.get("JOB_WORKER", "thread") == "thread"
    # Every thread that may hold a connection at once gets one, plus one for the
    # readiness check and the odd CLI task.
    threads = web_threads + (job_threads if in_process_jobs else 0)
    pool_size = _int(environ, "DB_POOL_SIZE", threads + 1)
    if pool_size < threads:
        raise ConfigError(f"DB_POOL_SIZE is {pool_size}, below the {threads} threads that use "
                          "the database (WEB_THREADS + JOB_THREADS)")
    return {
        "WEB_THREADS": web_threads,
        "DB_POOL_SIZE": pool_size,
        "DB_POOL_TIMEOUT": _seconds(environ, "DB_POOL_TIMEOUT", 3),
        "DB_CONNECT_TIMEOUT": _seconds(environ, "DB_CONNECT_TIMEOUT", 3),
        "DB_LOCK_TIMEOUT": _seconds(environ, "DB_LOCK_TIMEOUT", 3),
        "DB_STATEMENT_TIMEOUT": _seconds(environ, "DB_STATEMENT_TIMEOUT", 5),
        "DB_IDLE_IN_TRANSACTION_TIMEOUT": _seconds(environ, "DB_IDLE_IN_TRANSACTION_TIMEOUT", 30),
    }
