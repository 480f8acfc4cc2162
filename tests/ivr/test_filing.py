"""Black-box calls that file cases, driven through the webhooks the way Twilio does."""
import datetime as dt

import pytest

from shared import legal
from shared import references
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel
from tests.ivr.conftest import LANDLINE
from tests.ivr.conftest import MOBILE
from tests.ivr.helpers import call_row
from tests.ivr.helpers import cases
from tests.ivr.helpers import digits_read
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import to_main_menu


@pytest.mark.parametrize("language", ["ary", "ar", "fr"])
@pytest.mark.parametrize("kind", ["complaint", "observation", "suggestion"])
def test_a_caller_files_a_case_and_hears_its_reference(app, caller, language, kind):
    turn = file_by_phone(caller, language=language, kind=kind)

    [case] = cases(app)
    assert case.kind is CaseKind(kind)
    assert case.channel is Channel.PHONE_IVR
    assert case.language == language
    assert case.administration.code == "201"
    assert case.status is CaseStatus.RECEIVED
    assert case.citizen_phone == MOBILE
    assert [event.action for event in case.events] == ["file"]
    assert case.events[0].actor == "ivr"
    # Read back digit by digit, in the caller's language, with the legal date.
    assert references.is_valid(case.reference)
    assert digits_read(turn) == case.reference
    assert {lang for lang, _ in turn.prompts} == {language}
    due = legal.local_date(dt.datetime.now(dt.timezone.utc)) + dt.timedelta(days=60)
    assert case.reply_due_on == due
    assert turn.keys[turn.keys.index("reply_due") + 1:][:2] == [
        f"number_{due.day}", f"month_{due.month}"]
    assert "sms_will_follow" in turn.keys
    # The read-back listens for 1 to repeat.
    assert turn.find("Gather") is not None


def test_a_complaint_asks_for_the_cin_and_keeps_its_digits_for_an_agent(app, caller):
    file_by_phone(caller, kind="complaint", cin="654321")
    [case] = cases(app)
    assert case.citizen_cin == "654321"
    assert "cin" in case.pending_fields and "name" in case.pending_fields
    assert "654321" not in str(call_row(app, caller.call_sid).answers)  # on the case only


def test_an_observation_does_not_ask_for_the_cin(app, caller):
    file_by_phone(caller, kind="observation")
    [case] = cases(app)
    assert case.citizen_cin is None
    assert "cin" not in case.pending_fields
    assert not any("ask_cin" in turn.keys for turn in caller.history)


