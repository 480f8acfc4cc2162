"""The one-key post-call survey ("rate this call, 1 to 5"), in the caller's language: after
a filing or a follow-up, before goodbye, and after an agent's leg ends; a wrong key is asked
again once, then goodbye with nothing kept; an answer is kept once."""
import pytest
from sqlalchemy import update

from ivr.prompts import catalogue
from shared.extensions import db
from shared.models import Call
from tests.ivr.helpers import call_row
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import to_main_menu


def to_survey(caller, language="ary"):
    file_by_phone(caller, language)
    turn = caller.silence()  # nothing more after the read-back
    assert turn.keys == ["ask_survey"] and turn.find("Gather").get("numDigits") == "1"
    return turn


@pytest.mark.parametrize("language", ["ary", "ar", "fr"])
def test_a_rating_is_kept_on_the_call_and_thanked(app, caller, language):
    to_survey(caller, language)
    turn = caller.press("4")
    assert turn.keys == ["survey_thanks", "goodbye"] and turn.find("Hangup") is not None
    call = call_row(app, caller.call_sid)
    assert call.survey_rating == 4 and call.surveyed_at is not None
    assert call.language == language


def test_the_prompts_exist_in_the_three_languages():
    for language in ("ary", "ar", "fr"):
        for key in ("ask_survey", "survey_thanks"):
            assert catalogue().text(key, language)
            assert catalogue().audio_path(key, language) is not None, (key, language)
    assert "1" in catalogue().text("ask_survey", "fr") and "5" in catalogue().text("ask_survey", "fr")


def test_a_wrong_key_is_asked_again_once_then_goodbye_with_nothing_kept(app, caller):
    to_survey(caller)
    assert caller.press("7").keys == ["invalid_choice", "ask_survey"]
    turn = caller.press("9")
    assert turn.keys == ["goodbye"] and turn.find("Hangup") is not None
    assert call_row(app, caller.call_sid).survey_rating is None


def test_a_wrong_key_then_a_rating_keeps_the_rating(app, caller):
    to_survey(caller)
    caller.press("0")
    assert caller.press("2").keys == ["survey_thanks", "goodbye"]
    assert call_row(app, caller.call_sid).survey_rating == 2


def test_a_replayed_answer_is_kept_once(app, caller):
    turn = to_survey(caller)
    action = turn.find("Gather").get("action")
    caller.press("5")
    caller.post(action, {"Digits": "1"})  # Twilio retries, or a stale page of the flow
    assert call_row(app, caller.call_sid).survey_rating == 5


def test_an_answer_already_kept_is_never_replaced():
    """However the survey is reached again (a late leg's end, a stale request), the first
    answer stays."""
    from ivr.flow import Heard
    from ivr.flow import take_survey
    call = Call(call_sid="CAx", step="survey", retries=0, answers={}, survey_rating=3)
    assert take_survey(call, Heard(digits="5"), env=None) == "goodbye"
    assert call.survey_rating == 3


def queued_with_agent(app, make_caller, agent_id):
    caller = make_caller()
    to_main_menu(caller, "fr")
    assert caller.press("0").find("Enqueue") is not None
    with app.app_context():
        db.session.execute(update(Call).where(Call.call_sid == caller.call_sid)
                           .values(agent_id=agent_id))
        db.session.commit()
    return caller


@pytest.fixture()
def agent_id(app):
    from shared.models import User
    from shared.types import Role
    with app.app_context():
        user = User(username="salma", display_name="Salma", role=Role.AGENT, languages=[])
        user.set_password("unused password 3737")
        db.session.add(user)
        db.session.commit()
        return user.id


def test_the_agents_leg_ending_leads_the_caller_to_the_survey(app, make_caller, agent_id):
    caller = queued_with_agent(app, make_caller, agent_id)
    dial = caller.post(f"/ivr/agent/connect?agent={agent_id}")
    assert dial.find("Dial").get("action").endswith("/ivr/agent/done")
    turn = caller.post(dial.find("Dial").get("action"), {"DialCallStatus": "completed"})
    assert turn.keys == ["ask_survey"]
    assert caller.press("5").keys == ["survey_thanks", "goodbye"]
    assert call_row(app, caller.call_sid).survey_rating == 5


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_no_survey_when_the_agent_never_answered(app, make_caller, agent_id, status):
    caller = queued_with_agent(app, make_caller, agent_id)
    turn = caller.post("/ivr/agent/done", {"DialCallStatus": status})
    assert turn.keys == [] and turn.find("Hangup") is not None


def test_no_survey_for_a_call_no_agent_took(app, caller):
    to_main_menu(caller, "fr")
    turn = caller.post("/ivr/agent/done", {"DialCallStatus": "completed"})
    assert turn.find("Hangup") is not None and turn.keys == []


def test_the_agents_leg_end_is_refused_unsigned(caller):
    assert caller.post("/ivr/agent/done", {"DialCallStatus": "completed"}, sign=False).status \
        == 403
