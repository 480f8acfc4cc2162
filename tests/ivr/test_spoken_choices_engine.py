"""A spoken yes on the real vosk engine: "네" (espeak-ng's Korean voice; the Korean test
model stands in for French here, whose yes/no grammar is given "네" as yes) fed through the
spoken-choice listener in 100 ms chunks confirms the administration, as key 1 would."""
import json
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from ivr.speech import grammars
from ivr.speech.choices import ChoiceListener
from ivr.speech.models import SpeechModels
from tests.ivr.helpers import call_row
from tests.ivr.helpers import to_main_menu
from tests.support.speech import YES
from tests.support.speech import install_test_model
from tests.support.speech import korean_speech

pytestmark = pytest.mark.slow
CHUNK = 1600  # 100 ms of 8 kHz 16-bit PCM, what the media-stream workers hand over


@pytest.fixture()
def korean_as_french(app, config, monkeypatch, tmp_path):
    """The Korean model as the French one, and French yes/no grammar with "네" as yes."""
    config(SPEECH_INPUT="vosk")
    models = SpeechModels(install_test_model(tmp_path / "models", "fr"),
                          {"ary": "ar", "ar": None, "fr": None})
    monkeypatch.setitem(app.extensions, "speech_models", models)
    folder = tmp_path / "grammars"
    for language in ("ary", "ar", "fr"):
        (folder / language).mkdir(parents=True)
        for path in (grammars.STATIC_DIR / language).glob("*.json"):
            (folder / language / path.name).write_text(path.read_text(encoding="utf-8"),
                                                       encoding="utf-8")
    yes_no = json.loads((folder / "fr" / "yes_no.json").read_text(encoding="utf-8"))
    yes_no["yes"].append(YES)
    yes_no["no"].append("아니요")
    (folder / "fr" / "yes_no.json").write_text(json.dumps(yes_no, ensure_ascii=False),
                                               encoding="utf-8")
    monkeypatch.setattr(grammars, "STATIC_DIR", folder)


def test_yes_said_in_korean_on_the_real_engine_confirms_the_administration(
        app, caller, korean_as_french, fake_twilio):
    to_main_menu(caller, "fr")
    caller.press("1")
    turn = caller.press("201")
    assert "confirm_choice" in turn.keys
    ear = ChoiceListener(app, caller.call_sid, poll_seconds=0)  # the real vosk recogniser
    speech = korean_speech(YES)
    for start in range(0, len(speech), CHUNK):
        ear.feed(speech[start:start + CHUNK])
    ear.close()

    [update] = fake_twilio.call_updates
    url = update["form"]["Url"]
    assert parse_qs(urlsplit(url).query)["said"] == ["yes"]
    assert "phone_ends_with" in caller.post(url).keys
    assert call_row(app, caller.call_sid).step == "confirm_phone"
