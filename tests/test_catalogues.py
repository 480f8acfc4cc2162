"""The voice prompt catalogues and their audio: complete, consistent, in telephone format."""
import json
import re
from pathlib import Path

import pytest
import soundfile as sf
from babel.messages.pofile import read_po

PROMPTS = Path(__file__).resolve().parent.parent / "voice_prompts"
LANGUAGES = json.loads((PROMPTS / "languages.json").read_text(encoding="utf-8"))
CODES = [language["code"] for language in LANGUAGES]

# The keys the IVR code uses: renaming one breaks the call flow.
EXPECTED_KEYS = {
    "welcome", "language_option", "language_keep", "main_menu", "invalid_choice", "no_input",
    "ask_administration", "ask_administration_keypad", "administration_unknown", "you_chose",
    "confirm_choice", "phone_ends_with", "confirm_phone", "ask_phone", "phone_invalid", "ask_name",
    "ask_cin", "cin_invalid", "ask_description", "description_missing", "case_filed", "reply_due",
    "sms_will_follow", "repeat_reference", "ask_reference", "reference_invalid", "reference_unknown",
    "ask_phone_last4", "phone_last4_wrong", "too_many_attempts", "status_received", "status_transmitted",
    "status_in_progress", "status_answered", "status_closed", "status_reopened", "status_not_competent",
    "status_inadmissible", "status_duplicate", "reply_intro", "reply_not_spoken", "ask_rating",
    "rating_thanks", "ask_survey", "survey_thanks", "offer_reopen", "reopened", "agent_connecting", "queue_position", "agent_unavailable",
    "offer_voicemail_or_callback", "ask_voicemail", "voicemail_saved", "callback_saved", "goodbye",
    "technical_problem", "redirect_to", "offer_agent", "reply_too_long", "rating_already_given",
    "phone_check_locked", "check_limit_reached", "case_limit_reached", "speech_use_keypad",
    *(f"digit_{d}" for d in range(10)),
    *(f"number_{n}" for n in range(1, 32)),
    *(f"month_{m}" for m in range(1, 13)),
}

HARAKAT = re.compile("[\u064B-\u0652]")  # fathatan ... sukun
TASHKEEL = re.compile("[\u064B-\u065F\u0670]")
ARABIC_WORD = re.compile("[\u0621-\u064A\u0671\u064B-\u065F\u0670]+")
ARABIC_LETTER = re.compile("[\u0621-\u064A\u0671]")
LATIN_LETTER = re.compile("[A-Za-z\u00C0-\u024F]")


def _entries(path):
    with open(path, "rb") as f:
        return {m.context: m for m in read_po(f) if m.id}


POT = _entries(PROMPTS / "prompts.pot")
PO = {code: _entries(PROMPTS / code / "LC_MESSAGES" / "prompts.po") for code in CODES}


def _text(lang, key):
    return PO[lang][key].string


def _plain(text):
    """Lower case, without tashkeel, alef wasla as plain alef: for comparing words."""
    return TASHKEEL.sub("", text).replace("\u0671", "\u0627").lower()


def test_languages_json():
    assert CODES == ["ary", "ar", "fr"]
    keypads = [language["keypad"] for language in LANGUAGES]
    assert len(set(keypads)) == len(keypads)
    assert all(len(k) == 1 and k.isdigit() for k in keypads)
    assert len(set(CODES)) == len(CODES)
    for language in LANGUAGES:
        assert language["dir"] in ("rtl", "ltr")
        assert language["espeak"]["voice"] and language["espeak"]["speed"] > 0
    assert next(l for l in LANGUAGES if l["code"] == "ary")["say"] is None  # no Darija voice anywhere


def test_template_has_exactly_the_keys_of_the_ivr():
    assert set(POT) == EXPECTED_KEYS
    assert all(m.string == "" for m in POT.values())


@pytest.mark.parametrize("lang", CODES)
def test_every_prompt_translated_and_no_orphans(lang):
    po = PO[lang]
    assert set(po) - set(POT) == set(), "keys not in prompts.pot"
    assert set(POT) - set(po) == set(), "keys missing from the translation"
    for key, message in po.items():
        assert message.string.strip(), f"{lang}/{key} is not translated"
        assert not message.fuzzy, f"{lang}/{key} is fuzzy"
        assert message.id == POT[key].id, f"{lang}/{key}: English source differs from prompts.pot"


