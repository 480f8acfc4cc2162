"""Webhook hygiene: signatures, odd input, status callbacks. Never a 5xx, always TwiML."""
import contextlib
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from shared.extensions import db
from shared.models import Call
from shared.models import Case
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_AUTH_TOKEN
from tests.ivr.helpers import call_row
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import to_main_menu


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def signed(url, form, token=TEST_AUTH_TOKEN):
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


FORM = {"CallSid": "CA" + "1" * 32, "From": "+212612345678", "To": "3737",
        "AccountSid": "AC" + "0" * 32, "CallStatus": "ringing"}


@pytest.mark.parametrize("headers", [
    {}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    signed(PUBLIC_BASE_URL + "/ivr/voice", FORM, token="another-token"),
    # Signed for the URL this process sees, not the public one Twilio called.
    signed("http://localhost/ivr/voice", FORM)])
def test_an_unsigned_or_badly_signed_request_is_refused_and_writes_nothing(app, client,
                                                                          headers):
    response = client.post("/ivr/voice", data=FORM, headers=headers)
    assert response.status_code == 403
    assert count(app, Call) == 0


def test_a_tampered_parameter_breaks_the_signature(app, client):
    headers = signed(PUBLIC_BASE_URL + "/ivr/voice", FORM)
    response = client.post("/ivr/voice", data={**FORM, "From": "+212600000000"},
                           headers=headers)
    assert response.status_code == 403 and count(app, Call) == 0


def test_without_an_auth_token_every_webhook_is_refused(app, client, config, caplog):
    config(TWILIO_AUTH_TOKEN="")
    response = client.post("/ivr/voice", data=FORM, headers=signed(
        PUBLIC_BASE_URL + "/ivr/voice", FORM, token="x"))
    assert response.status_code == 403 and count(app, Call) == 0
    assert "TWILIO_AUTH_TOKEN is not set" in caplog.text


def test_the_signature_covers_the_query_string(app, caller):
    to_main_menu(caller)
    action = caller.turn.find("Gather").get("action")
    assert "?t=" in action
    status, _ = caller.transport.post(action.replace("t=", "t=9"), {**caller.params,
                                      "Digits": "1"}, signed(action, {**caller.params,
                                                                      "Digits": "1"}))
    assert status == 403


@pytest.mark.parametrize("digits", [
    "0" * 40, "١٢٣", "", "*#*#", "1" * 10_000, "\x00\x01", "<Say>hi</Say>", "9" * 12 + "#"])
def test_odd_keys_always_get_twiml(app, caller, digits):
    to_main_menu(caller, "fr")
    for step_keys in ("1", digits, digits):
        turn = caller.press(step_keys)
        assert turn.status == 200
        assert turn.root is not None and turn.root.tag == "Response"


def test_odd_fields_always_get_twiml(app, caller):
    to_main_menu(caller, "fr")
    caller.press("1")
    turn = caller.post(caller.turn.find("Gather").get("action"),
                       {"SpeechResult": "é" * 2000, "Confidence": "high"})
    assert turn.status == 200 and turn.keys[0] == "administration_unknown"
    caller.press("201")
    caller.press("1")
    caller.press("1")
    turn = caller.post(caller.turn.find("Record").get("action"),
                       {"RecordingDuration": "abc", "RecordingUrl": "not a url"})
    assert turn.status == 200 and turn.keys == ["no_input", "ask_name"]


@pytest.mark.parametrize("path", ["/ivr/voice", "/ivr/step/main_menu", "/ivr/status",
                                  "/ivr/recording", "/ivr/queue/wait", "/ivr/queue/done"])
def test_a_missing_call_sid_gets_twiml_and_writes_nothing(app, client, path):
    form = {"From": "+212612345678", "Digits": "1"}
    response = client.post(path, data=form,
                           headers=signed(PUBLIC_BASE_URL + path, form))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert ET.fromstring(response.data).tag == "Response"
    assert count(app, Call) == 0


