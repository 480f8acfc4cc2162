"""SPEECH_INPUT: which languages take spoken administration names and how <Gather> listens,
and what start-up and /healthz say about the installed models (nothing loaded to say so)."""
import logging

import pytest

from ivr.speech.models import SpeechModels
from shared.app import create_app
from shared.config import ConfigError
from shared.config import load_config
from tests.ivr.helpers import call_row
from tests.ivr.helpers import to_main_menu

FALLBACKS = {"ary": "ar", "ar": None, "fr": None}


def fake_model(models_dir, language):
    """A folder that looks like a vosk model (tests here never load one)."""
    (models_dir / language / "am").mkdir(parents=True)
    (models_dir / language / "am" / "final.mdl").write_bytes(b"fake")


def never_load(path):
    raise AssertionError(f"a model was loaded: {path}")


@pytest.fixture()
def models(app, tmp_path, monkeypatch):
    """models("fr", ...): those languages have a model folder in this app, for this test."""
    def install(*languages):
        for language in languages:
            fake_model(tmp_path, language)
        monkeypatch.setitem(app.extensions, "speech_models",
                            SpeechModels(tmp_path, FALLBACKS, loader=never_load))
    return install


@pytest.mark.parametrize("mode", ["auto", "vosk", "twilio", "off"])
def test_the_four_modes_are_read_from_the_environment(tmp_path, mode):
    assert load_config(tmp_path, {"SPEECH_INPUT": mode})["SPEECH_INPUT"] == mode


def test_auto_is_the_default(tmp_path):
    assert load_config(tmp_path, {})["SPEECH_INPUT"] == "auto"


@pytest.mark.parametrize("mode", ["vosk ", "Twilio", "on", "google"])
def test_any_other_mode_refuses_to_start(tmp_path, mode):
    with pytest.raises(ConfigError, match="SPEECH_INPUT"):
        load_config(tmp_path, {"SPEECH_INPUT": mode})


@pytest.mark.parametrize("mode", ["auto", "vosk"])
def test_offline_modes_take_speech_where_a_model_is_and_gather_keys_only(
        app, caller, config, models, mode):
    config(SPEECH_INPUT=mode)
    models("fr")
    to_main_menu(caller, "fr")
    turn = caller.press("1")
    assert turn.keys == ["ask_administration"]
    gather = turn.find("Gather")
    assert gather.get("input") == "dtmf" and gather.get("language") is None


@pytest.mark.parametrize("mode", ["auto", "vosk"])
def test_offline_modes_keep_a_language_without_a_model_on_the_keypad(
        app, caller, config, models, mode):
    config(SPEECH_INPUT=mode)
    models("fr")
    to_main_menu(caller, "ar")
    assert caller.press("1").keys == ["ask_administration_keypad"]


def test_darija_speaks_through_the_arabic_model(app, caller, config, models):
    config(SPEECH_INPUT="auto")
    models("ar")
    to_main_menu(caller, "ary")
    assert caller.press("1").keys == ["ask_administration"]


def test_a_name_heard_offline_is_matched_like_a_keyed_code(app, caller, config, models):
    config(SPEECH_INPUT="auto")
    models("fr")
    to_main_menu(caller, "fr")
    caller.press("1")
    assert caller.speak("la CNSS").keys == ["you_chose", "confirm_choice"]
    caller.press("1")
    assert call_row(app, caller.call_sid).answers["administration"] == "201"


def test_speech_in_a_language_without_a_model_is_not_taken(app, caller, config, models):
    config(SPEECH_INPUT="auto")
    models("fr")
    to_main_menu(caller, "ar")
    caller.press("1")
    assert caller.speak("الضمان الاجتماعي").keys == ["administration_unknown",
                                                     "ask_administration_keypad"]


def test_twilio_mode_is_unchanged_model_or_not(app, caller, config, models):
    config(SPEECH_INPUT="twilio")
    models("fr")
    to_main_menu(caller, "ar")
    gather = caller.press("1").find("Gather")
    assert gather.get("input") == "dtmf speech" and gather.get("language") == "ar-MA"


def test_off_means_keypad_even_with_a_model(app, caller, config, models):
    config(SPEECH_INPUT="off")
    models("fr", "ar")
    to_main_menu(caller, "fr")
    turn = caller.press("1")
    assert turn.keys == ["ask_administration_keypad"]
    assert turn.find("Gather").get("input") == "dtmf"
    assert caller.speak("la CNSS").keys == ["administration_unknown",
                                            "ask_administration_keypad"]


def test_the_health_line_says_which_languages_have_a_model_without_loading_one(
        client, config, models):
    config(SPEECH_INPUT="auto")
    models("ar")
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["speech_input"] == "auto"
    assert health["speech"] == {"ary": "installed", "ar": "installed", "fr": "missing"}


def start(tmp_path, **environ):
    return create_app(environ={"INSTANCE_PATH": str(tmp_path), **environ})


def test_start_up_says_which_languages_have_speech(tmp_path, caplog):
    fake_model(tmp_path / "models", "fr")
    with caplog.at_level(logging.INFO, logger="shared.app"):
        start(tmp_path, SPEECH_INPUT="auto")
    assert "speech input auto" in caplog.text
    assert "ary missing, ar missing, fr installed" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_vosk_mode_logs_an_error_for_each_language_without_a_model(tmp_path, caplog):
    fake_model(tmp_path / "models", "fr")
    with caplog.at_level(logging.INFO, logger="shared.app"):
        start(tmp_path, SPEECH_INPUT="vosk")
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert errors[0].startswith("SPEECH_INPUT=vosk but ary has no model")
    assert errors[1].startswith("SPEECH_INPUT=vosk but ar has no model")
