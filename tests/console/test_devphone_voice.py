"""The dev phone's caller speaks while queued: the audio goes over the call's media stream
(opened at the first words, signed like Twilio's), and the agent's live transcript of the
call gets it (vosk's real engine, with the Korean test model as the French one)."""
import io
import time
from urllib.parse import urlsplit

import pytest
import soundfile

from ivr import media_stream
from ivr.speech.models import SpeechModels
from ivr.speech.pipeline import RecognitionPool
from shared.extensions import db
from shared.models import Call
from shared.models import TranscriptSegment
from tests.console.devphone_helpers import CALLS
from tests.console.devphone_helpers import fresh_devphone
from tests.console.devphone_helpers import ok
from tests.console.devphone_helpers import queued
from tests.console.devphone_helpers import speak
from tests.support.speech import YES
from tests.support.speech import heard_yes
from tests.support.speech import install_test_model
from tests.support.speech import korean_speech

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def devphone(app, monkeypatch):
    return fresh_devphone(app, monkeypatch)


@pytest.fixture()
def speech(app, config, monkeypatch, tmp_path):
    """French speech on, with the test model, and a pool of its own."""
    models = SpeechModels(install_test_model(tmp_path / "models", "fr"), {"fr": None})
    config(SPEECH_INPUT="auto", SPEECH_MODELS_DIR=str(models.directory))
    monkeypatch.setitem(app.extensions, "speech_models", models)
    pool = RecognitionPool(app, workers=1, max_streams=2)
    monkeypatch.setitem(app.extensions, "recognition_pool", pool)
    return pool


def final_segments(app, sid: str) -> list[str]:
    with app.app_context():
        call = db.session.scalar(db.select(Call).where(Call.call_sid == sid))
        return [segment.text for segment in db.session.scalars(db.select(
            TranscriptSegment).where(TranscriptSegment.call_id == call.id))]


def as_wav(pcm: bytes) -> bytes:
    """8 kHz 16-bit PCM as the WAV file the page sends."""
    samples, _ = soundfile.read(io.BytesIO(pcm), format="RAW", samplerate=8000, channels=1,
                                subtype="PCM_16")
    out = io.BytesIO()
    soundfile.write(out, samples, 8000, format="WAV", subtype="PCM_16")
    return out.getvalue()


def wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {seconds} s"
        time.sleep(0.05)


def test_what_a_queued_caller_says_reaches_the_calls_live_transcript(
        app, live, logged_in, agent, devphone, speech, config):
    config(SERVER_NAME=urlsplit(live.base_url).netloc)  # the page's requests reach the server
    client = logged_in(agent)
    screen = queued(client)
    assert screen["stream"]
    screen = speak(client, screen, as_wav(korean_speech(YES, before=0.5, after=1.0)))
    assert screen["state"] == "queued"  # still waiting: it was not a recording
    wait_until(lambda: final_segments(app, screen["sid"]))
    [final] = final_segments(app, screen["sid"])
    assert heard_yes(final), final
    ok(client.post(f"{CALLS}/{screen['sid']}/hangup"))  # Twilio's stop, then the socket closes
    assert devphone.calls[screen["sid"]].voice.closed
    wait_until(lambda: media_stream.open_readers() == 0, seconds=10)
