"""The pure TwiML builders: recordings played, voices chosen, numbers and dates spoken."""
import datetime as dt
import shutil
import xml.etree.ElementTree as ET

import pytest
from twilio.twiml.voice_response import VoiceResponse

from ivr.flow import read_reference
from ivr.prompts import PROMPTS_DIR
from ivr.prompts import PromptCatalogue
from ivr.prompts import catalogue
from ivr.twiml import Number
from ivr.twiml import Prompt
from ivr.twiml import Spoken
from ivr.twiml import SpokenDate
from ivr.twiml import Voice


def url(language, key):
    return f"https://x.test/{language}/{key}.wav"


def render(voice, items):
    response = VoiceResponse()
    voice.render(response, items)
    return [(child.tag, child.text, dict(child.attrib)) for child in ET.fromstring(str(response))]


@pytest.fixture(scope="module")
def no_audio(tmp_path_factory):
    """A copy of the catalogue without any recording."""
    folder = tmp_path_factory.mktemp("prompts")
    shutil.copy(PROMPTS_DIR / "languages.json", folder)
    for language in ("ary", "ar", "fr"):
        shutil.copytree(PROMPTS_DIR / language / "LC_MESSAGES", folder / language / "LC_MESSAGES")
    return PromptCatalogue(folder)


def test_a_recorded_prompt_is_played():
    assert render(Voice(catalogue(), "fr", url), [Prompt("goodbye")]) == [
        ("Play", "https://x.test/fr/goodbye.wav", {})]


def test_without_a_recording_french_is_said_by_the_french_voice(no_audio):
    [(tag, text, attrs)] = render(Voice(no_audio, "fr", url), [Prompt("goodbye")])
    assert (tag, attrs) == ("Say", {"language": "fr-FR", "voice": "Polly.Lea"})
    assert text == no_audio.text("goodbye", "fr")


def test_without_a_recording_darija_falls_back_to_the_arabic_prompt(no_audio):
    [(tag, text, attrs)] = render(Voice(no_audio, "ary", url), [Prompt("goodbye")])
    assert attrs["language"] == "arb"
    assert text == no_audio.text("goodbye", "ar")  # Arabic, not Darija, in an Arabic voice


def test_a_darija_recording_falls_back_to_the_arabic_recording():
    voice = Voice(catalogue(), "ary", url)
    assert voice.fallback("ary") == "ar" and not voice.can_say("ary")


def test_free_text_in_darija_is_said_by_the_arabic_voice_only_as_a_fallback():
    voice = Voice(catalogue(), "fr", url)
    assert render(voice, [Spoken("نص", "ary")])[0][2]["language"] == "arb"
    assert render(voice, [Spoken("texte", "fr")])[0][2]["language"] == "fr-FR"


def test_a_reference_is_read_digit_by_digit_in_groups_of_3_3_4():
    rendered = render(Voice(catalogue(), "ar", url), read_reference("5128043391"))
    assert [tag for tag, _, _ in rendered] == (
        ["Play"] * 3 + ["Pause"] + ["Play"] * 3 + ["Pause"] + ["Play"] * 4)
    assert rendered[0][1].endswith("/ar/digit_5.wav")
    assert rendered[-1][1].endswith("/ar/digit_1.wav")


def test_a_date_is_said_as_day_and_month():
    rendered = render(Voice(catalogue(), "fr", url), [SpokenDate(dt.date(2027, 1, 29))])
    assert [text.rsplit("/", 1)[1] for _, text, _ in rendered] == [
        "number_29.wav", "month_1.wav"]


@pytest.mark.parametrize("value, keys", [(7, ["number_7"]), (31, ["number_31"]),
                                         (42, ["digit_4", "digit_2"])])
def test_numbers(value, keys):
    rendered = render(Voice(catalogue(), "ary", url), [Number(value)])
    assert [text.rsplit("/", 1)[1].removesuffix(".wav") for _, text, _ in rendered] == keys


def test_an_unknown_key_is_an_error_not_silence():
    with pytest.raises(KeyError):
        render(Voice(catalogue(), "fr", url), [Prompt("no_such_prompt")])