def test_a_signature_over_the_url_with_its_default_port_is_accepted(app, client):
    """Twilio signs some requests over the URL with its port (https://host:443/...): the
    check tries it after the URL as configured, as Twilio's own validator does."""
    url = PUBLIC_BASE_URL.replace("https://ivr.example.test", "https://ivr.example.test:443")
    assert url != PUBLIC_BASE_URL
    response = client.post("/ivr/voice", data=FORM, headers=signed(url + "/ivr/voice", FORM))
    assert response.status_code == 200 and count(app, Call) == 1


def test_an_unknown_step_replays_the_current_one(app, caller):
    to_main_menu(caller, "fr")
    turn = caller.post("/ivr/step/no_such_step?t=2", {"Digits": "1"})
    assert turn.status == 200 and turn.keys == ["main_menu"]


def test_a_bad_turn_number_changes_nothing(app, caller):
    to_main_menu(caller, "fr")
    turn = caller.post("/ivr/step/main_menu?t=abc", {"Digits": "4"})
    assert turn.keys == ["main_menu"]


def test_get_on_a_webhook_is_a_4xx_not_a_5xx(client):
    assert client.get("/ivr/voice").status_code == 405


def test_a_replayed_incoming_call_is_answered_the_same(app, caller):
    first = caller.dial()
    second = caller.dial()
    assert first.xml == second.xml and count(app, Call) == 1


def test_simultaneous_copies_of_the_first_webhook_get_the_same_welcome(app, client):
    """Twilio retries /ivr/voice: copies arriving together race to insert the CallSid."""
    import threading
    headers = signed(PUBLIC_BASE_URL + "/ivr/voice", FORM)
    answers, barrier = [], threading.Barrier(5)

    def post():
        own = app.test_client()  # each copy its own HTTP request
        barrier.wait()
        answers.append(own.post("/ivr/voice", data=FORM, headers=headers))
    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [response.status_code for response in answers] == [200] * 5
    assert len({response.data for response in answers}) == 1
    assert b"technical_problem" not in answers[0].data and b"Hangup" not in answers[0].data
    assert count(app, Call) == 1


def test_the_copy_that_loses_the_insert_race_answers_like_the_winner(app, caller,
                                                                   monkeypatch):
    """A call coming in is inserted without a look first: a copy of its first webhook meets
    the winner's row on insert, and answers the same TwiML from it."""
    import ivr.engine
    first = caller.dial()
    real, inserts = ivr.engine.insert_call, []

    def insert_call(call):
        inserts.append(call.call_sid)
        real(call)
    monkeypatch.setattr(ivr.engine, "insert_call", insert_call)
    second = caller.dial()
    assert inserts == [caller.call_sid]  # it tried to insert: the conflict was its answer
    assert second.status == 200 and second.xml == first.xml
    assert "technical_problem" not in second.keys
    assert count(app, Call) == 1


@contextlib.contextmanager
def statements_sent(app):
    """The first word of every SQL statement sent meanwhile, transaction control (BEGIN,
    COMMIT, savepoints, SQLite's PRAGMAs, which differ by dialect) left out."""
    from sqlalchemy import event
    sent = []

    def seen(_conn, _cursor, statement, *_args):
        word = statement.split(None, 1)[0].upper()
        if word in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            sent.append(word + " " + table_of(statement))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def table_of(statement: str) -> str:
    words = statement.replace(",", " ").split()
    for before in ("FROM", "INTO", "UPDATE"):
        if before in words[:-1]:
            return words[words.index(before) + 1]
    return "?"


def test_a_call_coming_in_costs_one_insert_and_no_look_up(app, caller):
    """The busiest webhook of a burst (everyone dials at once): its language preference
    read and the INSERT of the call; the call is not looked for first."""
    with statements_sent(app) as sent:
        turn = caller.dial()
    assert "language_option" in turn.keys
    assert sent == ["SELECT caller_preferences", "INSERT calls"]


def test_a_new_call_is_all_columns():
    """ivr.engine.insert_call writes a new call with a Core INSERT of its columns: a
    relationship set on a new Call would be lost there (change insert_call with it)."""
    from sqlalchemy import inspect
    assert not inspect(Call).relationships


