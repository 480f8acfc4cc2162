"""Configuration, read only from the environment, with safe defaults for development.

Every variable is listed in README.md. `load_config` returns a plain mapping that
`create_app` hands to Flask; tests pass their own overrides on top of it.
"""
import os
import secrets
from pathlib import Path

from limits import parse_many

from . import hours

DEFAULT_OPENING_HOURS = "mon-fri 08:30-16:30"
# Open311 rate limits (limits' notation; several separated by ";"): see shared/open311/limits.py.
RATE_LIMITS = {
    "OPEN311_RATE_LIMIT": "120 per minute",  # per client address, requests without a valid key
    "OPEN311_KEY_RATE_LIMIT": "1200 per minute",  # per API key
    "REFERENCE_LOOKUP_RATE_LIMIT": "20 per minute;500 per day",  # per address, per reference
}


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


def _rate_limit(environ, name) -> str:
    value = environ.get(name) or RATE_LIMITS[name]
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must read like '20 per minute;500 per day', "
                          f"got {value!r}") from None
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
        missing = [name for name, value in (("SECRET_KEY", secret_key),
                                            ("TWILIO_AUTH_TOKEN", auth_token),
                                            ("PUBLIC_BASE_URL", public_base_url)) if not value]
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
        "JOB_LEASE_SECONDS": max(3, _int(environ, "JOB_LEASE_SECONDS", 30)),
        "JOB_RETRY_WINDOW_HOURS": max(1, _int(environ, "JOB_RETRY_WINDOW_HOURS", 36)),
        "RECORDINGS_DIR": environ.get("RECORDINGS_DIR", str(instance_path / "recordings")),
        "RECORDING_RETENTION_DAYS": _int(environ, "RECORDING_RETENTION_DAYS", 365),
        "CALL_RETENTION_DAYS": _int(environ, "CALL_RETENTION_DAYS", 90),
        "CALLER_PREFERENCE_RETENTION_DAYS": _int(environ, "CALLER_PREFERENCE_RETENTION_DAYS",
                                                 365),
        "CALLBACK_RETENTION_DAYS": _int(environ, "CALLBACK_RETENTION_DAYS", 90),
        "SPEECH_MODELS_DIR": environ.get("SPEECH_MODELS_DIR", str(instance_path / "models")),
        "SPEECH_INPUT": environ.get("SPEECH_INPUT", "twilio"),
        # Recogniser worker threads of the media streams (vosk is CPU-bound: one per core),
        # and how many streams are transcribed at once (more are accepted, not transcribed).
        "SPEECH_WORKERS": max(1, _int(environ, "SPEECH_WORKERS", os.cpu_count() or 1)),
        "SPEECH_MAX_STREAMS": max(0, _int(environ, "SPEECH_MAX_STREAMS",
                                          4 * (os.cpu_count() or 1))),
        "TIMEZONE": timezone,
        "OPENING_HOURS": opening_hours,
        "QUEUE_NAME": environ.get("QUEUE_NAME", "agents"),
        "QUEUE_MAX_SIZE": _int(environ, "QUEUE_MAX_SIZE", 50),
        "QUEUE_MAX_WAIT_SECONDS": _int(environ, "QUEUE_MAX_WAIT_SECONDS", 600),
        "IVR_MAX_CASES_PER_DAY": _int(environ, "IVR_MAX_CASES_PER_DAY", 5),
        "IVR_MAX_CHECKS_PER_DAY": _int(environ, "IVR_MAX_CHECKS_PER_DAY", 20),
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO"),
        **{name: _rate_limit(environ, name) for name in RATE_LIMITS},
        # Flask-Limiter: counters in Redis when there is one (shared by every process),
        # else in this process's memory; if Redis fails, memory until it is back.
        "RATELIMIT_STORAGE_URI": environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # A Redis that does not answer holds a request half a second at most, not the API.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
    }
