"""Fixtures: one migrated database per test session (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), emptied of cases, calls and users after every test."""
import os

import pytest
from sqlalchemy import text

from shared import administrations
from shared import jobs
from shared import migrate
from shared.app import create_app
from shared.extensions import db
from shared.extensions import limiter
from shared.extensions import socketio
from shared.models import Administration
from shared.models import utcnow
from tests.support.clock import FrozenClock
from tests.support.fake_twilio import FakeTwilio

TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
TEST_ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_BASE_URL = "https://ivr.example.test"
# Tables that hold what tests create; administrations stay loaded for the session.
MUTABLE_TABLES = ("admin_changes", "settings", "access_log", "notifications", "deadline_alerts",
                  "agent_states", "transcript_segments", "case_events", "jobs", "sms_messages",
                  "callback_requests", "caller_preferences", "caller_counters", "api_keys",
                  "calls", "answer_templates", "cases",
                  "users")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    # Lock waits bounded as in production, but generous: concurrency tests run on a busy
    # machine (tests/shared/test_database_faults.py makes apps with short waits).
    environ = {"INSTANCE_PATH": str(instance), "DATABASE_URL": _database_url(tmp_path_factory),
               "DB_LOCK_TIMEOUT": "15"}
    app = create_app({
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_API_BASE": "http://127.0.0.1:9",  # tests that need it start a fake
        "JOB_WORKER": "none",
        # A closed console makes its agent offline at once (tests of the grace set their own).
        "CONSOLE_DISCONNECT_GRACE_SECONDS": 0,
        "RECORDINGS_DIR": str(instance / "recordings"),
        "OPENING_HOURS": "mon-sun 00:00-23:59",
        # The console's settings are read afresh each time (tests change them between calls).
        "SETTINGS_CACHE_SECONDS": 0,
        # The suite's calls speak through Twilio's recogniser (a SpeechResult); tests of the
        # offline modes (auto, vosk, off) set SPEECH_INPUT themselves.
        "SPEECH_INPUT": "twilio",
        # Rate limits far above what one test sends; tests of the limits lower them.
        "OPEN311_RATE_LIMIT": "10000 per minute",
        "OPEN311_KEY_RATE_LIMIT": "10000 per minute",
        "REFERENCE_LOOKUP_RATE_LIMIT": "10000 per minute",
        # Rate-limit counters in memory, or in the Redis that TEST_REDIS_URL names.
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_REDIS_URL") or "memory://",
    }, environ=environ)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade()
        administrations.load(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _socketio_server_kept():
    """A test that creates another app (create_app) binds the one Socket.IO extension to
    that app's server: give it back to the suite's app, whose live servers still use its
    own, or later emits reach no real socket."""
    server = socketio.server
    yield
    if server is not None:
        socketio.server = server


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    limiter.reset()  # every test starts with fresh rate-limit counters
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in MUTABLE_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture()
def session(app_ctx):
    return db.session


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def config(app, monkeypatch):
    """config(NAME=value, ...) changes the app's configuration for one test."""
    def change(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)
    return change


@pytest.fixture()
def fake_twilio(app, monkeypatch):
    """A local fake of Twilio's REST API that the app talks to for this test."""
    with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        monkeypatch.setitem(app.config, "TWILIO_API_BASE", fake.base_url)
        yield fake


@pytest.fixture()
def clock(monkeypatch):
    """The jobs' clock, frozen at now: clock.advance(seconds=31)."""
    frozen = FrozenClock(utcnow())
    monkeypatch.setattr(jobs, "utcnow", frozen)
    return frozen


@pytest.fixture()
def handlers(app, monkeypatch):
    """Register job handlers for this test only: handlers["name"] = fn."""
    registry = dict(jobs.handlers(app))
    monkeypatch.setitem(app.extensions, jobs.EXTENSION, registry)
    return registry


@pytest.fixture()
def admin(session):
    """An administration cases can be filed against (the CNSS)."""
    return administrations.by_code(session, "201") or session.query(Administration).first()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failed one: a skip there hides a missing dependency."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"


def pytest_collection_modifyitems(config, items):
    """Tests of one database's own behaviour are left out of the other database's run
    (deselected, not skipped: every collected test runs)."""
    on = "postgresql" if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") \
        else "sqlite"
    other = "postgresql_only" if on == "sqlite" else "sqlite_only"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