def test_each_answer_writes_the_call_once(app, caller):
    """A step's transition and the rendering of the next step change the call; its row is
    written once, at the commit, not also by a flush before a query of another table
    (the language preference, the administration, the filing's savepoints and jobs)."""
    caller.dial()
    with statements_sent(app) as language:
        caller.press("3")
    caller.press("1")
    with statements_sent(app) as administration:
        caller.press("201")
    caller.press("1")
    caller.press("1")
    caller.record(3)
    caller.press("123456")
    with statements_sent(app) as description:
        turn = caller.record(20)
    assert "case_filed" in turn.keys
    assert language == ["SELECT calls", "INSERT caller_preferences", "UPDATE calls"]
    assert administration == ["SELECT calls", "SELECT administrations", "UPDATE calls"]
    assert description.count("UPDATE calls") == 1 and description[-1] == "UPDATE calls"
    assert description.count("SELECT cases") == 1  # the idempotency check, not a re-read
    # Each recording's job looked up once (the name's queued already, the description's new).
    assert description.count("SELECT jobs") == 3  # and the SMS's


def test_a_reference_is_never_read_back_when_its_commit_fails(app, caller, monkeypatch):
    """Committed before it is spoken: a commit that fails says sorry, never a reference
    that was not stored."""
    from sqlalchemy.exc import OperationalError
    to_main_menu(caller, "fr")
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)

    def commit_fails():
        db.session.rollback()
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
    with app.app_context():
        monkeypatch.setattr(db.session, "commit", commit_fails)
        turn = caller.record(20)
    monkeypatch.undo()
    assert turn.status == 200 and "technical_problem" in turn.keys
    assert not any(key.startswith("digit_") for key in turn.keys)
    assert "case_filed" not in turn.keys
    assert count(app, Case) == 0


def test_an_error_on_our_side_apologises_in_twiml(app, caller, monkeypatch):
    import ivr.flow
    to_main_menu(caller, "fr")

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")
    monkeypatch.setitem(ivr.flow.STEPS, "main_menu",
                        ivr.flow.Step("main_menu", ivr.flow.says("main_menu"),
                                      ivr.flow.Keys(1), broken))
    turn = caller.press("1")
    assert turn.status == 200
    assert turn.prompts == [("fr", "technical_problem"), ("fr", "goodbye")]
    assert turn.find("Hangup") is not None


# -- status callbacks ---------------------------------------------------------------------
def test_the_status_callback_closes_the_call_record(app, caller):
    file_by_phone(caller)
    caller.hang_up(duration=95)
    call = call_row(app, caller.call_sid)
    assert call.ended_at is not None and call.duration_seconds == 95
    assert call.twilio_status == "completed" and call.outcome == "filed"


def test_a_caller_who_hangs_up_midway_is_counted_as_abandoned_where_they_left(app, caller):
    to_main_menu(caller)
    caller.press("1")
    caller.hang_up(duration=20)
    call = call_row(app, caller.call_sid)
    assert call.outcome == "abandoned" and call.answers["abandoned_at"] == "administration"


def test_replayed_and_late_status_callbacks_change_nothing(app, caller):
    to_main_menu(caller)
    caller.hang_up(duration=20)
    first = call_row(app, caller.call_sid)
    caller.hang_up(duration=99)
    caller.post("/ivr/status", {"CallStatus": "in-progress"})
    caller.hang_up(status="failed", duration=1)
    again = call_row(app, caller.call_sid)
    assert (again.ended_at, again.duration_seconds, again.twilio_status, again.outcome) == (
        first.ended_at, 20, "completed", "abandoned")


@pytest.mark.parametrize("duration, kept", [("9" * 500, 86_400), ("0" * 40 + "95", 95),
                                             ("\u00b2", None), ("-5", None), ("1e9", None)])
def test_an_odd_call_duration_is_clamped_and_the_call_still_closed(app, caller, duration,
                                                                    kept):
    file_by_phone(caller)
    turn = caller.post("/ivr/status", {"CallStatus": "completed", "CallDuration": duration},
                       keep=False)
    assert turn.status == 200 and turn.root.tag == "Response"
    call = call_row(app, caller.call_sid)
    assert call.ended_at is not None and call.duration_seconds == kept
    assert call.outcome == "filed"


def _queued(caller):
    to_main_menu(caller, "fr")
    turn = caller.press("0")
    assert turn.find("Enqueue") is not None, turn.xml


