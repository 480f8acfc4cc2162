"""Spoken choices heard on the media stream (flow logic, with the scripted recogniser): the
stream is forked once from the start, each step publishes what it listens for, a confident
choice moves the live call through Twilio's REST API like the key it stands for, a key
pressed first wins, and what is misheard asks for the keypad."""
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from ivr.speech import choices
from ivr.speech.choices import ChoiceListener
from ivr.speech.models import SpeechModels
from tests.support.speech import FakeModel
from ivr.speech.recognizer import ScriptedRecognizer
from ivr.speech.recognizer import Segment
from tests.ivr.helpers import call_row
from tests.ivr.helpers import to_main_menu

CHUNK = bytes(3200)  # 200 ms of 8 kHz 16-bit audio


@pytest.fixture()
def said(app, config, monkeypatch, tmp_path):
    """SPEECH_INPUT=vosk with a (fake) French model; said("text", 0.9) scripts what the
    next recogniser created hears. Returns the list of scripts still to be used."""
    config(SPEECH_INPUT="vosk", SPEECH_MIN_CONFIDENCE=0.6, SPEECH_UPDATE_TIMEOUT_SECONDS=1)
    (tmp_path / "fr" / "am").mkdir(parents=True)
    (tmp_path / "fr" / "am" / "final.mdl").write_bytes(b"fake")
    models = SpeechModels(tmp_path, {"ary": "ar", "ar": None, "fr": None},
                          loader=lambda path: FakeModel())
    monkeypatch.setitem(app.extensions, "speech_models", models)
    scripts: list[list[Segment]] = []
    created: list[tuple[str, list[str]]] = []

    def recognizers(app, language, phrases):
        created.append((language, phrases))
        segments = scripts.pop(0) if scripts else []
        return ScriptedRecognizer([(len(CHUNK), segment) for segment in segments])
    monkeypatch.setitem(app.extensions, choices.RECOGNIZERS, recognizers)

    def script(text: str, confidence: float = 0.9):
        scripts.append([Segment(text, final=True, confidence=confidence)])
    script.created = created
    return script


def listener(app, caller, **kwargs) -> ChoiceListener:
    return ChoiceListener(app, caller.call_sid, poll_seconds=0, **kwargs)


def streams(turn) -> list:
    return [] if turn.root is None else turn.root.findall("./Start/Stream")


def update_url(fake_twilio, caller) -> str:
    [update] = fake_twilio.call_updates
    assert update["sid"] == caller.call_sid and update["form"]["Method"] == "POST"
    return update["form"]["Url"]


def test_a_choice_said_at_the_main_menu_moves_the_call_like_its_key(app, caller, said,
                                                                    fake_twilio):
    turn = to_main_menu(caller, "fr")
    [stream] = streams(turn)  # forked as soon as the language (with a model) is known
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params["call_sid"] == caller.call_sid and params["token"]
    action = turn.find("Gather").get("action")
    listening = call_row(app, caller.call_sid).listening
    assert listening["step"] == "main_menu" and listening["grammar"] == "main_menu"
    assert listening["language"] == "fr" and listening["action"] == action

    said("je veux faire une réclamation")
    listener(app, caller).feed(CHUNK)

    url = update_url(fake_twilio, caller)
    assert urlsplit(url).path == urlsplit(action).path
    query = parse_qs(urlsplit(url).query)
    assert query == {"t": [str(listening["turn"])], "said": ["complaint"]}
    turn = caller.post(url)  # Twilio fetches the new URL, signed (query included)
    assert turn.status == 200 and "ask_administration" in turn.keys, turn.xml
    call = call_row(app, caller.call_sid)
    assert call.step == "administration" and call.answers["kind"] == "complaint"
    assert streams(turn) == []  # one stream a call
    assert call.listening["grammar"] == "administrations"


def test_the_update_url_is_signed_by_twilio_like_any_webhook(app, caller, said, fake_twilio):
    to_main_menu(caller, "fr")
    said("réclamation")
    listener(app, caller).feed(CHUNK)
    url = update_url(fake_twilio, caller)
    assert caller.post(url, sign=False).status == 403
    forged = url.replace("said=complaint", "said=agent")
    signed = caller.validator.compute_signature(url, caller.params)
    status, _ = caller.transport.post(forged, caller.params, {"X-Twilio-Signature": signed})
    assert status == 403
    assert call_row(app, caller.call_sid).step == "main_menu"


