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
# Where the dev phone's stand-in for Twilio's REST API answers (console/devphone; `make run`
# points TWILIO_API_BASE at it); never in production.
DEV_TWILIO_API_PATH = "/dev/twilio"
# Open311 rate limits (limits' notation; several separated by ";"): see shared/open311/limits.py.
RATE_LIMITS = {
    "OPEN311_RATE_LIMIT": "120 per minute",  # per client address, requests without a valid key
    "OPEN311_KEY_RATE_LIMIT": "1200 per minute",  # per API key
    "REFERENCE_LOOKUP_RATE_LIMIT": "20 per minute;500 per day",  # per address, per reference
}


# How callers may speak instead of keying (README "Speech models"): vosk offline where a
# model is installed (auto), vosk only (vosk), Twilio's cloud recogniser (twilio), or never.
SPEECH_INPUT_MODES = ("auto", "vosk", "twilio", "off")


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


def _choice(environ, name, choices: tuple[str, ...]) -> str:
    """One of `choices` (the first is the default)."""
    value = environ.get(name) or choices[0]
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _number(environ, name, default: float, valid, expected: str) -> float:
    """A decimal number for which `valid` holds (`expected` says which, in the error)."""
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise ConfigError(f"{name} must be {expected}, got {raw!r}")
    return value


def _fraction(environ, name, default: float) -> float:
    """A number from 0 to 1 (a confidence)."""
    return _number(environ, name, default, lambda v: 0 <= v <= 1, "a number from 0 to 1")


def _seconds(environ, name, default: float) -> float:
    return _number(environ, name, default, lambda v: v > 0, "a number of seconds above 0")


def _rate_limit(environ, name) -> str:
    return _limit(environ, name, RATE_LIMITS[name])


def _limit(environ, name, default: str) -> str:
    value = environ.get(name) or default
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
        required = ("SECRET_KEY", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "DATABASE_URL",
                    "TWILIO_ACCOUNT_SID")
        missing = [name for name in required if not environ.get(name, "").strip()]
        if missing:
            raise ConfigError("refusing to start in production without " + ", ".join(missing))
        if environ.get("TWILIO_API_BASE", "").rstrip("/").endswith(DEV_TWILIO_API_PATH):
            raise ConfigError("TWILIO_API_BASE names the dev phone's stand-in for Twilio, "
                              "which production does not serve")
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
        # What a citizen who is called back sees: the line's number (one of the account's).
        "CALLBACK_CALLER_ID": environ.get("CALLBACK_CALLER_ID", "").strip() or "3737",
        "PUBLIC_BASE_URL": public_base_url or "http://localhost:5000",
        "REDIS_URL": environ.get("REDIS_URL", ""),
        "JOB_WORKER": environ.get("JOB_WORKER", "thread"),
        "JOB_THREADS": max(1, _int(environ, "JOB_THREADS", 4)),
        "JOB_LEASE_SECONDS": max(3, _int(environ, "JOB_LEASE_SECONDS", 30)),
        "JOB_RETRY_WINDOW_HOURS": max(1, _int(environ, "JOB_RETRY_WINDOW_HOURS", 36)),
        "RECORDINGS_DIR": environ.get("RECORDINGS_DIR", str(instance_path / "recordings")),
        "RECORDING_RETENTION_DAYS": _int(environ, "RECORDING_RETENTION_DAYS", 365),
        "RECORDING_TRANSCRIPTS": _choice(environ, "RECORDING_TRANSCRIPTS", ("on", "off")),
        "CALL_RETENTION_DAYS": _int(environ, "CALL_RETENTION_DAYS", 90),
        "CALLER_PREFERENCE_RETENTION_DAYS": _int(environ, "CALLER_PREFERENCE_RETENTION_DAYS",
                                                 365),
        "CALLBACK_RETENTION_DAYS": _int(environ, "CALLBACK_RETENTION_DAYS", 90),
        **_operations(environ),
        "SPEECH_MODELS_DIR": environ.get("SPEECH_MODELS_DIR", str(instance_path / "models")),
        "SPEECH_INPUT": _choice(environ, "SPEECH_INPUT", SPEECH_INPUT_MODES),
        # Phrase lists generated from the administrations table (`flask speech grammars`).
        "GRAMMARS_DIR": environ.get("GRAMMARS_DIR", str(instance_path / "grammars")),
        "SPEECH_MIN_CONFIDENCE": _fraction(environ, "SPEECH_MIN_CONFIDENCE", 0.6),
        "SPEECH_UPDATE_TIMEOUT_SECONDS": _int(environ, "SPEECH_UPDATE_TIMEOUT_SECONDS", 3),
        # Recogniser worker threads of the media streams (vosk is CPU-bound: one per core),
        # and how many streams are transcribed at once (more are accepted, not transcribed).
        "SPEECH_WORKERS": max(1, _int(environ, "SPEECH_WORKERS", os.cpu_count() or 1)),
        "SPEECH_MAX_STREAMS": max(0, _int(environ, "SPEECH_MAX_STREAMS",
                                          4 * (os.cpu_count() or 1))),
        "TIMEZONE": timezone,
        "OPENING_HOURS": opening_hours,
        # How long a process keeps a setting an admin edits in the console (opening hours).
        "SETTINGS_CACHE_SECONDS": max(0, _int(environ, "SETTINGS_CACHE_SECONDS", 5)),
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
        **_database_limits(environ),
        # No ping before each use of a pooled connection (a round trip per request: under a
        # burst of calls on PostgreSQL, one pair of runs: p99 499 ms with it, 235 without). A
        # connection found dead (the database restarted) invalidates the whole pool, and
        # an IVR webhook that met it runs once more on a new one (ivr/views.py `safely`).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WTF_CSRF_TIME_LIMIT": None,
        **_console_settings(environ, production),
    }