def test_an_endless_queue_time_leaves_the_queue(app, caller):
    _queued(caller)
    turn = caller.post(caller.enqueue.get("waitUrl"),
                       {"QueueTime": "9" * 5000, "QueuePosition": "1"}, keep=False)
    assert turn.status == 200 and turn.find("Leave") is not None


@pytest.mark.parametrize("position", ["9" * 5000, "\u0663", "12abc"])
def test_an_odd_queue_position_still_plays_the_hold_music(app, caller, position):
    _queued(caller)
    turn = caller.post(caller.enqueue.get("waitUrl"),
                       {"QueueTime": "\u0661", "QueuePosition": position}, keep=False)
    assert turn.status == 200 and turn.find("Leave") is None
    assert turn.root[-1].tag == "Play" and turn.root[-1].text.endswith("/ivr/hold.wav")


def test_an_endless_recording_duration_counts_as_a_recording(app, caller):
    to_main_menu(caller, "fr")
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    element = caller.turn.find("Record")
    turn = caller.post(element.get("action"), {
        "RecordingSid": "RE" + "7" * 32, "RecordingDuration": "9" * 5000,
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE7"})
    assert turn.status == 200 and "ask_description" in turn.keys


def test_a_status_callback_for_an_unknown_call_is_harmless(app, caller):
    turn = caller.hang_up()
    assert turn.status == 200 and count(app, Call) == 0 and count(app, Case) == 0


def test_nul_bytes_never_reach_the_database(app, caller):
    to_main_menu(caller, "fr")
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    turn = caller.post(caller.turn.find("Record").get("action"), {
        "RecordingSid": "RE\x00", "RecordingDuration": "5", "RecordingUrl": "https://x\x00"})
    assert turn.status == 200 and turn.keys == ["no_input", "ask_name"]
    turn = caller.post("/ivr/recording", {"RecordingSid": "RE\x00", "RecordingUrl": "\x00"})
    assert turn.status == 200


def test_random_garbage_on_every_webhook_never_gets_a_5xx(app, client):
    """A seeded fuzz: random subsets of Twilio's fields filled with digits, keypad symbols,
    Arabic digits, control bytes, emoji and letters, signed, posted to every webhook."""
    import random
    import string
    rng = random.Random(3737)
    steps = ["language", "main_menu", "administration", "confirm_administration", "phone",
             "name", "cin", "description", "filed", "reference", "verify_phone", "rating",
             "reopen_offer", "agent_unavailable", "voicemail", "nope"]
    paths = ["/ivr/voice", "/ivr/status", "/ivr/recording", "/ivr/queue/wait",
             "/ivr/queue/done"] + [f"/ivr/step/{s}?t={t}" for s in steps for t in (0, 1, 2, "x")]
    fields = ["CallSid", "From", "To", "Digits", "SpeechResult", "RecordingUrl", "RecordingSid",
              "RecordingDuration", "CallStatus", "CallDuration", "QueueResult", "QueuePosition",
              "QueueTime", "RecordingStatus"]
    alphabets = [string.digits, "#*", "٠١٢٣", "\x00\x7f", "é€😀", string.ascii_letters, " "]

    def garbage():
        return "".join(rng.choice(rng.choice(alphabets))
                       for _ in range(rng.choice([0, 1, 2, 4, 10, 40, 300])))
    for _ in range(400):
        form = {name: garbage() for name in rng.sample(fields, rng.randint(0, len(fields)))}
        if rng.random() < 0.7:
            form["CallSid"] = "CA%032d" % rng.randint(0, 4)
        path = rng.choice(paths)
        response = client.post(path, data=form, headers=signed(PUBLIC_BASE_URL + path, form))
        assert response.status_code == 200, (path, form)
        assert ET.fromstring(response.data).tag == "Response", (path, form)


def test_the_prompts_twilio_plays_are_served(client):
    with client.get("/ivr/prompts/ary/welcome.wav") as response:
        assert response.status_code == 200 and response.mimetype == "audio/wav"
        assert response.data[:4] == b"RIFF"
        assert response.headers["Cache-Control"] == "public, max-age=3600"
    with client.get("/ivr/hold.wav") as response:
        assert response.data[:4] == b"RIFF"


@pytest.mark.parametrize("path", ["/ivr/prompts/ary/nope.wav", "/ivr/prompts/xx/welcome.wav",
                                  "/ivr/prompts/ary/..%2F..%2Fsetup.wav",
                                  "/ivr/prompts/..%2Fvoice_prompts/languages.wav"])
def test_unknown_prompts_are_404_and_nothing_outside_the_folder_is_served(client, path):
    assert client.get(path).status_code == 404


def test_the_media_stream_is_not_plain_http(client):
    assert client.get("/ivr/media").status_code == 400


@pytest.mark.sqlite_only
def test_only_the_webhook_that_files_waits_for_the_disk(app, caller, monkeypatch):
    """Answers that only move the call on commit without waiting for an fsync (SQLite):
    50 callers dialling at once no longer wait for 50 in turn. The answer that files the
    case has it on disk (the write-ahead log synced) before its reference is read back."""
    from urllib.parse import urlsplit
    from shared import database
    with app.app_context():
        assert db.engine.dialect.name == "sqlite"
        db.session.remove()
        db.engine.dispose()  # fresh connections, at FULL: the spy below knows each level
    levels, by_connection, run = [], {}, database.run  # each connection has its level
    webhooks, synced, sync_wal, post = [], [], database.sync_wal, caller.transport.post

    def spy_run(cursor, sql):
        if sql.startswith("PRAGMA synchronous="):
            by_connection[cursor.connection] = sql.split("=")[1]
        elif sql == "BEGIN IMMEDIATE":
            levels.append(by_connection.get(cursor.connection, "FULL"))
        run(cursor, sql)

    def spy_sync_wal(info):
        synced.append(webhooks[-1])
        sync_wal(info)

    def spy_post(url, form, headers):
        webhooks.append(urlsplit(url).path)
        return post(url, form, headers)
    monkeypatch.setattr(database, "run", spy_run)
    monkeypatch.setattr(database, "sync_wal", spy_sync_wal)
    monkeypatch.setattr(caller.transport, "post", spy_post)
    turn = file_by_phone(caller)  # from the dial
    assert "case_filed" in turn.keys and webhooks[0] == "/ivr/voice"
    assert len(levels) >= len(webhooks) > 8 and set(levels) == {"NORMAL"}
    assert synced == ["/ivr/step/description"] == webhooks[-1:]


def dropped_connection() -> Exception:
    from sqlalchemy.exc import OperationalError
    return OperationalError("SELECT", {}, Exception("server closed the connection"),
                            connection_invalidated=True)


def test_a_webhook_that_meets_a_dropped_connection_runs_again_on_a_new_one(app, caller,
                                                                          monkeypatch):
    """Pooled connections are not pinged before use (a round trip per webhook): the one
    webhook that finds its connection dead (a database restart) runs once more."""
    import ivr.engine
    real, failures = ivr.engine.insert_call, []

    def insert_call(call):
        if not failures:
            failures.append(call.call_sid)
            raise dropped_connection()
        return real(call)
    monkeypatch.setattr(ivr.engine, "insert_call", insert_call)
    turn = caller.dial()
    assert failures and turn.status == 200 and "technical_problem" not in turn.keys
    assert "language_option" in turn.keys and count(app, Call) == 1


def test_a_connection_dropped_twice_is_an_apology_not_a_loop(app, caller, monkeypatch):
    import ivr.engine
    calls = []

    def insert_call(call):
        calls.append(call.call_sid)
        raise dropped_connection()
    monkeypatch.setattr(ivr.engine, "insert_call", insert_call)
    turn = caller.dial()
    assert turn.status == 200 and "technical_problem" in turn.keys and len(calls) == 2


@pytest.mark.postgresql_only
def test_after_a_database_restart_calls_go_on_without_an_apology(app, caller):
    """PostgreSQL: every pooled connection killed (as a restart does) between two webhooks."""
    from sqlalchemy import create_engine
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        url = db.engine.url
    to_main_menu(caller, "fr")
    outside = create_engine(url, poolclass=NullPool)  # not one of the app's connections
    with outside.connect() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    outside.dispose()
    assert killed >= 1
    turn = caller.press("1")
    assert turn.status == 200 and "technical_problem" not in turn.keys