def test_a_key_pressed_first_wins(app, caller, said, fake_twilio):
    to_main_menu(caller, "fr")
    said("réclamation")
    slow = listener(app, caller, clock=lambda: 0.0)
    slow._poll_seconds = 3600  # it read the state once and holds it
    slow.feed(b"")              # reads the main menu's turn, hears nothing yet
    caller.press("2")           # an observation, keyed before the speech ended
    slow.feed(CHUNK)            # the choice is heard now: the turn has moved on
    assert fake_twilio.call_updates == []
    assert call_row(app, caller.call_sid).answers["kind"] == "observation"


def test_a_late_update_is_ignored(app, caller, said, fake_twilio):
    to_main_menu(caller, "fr")
    said("réclamation")
    listener(app, caller).feed(CHUNK)
    url = update_url(fake_twilio, caller)
    caller.press("2")  # Twilio ran the key's action before the update
    turn = caller.post(url)
    call = call_row(app, caller.call_sid)
    assert turn.status == 200 and call.step == "administration"
    assert call.answers["kind"] == "observation" and streams(turn) == []


def test_an_update_for_a_past_turn_of_the_same_step_is_ignored(app, caller, said, fake_twilio):
    to_main_menu(caller, "fr")
    said("réclamation")
    listener(app, caller).feed(CHUNK)
    url = update_url(fake_twilio, caller)
    caller.press("9")  # the menu again: the same step, a new turn
    caller.post(url)
    call = call_row(app, caller.call_sid)
    assert call.step == "main_menu" and "kind" not in call.answers


@pytest.mark.parametrize("text, confidence", [("réclamation", 0.3), ("bonjour madame", 0.95)])
def test_a_choice_not_understood_asks_for_the_keypad_at_the_same_step(app, caller, said,
                                                                     fake_twilio, text,
                                                                     confidence):
    to_main_menu(caller, "fr")
    said(text, confidence)
    ear = listener(app, caller)
    ear.feed(CHUNK)
    url = update_url(fake_twilio, caller)
    assert parse_qs(urlsplit(url).query)["unclear"] == ["1"]
    turn = caller.post(url)
    assert turn.keys[:2] == ["speech_use_keypad", "main_menu"], turn.xml
    call = call_row(app, caller.call_sid)
    assert call.step == "main_menu" and call.retries == 0
    said(text, confidence)  # misheard again at this step: not asked twice (no prompt loop)
    ear.feed(CHUNK)
    assert len(fake_twilio.call_updates) == 1
    assert "ask_administration" in caller.press("1").keys  # the keypad works as ever


def test_an_administration_said_is_read_back_and_confirmed_with_1(app, caller, said,
                                                                  fake_twilio):
    to_main_menu(caller, "fr")
    caller.press("1")
    said("la CNSS")
    listener(app, caller).feed(CHUNK)
    url = update_url(fake_twilio, caller)
    assert parse_qs(urlsplit(url).query)["said"] == ["201"]
    turn = caller.post(url)
    assert turn.keys[0] == "you_chose" and turn.says and turn.keys[-1] == "confirm_choice"
    assert call_row(app, caller.call_sid).listening["grammar"] == "yes_no"
    assert "phone_ends_with" in caller.press("1").keys
    assert call_row(app, caller.call_sid).answers["administration"] == "201"


def test_yes_said_confirms_like_1(app, caller, said, fake_twilio):
    to_main_menu(caller, "fr")
    caller.press("1")
    caller.press("201")
    said("oui c'est ça")
    listener(app, caller).feed(CHUNK)
    turn = caller.post(update_url(fake_twilio, caller))
    assert "phone_ends_with" in turn.keys and call_row(app, caller.call_sid).step == \
        "confirm_phone"


def test_a_returning_caller_is_heard_from_the_language_menu(app, make_caller, said,
                                                            fake_twilio):
    to_main_menu(make_caller(), "fr")  # the number's language is remembered
    caller = make_caller()
    turn = caller.dial()
    assert len(streams(turn)) == 1
    assert call_row(app, caller.call_sid).listening["grammar"] == "language"
    said("en arabe")
    listener(app, caller).feed(CHUNK)
    turn = caller.post(update_url(fake_twilio, caller))
    call = call_row(app, caller.call_sid)
    assert call.language == "ar" and call.step == "main_menu"
    assert call.listening is None  # no model for Arabic: keys only, nothing listened for


