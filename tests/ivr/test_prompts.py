"""Prompt lookup on the real catalogue: texts, audio paths, languages, errors."""
import shutil

import pytest

from ivr.prompts import PROMPTS_DIR, Language, PromptCatalogue, catalogue, load_languages


def test_languages_in_menu_order():
    languages = load_languages()
    assert [(l.code, l.keypad) for l in languages] == [("ary", "1"), ("ar", "2"), ("fr", "3")]
    ary, ar, fr = languages
    assert isinstance(ary, Language) and ary.say is None and ary.dir == "rtl"
    assert ar.say == {"language": "arb", "voice": "Polly.Zeina"}
    assert fr.espeak == {"voice": "fr", "speed": 150} and fr.speech == "fr-FR"
    assert len({*languages}) == 3  # hashable despite the dict fields
    with pytest.raises(AttributeError):
        fr.code = "en"


def test_catalogue_is_loaded_once_per_folder():
    assert catalogue() is catalogue(PROMPTS_DIR) is catalogue(str(PROMPTS_DIR))
    assert catalogue().prompts_dir == PROMPTS_DIR
    assert [l.code for l in catalogue().languages] == ["ary", "ar", "fr"]
    assert catalogue().language("ar").keypad == "2"
    with pytest.raises(KeyError, match="xx"):
        catalogue().language("xx")


def test_text():
    cat = catalogue()
    assert "Idarati" in cat.text("welcome", "fr")
    assert cat.text("digit_1", "ary") == "وَاحْدْ"
    assert cat.text("month_8", "fr") == "août"
    assert cat.text("language_option", "fr") == "Pour le français, tapez 3."


def test_missing_text_is_a_clear_key_error():
    cat = catalogue()
    with pytest.raises(KeyError, match="no_such_prompt.*'fr'"):
        cat.text("no_such_prompt", "fr")
    with pytest.raises(KeyError, match="welcome.*'en'"):
        cat.text("welcome", "en")


def test_keys():
    cat = catalogue()
    assert cat.keys("fr")[0] == "welcome"
    assert set(cat.keys()) == set(cat.keys("ary")) == set(cat.keys("ar")) == set(cat.keys("fr"))
    assert {"digit_0", "number_31", "month_12", "main_menu"} <= set(cat.keys())
    assert cat.keys("en") == []
    assert ("fr", "welcome") in cat and ("en", "welcome") not in cat


def test_audio_path_and_has_audio():
    cat = catalogue()
    path = cat.audio_path("welcome", "ary")
    assert path == PROMPTS_DIR / "ary" / "welcome.wav" and path.is_file()
    assert cat.has_audio("digit_9", "ar")
    assert cat.audio_path("no_such_prompt", "fr") is None
    assert not cat.has_audio("welcome", "en")
    assert cat.audio_path("../languages", "fr") is None  # no path outside the prompt folders


def test_missing_audio_and_untranslated_entries(tmp_path):
    shutil.copy(PROMPTS_DIR / "languages.json", tmp_path)
    po = tmp_path / "fr" / "LC_MESSAGES" / "prompts.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgctxt "welcome"\nmsgid "Welcome."\nmsgstr "Bienvenue."\n\n'
                  'msgctxt "goodbye"\nmsgid "Goodbye."\nmsgstr ""\n\n'
                  '#, fuzzy\nmsgctxt "no_input"\nmsgid "Nothing heard."\nmsgstr "Rien entendu ?"\n',
                  encoding="utf-8")
    cat = PromptCatalogue(tmp_path)
    assert cat.keys() == ["welcome"]  # untranslated and fuzzy entries are not prompts
    assert cat.text("welcome", "fr") == "Bienvenue."
    assert cat.audio_path("welcome", "fr") is None and not cat.has_audio("welcome", "fr")
    (tmp_path / "fr" / "welcome.wav").write_bytes(b"RIFF")
    assert cat.audio_path("welcome", "fr") == tmp_path / "fr" / "welcome.wav"
    with pytest.raises(KeyError):
        cat.text("welcome", "ary")  # a language without a .po has no prompts