def _console_settings(environ, production: bool) -> dict:
    """The console's sessions, failed-login limits and agent states (README "Console")."""
    return {
        "CONSOLE_IDLE_TIMEOUT_SECONDS": max(60, _int(environ, "CONSOLE_IDLE_TIMEOUT_SECONDS",
                                                     30 * 60)),
        "CONSOLE_SESSION_MAX_SECONDS": max(60, _int(environ, "CONSOLE_SESSION_MAX_SECONDS",
                                                    12 * 3600)),
        "CONSOLE_LOGIN_LIMIT_ACCOUNT": _limit(environ, "CONSOLE_LOGIN_LIMIT_ACCOUNT",
                                              "5 per 15 minutes"),
        "CONSOLE_LOGIN_LIMIT_ADDRESS": _limit(environ, "CONSOLE_LOGIN_LIMIT_ADDRESS",
                                              "30 per 15 minutes"),
        "AGENT_WRAPUP_SECONDS": max(0, _int(environ, "AGENT_WRAPUP_SECONDS", 30)),
        # A console page that closes (moving from the agent page to a call's page, a reload, a
        # network blip) leaves its agent's state alone this long for another page to connect.
        "CONSOLE_DISCONNECT_GRACE_SECONDS": _number(
            environ, "CONSOLE_DISCONNECT_GRACE_SECONDS", 10, lambda v: v >= 0,
            "a number of seconds, 0 or more"),
        # Claiming a call waits this long at most for Twilio's live call update.
        "CLAIM_TWILIO_TIMEOUT_SECONDS": max(1, _int(environ, "CLAIM_TWILIO_TIMEOUT_SECONDS", 5)),
        # A callback the citizen has not answered this many times is closed as unreachable.
        "CALLBACK_MAX_ATTEMPTS": _whole(environ, "CALLBACK_MAX_ATTEMPTS", 3, 1),
        # The screen pop's likely duplicates: same caller and administration, this recent.
        "DUPLICATE_WINDOW_DAYS": max(1, _int(environ, "DUPLICATE_WINDOW_DAYS", 30)),
        # The browser sends the session cookie over HTTPS only in production (development
        # serves plain http://localhost); never to scripts; not on cross-site posts.
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def _whole(environ, name, default: int, minimum: int = 0) -> int:
    """A whole number of at least `minimum`."""
    value = _number(environ, name, default, lambda v: v >= minimum and v == int(v),
                    f"a whole number of at least {minimum}")
    return int(value)


def _operations(environ) -> dict:
    """Retention of cases and transcripts, the deadline alerts and their e-mail, and how
    often the recurring jobs run (README "Operations")."""
    return {
        "TRANSCRIPT_RETENTION_DAYS": _whole(environ, "TRANSCRIPT_RETENTION_DAYS", 365, 1),
        # Closed cases keep their identity this long after closing, then are pseudonymised.
        "CASE_RETENTION_DAYS": _whole(environ, "CASE_RETENTION_DAYS", 5 * 365, 1),
        "DEADLINE_WARNING_DAYS": _whole(environ, "DEADLINE_WARNING_DAYS", 3),
        "DEADLINE_CHECK_MINUTES": _whole(environ, "DEADLINE_CHECK_MINUTES", 60),  # 0: never
        "RETENTION_EVERY_HOURS": _whole(environ, "RETENTION_EVERY_HOURS", 24),  # 0: never
        "SMTP_HOST": environ.get("SMTP_HOST", "").strip(),  # none: no mail is sent
        "SMTP_PORT": _whole(environ, "SMTP_PORT", 587, 1),
        "SMTP_USER": environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": environ.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": environ.get("SMTP_FROM", "allo3737@localhost"),
        "SMTP_STARTTLS": _choice(environ, "SMTP_STARTTLS", ("on", "off")) == "on",
        "SMTP_TIMEOUT_SECONDS": _seconds(environ, "SMTP_TIMEOUT_SECONDS", 10),
    }


def _database_limits(environ) -> dict:
    """How long any database wait may last, and the pool size. Twilio gives a webhook 15 s
    in all: every wait is bounded well below that, so a webhook still answers."""
    web_threads = max(1, _int(environ, "WEB_THREADS", 256))
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