def test_hash_alone_skips_the_cin(app, caller):
    to_main_menu(caller)
    for keys in ("1", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    turn = caller.press("")  # '#' alone: Twilio posts empty Digits (actionOnEmptyResult)
    assert "ask_description" in turn.keys
    caller.record(10)
    [case] = cases(app)
    assert case.citizen_cin is None and "cin" in case.pending_fields


def test_a_wrong_cin_is_asked_again(app, caller):
    to_main_menu(caller)
    for keys in ("1", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    turn = caller.press("12345678")
    assert turn.keys[:2] == ["cin_invalid", "ask_cin"]


def test_pressing_one_repeats_the_reference(app, caller):
    turn = file_by_phone(caller)
    again = caller.press("1")
    assert digits_read(again) == digits_read(turn)
    assert caller.press("").keys == ["ask_survey"]
    assert len(cases(app)) == 1


def test_silence_after_the_read_back_says_goodbye_and_hangs_up(app, caller):
    file_by_phone(caller)
    turn = caller.silence()
    assert turn.keys == ["ask_survey"]  # the post-call survey first
    turn = caller.silence()
    assert turn.keys == ["no_input", "ask_survey"]
    turn = caller.silence()
    assert turn.keys == ["goodbye"] and turn.find("Hangup") is not None


def test_the_case_is_committed_before_the_reference_is_spoken(app, caller):
    turn = file_by_phone(caller)
    # The response exists only after the commit: another connection already sees the case.
    assert [case.reference for case in cases(app)] == [digits_read(turn)]
    call = call_row(app, caller.call_sid)
    assert call.outcome == "filed" and call.case_id is not None


def test_the_caller_can_key_another_number(app, caller):
    to_main_menu(caller, "fr")
    caller.press("2")
    caller.press("201")
    turn = caller.press("1")
    assert turn.keys[0] == "phone_ends_with"
    assert turn.keys[1:5] == ["digit_5", "digit_6", "digit_7", "digit_8"]
    assert "ask_phone" in caller.press("2").keys
    assert "phone_invalid" in caller.press("12").keys
    assert "ask_name" in caller.press("0661000000").keys
    caller.record(3)
    caller.record(10)
    [case] = cases(app)
    assert case.citizen_phone == "+212661000000"


def test_an_anonymous_caller_is_asked_for_a_number(app, make_caller):
    caller = make_caller(caller="anonymous")
    to_main_menu(caller)
    caller.press("1")
    caller.press("201")
    assert caller.press("1").keys == ["ask_phone"]


def test_no_sms_is_promised_to_a_landline(app, make_caller):
    turn = file_by_phone(make_caller(caller=LANDLINE))
    assert "sms_will_follow" not in turn.keys


def test_the_administration_is_read_back_and_can_be_chosen_again(app, caller):
    to_main_menu(caller, "fr")
    caller.press("1")
    turn = caller.press("201")
    assert turn.keys == ["you_chose", "confirm_choice"]
    assert turn.says == [("fr-FR", "Caisse nationale de sécurité sociale")]
    assert caller.press("2").keys == ["ask_administration"]


@pytest.mark.parametrize("language, voice, name", [
    ("fr", "fr-FR", "Caisse nationale de sécurité sociale"),
    ("ar", "arb", "الصندوق الوطني للضمان الاجتماعي"),
    # Darija has no voice: the Arabic name, by the Arabic voice (never a French name).
    ("ary", "arb", "الصندوق الوطني للضمان الاجتماعي")])
def test_the_name_is_said_in_the_callers_language_by_its_voice(app, caller, language, voice,
                                                                 name):
    to_main_menu(caller, language)
    caller.press("1")
    turn = caller.press("201")
    assert turn.says == [(voice, name)]


def test_an_unknown_code_is_asked_again_then_an_agent_is_offered(app, caller):
    to_main_menu(caller)
    caller.press("1")
    assert caller.press("999").keys == ["administration_unknown", "ask_administration"]
    assert caller.press("998").keys == ["administration_unknown", "ask_administration"]
    turn = caller.press("997")
    assert turn.keys == ["agent_connecting"] and turn.find("Enqueue") is not None


@pytest.mark.parametrize("language, said", [
    ("ary", "بغيت نشكي على الضمان الاجتماعي"),
    ("fr", "la CNSS s'il vous plaît"),
])
def test_the_administration_can_be_said(app, caller, language, said):
    to_main_menu(caller, language)
    turn = caller.press("1")
    gather = turn.find("Gather")
    assert gather.get("input") == "dtmf speech"
    turn = caller.speak(said)
    assert turn.keys == ["you_chose", "confirm_choice"]
    caller.press("1")
    call = call_row(app, caller.call_sid)
    assert call.answers["administration"] == "201"


def test_speech_is_off_when_configured(app, caller, config):
    config(SPEECH_INPUT="off")
    to_main_menu(caller)
    turn = caller.press("1")
    assert turn.keys == ["ask_administration_keypad"]
    assert turn.find("Gather").get("input") == "dtmf"


def test_silence_instead_of_a_description_is_asked_again_then_an_agent(app, caller):
    to_main_menu(caller)
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    assert caller.silence().keys == ["description_missing", "ask_description"]
    assert caller.silence().keys == ["description_missing", "ask_description"]
    assert caller.silence().find("Enqueue") is not None
    assert cases(app) == []


def test_a_replayed_recording_webhook_files_one_case(app, caller):
    to_main_menu(caller)
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    record = caller.turn.find("Record")
    form = {"RecordingSid": "RE" + "7" * 32, "RecordingDuration": "12",
            "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE7"}
    first = caller.post(record.get("action"), form)
    second = caller.post(record.get("action"), form)
    assert first.xml == second.xml
    assert len(cases(app)) == 1


def test_a_late_webhook_for_an_earlier_step_changes_nothing(app, caller):
    to_main_menu(caller)
    menu_action = caller.turn.find("Gather").get("action")
    caller.press("1")
    turn = caller.post(menu_action, {"Digits": "4"})  # a straggler of the main menu
    assert turn.keys == ["ask_administration"]
    assert call_row(app, caller.call_sid).step == "administration"


def test_an_administration_deactivated_during_the_call_loses_nothing(app, caller):
    from shared.extensions import db
    from shared.models import Administration
    to_main_menu(caller, "fr")
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    with app.app_context():
        db.session.query(Administration).filter_by(code="201").update({"active": False})
        db.session.commit()
    try:
        turn = caller.record(20)
        [case] = cases(app)
        assert digits_read(turn) == case.reference
        assert case.administration is None and "administration" in case.pending_fields
    finally:
        with app.app_context():
            db.session.query(Administration).filter_by(code="201").update({"active": True})
            db.session.commit()


def test_concurrent_retries_of_the_filing_webhook_file_one_case(app, make_caller):
    """Twilio retries a slow webhook: the copies may arrive together, on any thread."""
    import threading
    from ivr.simulator import FlaskTransport
    from ivr.simulator import parse
    caller = make_caller()
    to_main_menu(caller, "fr")
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    action = caller.turn.find("Record").get("action")
    form = {"RecordingSid": "RE" + "5" * 32, "RecordingDuration": "12",
            "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE5"}
    form = {**caller.params, **form}
    headers = {"X-Twilio-Signature": caller.validator.compute_signature(action, form)}
    answers, barrier = [], threading.Barrier(5)

    def post():
        transport = FlaskTransport(app.test_client())  # each retry its own HTTP request
        barrier.wait()
        answers.append(parse(*transport.post(action, form, headers)))
    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [turn.status for turn in answers] == [200] * 5
    assert len({turn.xml for turn in answers}) == 1
    [case] = cases(app)
    assert digits_read(answers[0]) == case.reference
