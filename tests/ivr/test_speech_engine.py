"""The speech foundation on the real vosk engine: models loaded once and shared, fallbacks,
broken models, free-form and grammar recognition, and the mu-law table."""
import threading
from pathlib import Path

import numpy as np
import pytest

from ivr.speech import mulaw
from ivr.speech.models import SpeechModels
from ivr.speech.models import load_vosk_model
from ivr.speech.recognizer import ScriptedRecognizer
from ivr.speech.recognizer import Segment
from ivr.speech.recognizer import VoskRecognizer
from ivr.speech.recognizer import grammar_json
from tests.support.speech import YES
from tests.support.speech import heard_yes
from tests.support.speech import install_test_model
from tests.support.speech import korean_speech

FALLBACKS = {"ary": "ar", "ar": None, "fr": None}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return SpeechModels(install_test_model(tmp_path_factory.mktemp("models"), "fr", "ar"),
                        FALLBACKS)


def recognise(recognizer, pcm: bytes, chunk: int = 1600) -> list[Segment]:
    segments = []
    for start in range(0, len(pcm), chunk):
        segments += recognizer.feed(pcm[start:start + chunk])
    return segments + recognizer.finish()


def test_a_language_without_a_folder_uses_its_fallbacks_model(models):
    assert models.languages() == ["ary", "ar", "fr"]
    assert models.path_for("ary") == models.directory / "ar"
    assert models.get("ary") is models.get("ar")  # one model in memory for both


def test_no_model_no_speech(tmp_path):
    models = SpeechModels(install_test_model(tmp_path, "fr"), FALLBACKS)
    assert models.languages() == ["fr"] and models.get("ar") is None
    assert [s.state for s in models.status()] == ["missing", "missing", "installed"]


def test_a_model_is_loaded_once_however_many_ask_at_once(tmp_path):
    loads = []

    def loader(path: Path):
        loads.append(path)
        return object()
    models = SpeechModels(install_test_model(tmp_path, "fr"), FALLBACKS, loader=loader)
    got = []
    threads = [threading.Thread(target=lambda: got.append(models.get("fr"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len({id(model) for model in got}) == 1


def test_a_broken_model_is_reported_and_never_raises(tmp_path, caplog):
    broken = tmp_path / "fr" / "am"
    broken.mkdir(parents=True)
    (broken / "final.mdl").write_bytes(b"not a model")
    models = SpeechModels(tmp_path, FALLBACKS, loader=load_vosk_model)
    assert models.get("fr") is None and models.get("fr") is None
    assert models.languages() == []
    assert [s.state for s in models.status()][-1] == "broken"
    assert "cannot be loaded" in caplog.text


def test_free_speech_is_recognised_partial_then_final(models):
    segments = recognise(VoskRecognizer(models.get("fr")), korean_speech(YES))
    finals = [s for s in segments if s.final]
    assert len(finals) == 1 and heard_yes(finals[0].text)
    assert 0 < finals[0].start < finals[0].end and 0 < finals[0].confidence <= 1
    assert segments.index(finals[0]) > 0 and not segments[0].final  # partials came first


def test_a_grammar_keeps_to_its_phrases(models):
    segments = recognise(VoskRecognizer(models.get("fr"), ["네", "아니요"]), korean_speech(YES))
    assert [s.text for s in segments if s.final] == [YES]


def test_grammar_phrases_are_not_ascii_escaped():
    assert grammar_json(["네", "아니요", "네"]) == '["네", "아니요"]'


def test_silence_gives_no_final(models):
    assert [s for s in recognise(VoskRecognizer(models.get("fr")), bytes(16000)) if s.final] == []


def test_the_mulaw_table_is_g711():
    # Known points of G.711 mu-law: 0xFF and 0x7F are zero, 0x00 and 0x80 the extremes.
    pcm = np.frombuffer(mulaw.to_pcm16(bytes([0xFF, 0x7F, 0x00, 0x80])), dtype="<i2")
    assert pcm.tolist() == [0, 0, -32124, 32124]
    speech = korean_speech(YES)
    round_trip = np.frombuffer(mulaw.to_pcm16(mulaw.from_pcm16(speech)), dtype="<i2")
    error = np.abs(round_trip.astype(int) - np.frombuffer(speech, dtype="<i2"))
    assert error.max() <= 1024 and len(round_trip) * 2 == len(speech)


def test_the_scripted_recognizer_says_its_lines_on_time():
    fake = ScriptedRecognizer([(3200, Segment("yes", final=True)),
                               (1600, Segment("y", final=False))])
    assert fake.feed(bytes(1000)) == []
    assert fake.feed(bytes(1000)) == [Segment("y", final=False)]
    assert fake.feed(bytes(1600)) == [Segment("yes", final=True)]
    assert fake.finish() == []