@pytest.mark.parametrize("lang", CODES)
def test_every_prompt_has_telephone_audio(lang):
    for key in POT:
        path = PROMPTS / lang / f"{key}.wav"
        assert path.is_file(), f"missing {path.relative_to(PROMPTS)}: run `flask prompts generate`"
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "ULAW"), path
        assert 0.2 < info.duration < 20, (path, info.duration)


@pytest.mark.parametrize("lang", CODES)
def test_audio_matches_current_texts(lang):
    """The generator has run since the last change of a text or of the voice settings."""
    from ivr.prompt_audio import fingerprint

    espeak = next(l for l in LANGUAGES if l["code"] == lang)["espeak"]
    manifest = json.loads((PROMPTS / lang / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == {key: fingerprint(_text(lang, key), espeak) for key in POT}


def test_no_orphan_audio():
    for folder in PROMPTS.iterdir():
        if folder.is_dir():
            assert folder.name in CODES, f"unknown language folder {folder.name}"
    for lang in CODES:
        stems = {p.stem for p in (PROMPTS / lang).glob("*.wav")}
        assert stems - set(POT) == set()
        assert not [p for p in (PROMPTS / lang).glob(".*")], "leftover temp files"


def test_hold_music():
    info = sf.info(str(PROMPTS / "hold.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "ULAW")
    assert 15 <= info.duration <= 30


def test_total_size_stays_small():
    size = sum(p.stat().st_size for p in PROMPTS.rglob("*") if p.is_file())
    assert size < 10_000_000


def test_arabic_is_fully_vowelled():
    """espeak-ng reads unvowelled Arabic as consonant clusters: every word needs its harakat."""
    for key in POT:
        for word in ARABIC_WORD.findall(_text("ar", key)):
            if len(ARABIC_LETTER.findall(word)) >= 2:
                assert HARAKAT.search(word), f"ar/{key}: {word!r} has no tashkeel"


@pytest.mark.parametrize("lang", ["ary", "ar"])
def test_arabic_script(lang):
    for key in POT:
        text = _text(lang, key)
        assert ARABIC_LETTER.search(text), f"{lang}/{key}"
        assert not LATIN_LETTER.search(text), f"{lang}/{key} has Latin letters: {text}"


def test_french_is_latin_script():
    for key in POT:
        text = _text("fr", key)
        assert LATIN_LETTER.search(text) and not ARABIC_LETTER.search(text), f"fr/{key}"


@pytest.mark.parametrize("language", LANGUAGES, ids=CODES)
def test_language_prompts_name_the_language_and_its_own_key(language):
    lang, keypad = language["code"], language["keypad"]
    name = _plain(re.sub("^ال", "", language["name"]))  # "للدارجة" contains "دارجة", not "الدارجة"
    option = _plain(_text(lang, "language_option"))
    assert name in option
    assert name in _plain(_text(lang, "language_keep"))
    digit_word = _plain(_text(lang, f"digit_{keypad}"))
    assert keypad in option or re.search(rf"(?<!\w){re.escape(digit_word)}(?!\w)", option), option
    for other in LANGUAGES:  # no other digit offered
        if other["keypad"] != keypad:
            assert other["keypad"] not in option
            assert not re.search(rf"(?<!\w){re.escape(_plain(_text(lang, 'digit_' + other['keypad'])))}(?!\w)",
                                 option)


@pytest.mark.parametrize("lang", CODES)
def test_menu_prompts_offer_the_contract_keys(lang):
    """Menu keys are printed on flyers: each menu prompt names each of its keys once."""
    menus = {"main_menu": "123409", "confirm_choice": "12", "confirm_phone": "12",
             "offer_voicemail_or_callback": "12", "repeat_reference": "1", "reply_not_spoken": "0",
             "offer_reopen": "9", "offer_agent": "0", "reply_too_long": "0"}
    for key, digits in menus.items():
        text = _plain(_text(lang, key))
        for d in digits:
            word = _plain(_text(lang, f"digit_{d}"))
            assert d in text or re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text), f"{lang}/{key} lacks {d}"