def test_a_new_callers_language_menu_is_not_heard(app, caller, said, tmp_path):
    (tmp_path / "ar" / "am").mkdir(parents=True)  # Darija (on the Arabic model) too
    (tmp_path / "ar" / "am" / "final.mdl").write_bytes(b"fake")
    turn = caller.dial()
    assert streams(turn) == [] and call_row(app, caller.call_sid).listening is None
    turn = caller.press("7")  # retried in the first language (Darija): still not known
    assert streams(turn) == [] and call_row(app, caller.call_sid).listening is None
    turn = caller.press("1")
    assert len(streams(turn)) == 1
    assert call_row(app, caller.call_sid).listening["language"] == "ary"


def test_a_language_without_a_model_keeps_to_the_keypad_and_one_stream(app, caller, said):
    turn = to_main_menu(caller, "ar")
    assert streams(turn) == [] and call_row(app, caller.call_sid).listening is None
    assert "ask_administration_keypad" in caller.press("1").keys


def test_the_queue_does_not_fork_a_second_stream(app, caller, said):
    assert len(streams(to_main_menu(caller, "fr"))) == 1
    turn = caller.press("0")
    assert turn.find("Enqueue") is not None and streams(turn) == []
    assert call_row(app, caller.call_sid).listening is None


def test_without_a_model_the_queue_still_forks_the_stream(app, caller, said):
    to_main_menu(caller, "ar")
    turn = caller.press("0")
    assert turn.find("Enqueue") is not None and len(streams(turn)) == 1


@pytest.mark.parametrize("fault", ["fail", "stall"])
def test_a_failing_update_is_logged_and_the_keypad_still_works(app, caller, said, fake_twilio,
                                                               caplog, fault):
    to_main_menu(caller, "fr")
    if fault == "fail":
        fake_twilio.fail_next = [500]
    else:
        fake_twilio.stall_next, fake_twilio.stall_seconds = 1, 5
    said("réclamation")
    listener(app, caller).feed(CHUNK)
    assert "live update" in caplog.text and "failed" in caplog.text
    assert call_row(app, caller.call_sid).step == "main_menu"
    assert "ask_administration" in caller.press("1").keys


def test_an_ended_call_is_not_listened_to(app, caller, said, fake_twilio):
    to_main_menu(caller, "fr")
    caller.hang_up()
    said("réclamation")
    listener(app, caller).feed(CHUNK)
    assert fake_twilio.call_updates == [] and said.created == []


def test_the_listener_is_registered_only_where_speech_is_heard_offline(app, config, said):
    factory = choices.listener_for
    assert factory in app.extensions["stream_listeners"]
    assert isinstance(factory(app, "CA1", "fr"), ChoiceListener)
    config(SPEECH_INPUT="twilio")
    assert factory(app, "CA1", "fr") is None


def test_the_state_is_read_at_most_every_poll_interval(app, caller, said, monkeypatch):
    to_main_menu(caller, "fr")
    now = [0.0]
    ear = ChoiceListener(app, caller.call_sid, clock=lambda: now[0])
    reads = []
    real = ear._read_state
    monkeypatch.setattr(ear, "_read_state", lambda: reads.append(1) or real())
    for _ in range(5):
        ear.feed(CHUNK[:1600])
    now[0] += choices.POLL_SECONDS
    ear.feed(CHUNK[:1600])
    assert len(reads) == 2


@pytest.mark.parametrize("query", ["said=5", "said=%3Cscript%3E", "said=", "unclear=yes"])
def test_an_odd_spoken_choice_asks_for_the_keypad(app, caller, said, query):
    turn = to_main_menu(caller, "fr")
    action = turn.find("Gather").get("action")
    turn = caller.post(f"{action}&{query}")
    assert turn.status == 200 and turn.keys[:2] == ["speech_use_keypad", "main_menu"]
    assert call_row(app, caller.call_sid).step == "main_menu"


def test_the_vosk_recogniser_takes_what_is_outside_the_grammar_as_unk(app, said, monkeypatch):
    monkeypatch.setattr(choices, "VoskRecognizer", lambda model, phrases: phrases)
    assert choices.vosk_recognizer(app, "fr", ["oui", "non"]) == ["oui", "non", "[unk]"]
    assert choices.vosk_recognizer(app, "ar", ["نعم"]) is None  # no model: keys only
    assert choices.vosk_recognizer(app, "fr", []) is None
