"""Personal data on call rows: cleared when the call ends, and retention of what the line
keeps about callers (calls, caller preferences, callback requests)."""
import datetime as dt

from sqlalchemy import func
from sqlalchemy import select

from shared.extensions import db
from shared.jobs import run_pending
from shared.models import Call
from shared.models import CallbackRequest
from shared.models import CallerPreference
from tests.ivr.conftest import MOBILE
from tests.ivr.helpers import call_row
from tests.ivr.helpers import cases
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import to_main_menu
from tests.ivr.test_followup import follow
from tests.ivr.test_followup import make_case

REPLY = "Votre dossier est réglé."


def abandon_after_the_cin(caller):
    to_main_menu(caller, "fr")
    for keys in ("1", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    caller.press("123456")
    assert "ask_description" in caller.turn.keys
    caller.hang_up(duration=70)


def test_an_abandoned_call_keeps_no_cin_phone_or_recording_url(app, caller):
    abandon_after_the_cin(caller)
    call = call_row(app, caller.call_sid)
    assert call.outcome == "abandoned" and call.answers["abandoned_at"] == "description"
    assert call.duration_seconds == 70 and call.ended_at is not None
    assert "cin_digits" not in call.answers and "phone" not in call.answers
    assert call.answers["name_recording"] == {"sid": caller.last_recording_sid}
    stored = repr((call.answers, call.last_response, call.last_request_key))
    assert "123456" not in stored and MOBILE[4:] not in stored and "http" not in stored


def test_a_follow_up_call_keeps_no_reply_text(app, caller):
    turn = follow(caller, make_case(app, ("transmit", "answer")))
    assert REPLY in turn.xml
    with app.app_context():
        assert REPLY in db.session.scalar(select(Call.last_response))
    caller.hang_up()
    call = call_row(app, caller.call_sid)
    assert call.outcome == "followed_up" and call.last_response is None
    assert REPLY not in repr(call.answers)


def test_a_webhook_after_the_call_ended_hangs_up_and_stores_nothing(app, caller):
    to_main_menu(caller, "fr")
    action = caller.turn.find("Gather").get("action")
    caller.hang_up()
    turn = caller.post(action, {"Digits": "4"})
    assert turn.status == 200 and turn.find("Hangup") is not None and turn.keys == []
    call = call_row(app, caller.call_sid)
    assert call.step == "main_menu" and call.last_response is None


def test_recordings_are_still_stored_after_the_call_ended(app, caller, fake_twilio):
    file_by_phone(caller)
    caller.hang_up()
    run_pending(app)
    [case] = cases(app)
    assert case.recording_path and case.name_recording_path


# -- retention ------------------------------------------------------------------------------
def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_old_calls_are_anonymised_and_keep_their_outcome(app, caller):
    from ivr.retention import anonymise_calls
    file_by_phone(caller)  # the call is still going: its read-back is kept for retries
    with app.app_context():
        started = call_row(app, caller.call_sid).started_at
        assert anonymise_calls(db.session, 90, started + dt.timedelta(days=89)) == 0
        assert anonymise_calls(db.session, 90, started + dt.timedelta(days=91)) == 1
        db.session.commit()
    call = call_row(app, caller.call_sid)
    assert call.caller is None and call.last_response is None and "phone" not in call.answers
    assert call.outcome == "filed" and call.case_id is not None


def test_old_preferences_and_callback_requests_are_deleted(app, session):
    from ivr.retention import delete_callback_requests
    from ivr.retention import delete_caller_preferences
    now = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    session.add_all([
        CallerPreference(phone="+212600000001", language="fr",
                         updated_at=now - dt.timedelta(days=366)),
        CallerPreference(phone="+212600000002", language="ar",
                         updated_at=now - dt.timedelta(days=10)),
        CallbackRequest(phone="+212600000001", language="fr", call_sid="CA1",
                        requested_at=now - dt.timedelta(days=91)),
        CallbackRequest(phone="+212600000002", language="fr", call_sid="CA2",
                        requested_at=now - dt.timedelta(days=1))])
    session.flush()
    assert delete_caller_preferences(session, 365, now) == 1
    assert delete_callback_requests(session, 90, now) == 1
    session.commit()
    assert session.scalars(select(CallerPreference.phone)).all() == ["+212600000002"]
    assert session.scalars(select(CallbackRequest.call_sid)).all() == ["CA2"]


def test_the_daily_command_applies_every_period(app, caller, config):
    abandon_after_the_cin(caller)
    config(CALL_RETENTION_DAYS=0, CALLER_PREFERENCE_RETENTION_DAYS=0, CALLBACK_RETENTION_DAYS=0)
    with app.app_context():
        db.session.add(CallbackRequest(phone=MOBILE, language="fr", call_sid="CA9",
                                       requested_at=dt.datetime(2020, 1, 1,
                                                                tzinfo=dt.timezone.utc)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["ivr", "purge-recordings"])
    assert result.exit_code == 0, result.output
    assert "calls anonymised: 1" in result.output
    assert "caller preferences deleted: 1" in result.output
    assert "callback requests deleted: 1" in result.output
    with app.app_context():
        assert _count(CallerPreference) == 0 and _count(CallbackRequest) == 0
        assert db.session.scalar(select(Call.caller)) is None


def test_retention_periods_come_from_the_environment(tmp_path):
    from shared.config import load_config
    config = load_config(tmp_path, {"CALL_RETENTION_DAYS": "30",
                                    "CALLER_PREFERENCE_RETENTION_DAYS": "180",
                                    "CALLBACK_RETENTION_DAYS": "7"})
    assert (config["CALL_RETENTION_DAYS"], config["CALLER_PREFERENCE_RETENTION_DAYS"],
            config["CALLBACK_RETENTION_DAYS"]) == (30, 180, 7)
    defaults = load_config(tmp_path, {})
    assert (defaults["CALL_RETENTION_DAYS"], defaults["CALLER_PREFERENCE_RETENTION_DAYS"],
            defaults["CALLBACK_RETENTION_DAYS"]) == (90, 365, 90)
