"""A database that is locked or does not answer: every wait is bounded, the IVR still
answers TwiML (the apology), the Open311 API a 503 with a reason, readiness a 503; never a
500 nor a hang. On the suite's database (SQLite, or TEST_DATABASE_URL), plus a PostgreSQL
address that accepts connections and never answers."""
import contextlib
import socket
import sqlite3
import threading

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from shared import migrate
from shared.app import create_app
from shared.apikeys import hash_key
from shared.extensions import db
from shared.models import ApiKey
from shared.models import Call
from shared.types import Channel
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN

KEY = "fault-test-key"
# What a hang would be: well above the app's bounded waits (1-2 s each, a few in a row).
pytestmark = pytest.mark.timeout(30)
SHORT_WAITS = {"DB_LOCK_TIMEOUT": "1", "DB_STATEMENT_TIMEOUT": "2", "DB_CONNECT_TIMEOUT": "2",
               "DB_POOL_TIMEOUT": "1"}
APP_SETTINGS = ("TESTING", "WTF_CSRF_ENABLED", "SECRET_KEY", "TWILIO_ACCOUNT_SID",
                "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "TWILIO_API_BASE", "JOB_WORKER",
                "RECORDINGS_DIR", "OPENING_HOURS")


@pytest.fixture()
def make_app(app):
    """make_app(database_url=the suite's) -> an app like the suite's, with short waits."""
    made = []

    def make(database_url=None):
        environ = {"INSTANCE_PATH": app.instance_path, **SHORT_WAITS,
                   "DATABASE_URL": database_url or app.config["SQLALCHEMY_DATABASE_URI"]}
        other = create_app({name: app.config[name] for name in APP_SETTINGS}, environ=environ)
        made.append(other)
        return other
    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def caller_of(app) -> Caller:
    return Caller(FlaskTransport(app.test_client()), PUBLIC_BASE_URL, TEST_AUTH_TOKEN,
                  account_sid=TEST_ACCOUNT_SID)


def file_request(app, admin_code):
    return app.test_client().post("/open311/v2/requests.json", data={
        "api_key": KEY, "service_code": admin_code, "attribute[kind]": "observation",
        "attribute[language]": "fr", "description": "Un guichet fermé à 10 h"})


def assert_unavailable(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"].isdigit()
    [error] = response.get_json()  # the spec's error document
    assert error["code"] == 503 and "database" in error["description"]


@pytest.fixture()
def api_key(session):
    session.add(ApiKey(name="faults", key_hash=hash_key(KEY), channel=Channel.WEB, scope="file"))
    session.commit()


@contextlib.contextmanager
def tables_locked(url: str):
    """Another connection holds the write lock (SQLite) or locks calls and cases
    (PostgreSQL) until the block ends."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
    else:
        connection = psycopg.connect(parsed.set(drivername="postgresql")
                                     .render_as_string(hide_password=False))
        connection.execute("LOCK TABLE calls, cases IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        connection.rollback()
        connection.close()


def test_a_locked_database_gets_the_apology_and_a_503_not_a_hang(make_app, admin, api_key):
    locked = make_app()
    admin_code = admin.code
    with tables_locked(locked.config["SQLALCHEMY_DATABASE_URI"]):
        turn = caller_of(locked).dial()
        assert turn.status == 200 and turn.keys[0] == "technical_problem"
        assert_unavailable(file_request(locked, admin_code))
    # The lock gone, the same app serves again.
    assert caller_of(locked).dial().keys[0] != "technical_problem"
    assert file_request(locked, admin_code).status_code == 201


@pytest.fixture()
def silent_database():
    """A PostgreSQL URL whose server accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"postgresql+psycopg://allo:secret@127.0.0.1:{listener.getsockname()[1]}/allo"
    stop.set()
    listener.close()
    for connection in accepted:
        connection.close()


def test_a_database_that_never_answers_gets_the_apology_and_503s(make_app, silent_database):
    silent = make_app(silent_database)
    client = silent.test_client()
    turn = caller_of(silent).dial()
    assert turn.status == 200 and turn.keys[0] == "technical_problem"
    assert_unavailable(client.get("/open311/v2/requests/1234567890.json"))
    assert_unavailable(file_request(silent, "201"))
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["status"] == "unavailable"
    assert client.get("/healthz").status_code == 200  # alive: a restart would not help


def test_readiness_touches_the_database(client, session):
    assert client.get("/readyz").get_json() == {"status": "ready", "database": "ok"}


def test_the_webhook_that_failed_wrote_nothing(make_app):
    locked = make_app()
    caller = caller_of(locked)
    with tables_locked(locked.config["SQLALCHEMY_DATABASE_URI"]):
        caller.dial()
    with locked.app_context():
        assert db.session.scalar(select(Call).where(Call.call_sid == caller.call_sid)) is None


def test_migrations_are_not_cut_by_the_webhooks_statement_timeout(app_ctx):
    sent = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        migrate.upgrade()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    postgresql = db.engine.dialect.name == "postgresql"
    assert ("SET LOCAL statement_timeout = 0" in sent) is postgresql
