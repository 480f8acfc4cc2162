"""Grammars at run time: what a recogniser heard mapped back to an intent, the
administrations' grammars generated from the table (and by `release`), and the check of a
grammar's words against the model's vocabulary (real vosk model)."""
import json
import logging

import pytest

from ivr.speech import grammars
from ivr.speech.grammars import GrammarError
from ivr.speech.grammars import load_grammar
from ivr.speech.grammars import phrase_text
from ivr.speech.models import SpeechModels
from ivr.speech.recognizer import VoskRecognizer
from shared.models import Administration
from shared.types import AdministrationKind
from tests.support.speech import YES
from tests.support.speech import install_test_model
from tests.support.speech import korean_speech

FALLBACKS = {"ary": "ar", "ar": None, "fr": None}


@pytest.mark.parametrize("language, name, heard, intent", [
    ("fr", "yes_no", "oui", "yes"),
    ("fr", "yes_no", "euh non non", "no"),
    ("fr", "yes_no", "C'est ça !", "yes"),
    ("fr", "yes_no", "bonjour", None),
    ("fr", "yes_no", "oui non", None),  # two intents heard equally well: ask the keypad
    ("fr", "main_menu", "je voudrais parler à quelqu'un", "agent"),
    ("fr", "language", "arabe marocain", "ary"),  # the longest phrase wins over "arabe"
    ("fr", "language", "arabe", "ar"),
    ("ary", "language", "بالفرنسية", "fr"),
    ("ar", "language", "العربية", "ar"),
    ("fr", "digits", "sept", "7"),
    ("ary", "digits", "جوج", "2"),
    ("ary", "yes_no", "واخا", "yes"),
    ("ar", "yes_no", "نَعَم", "yes"),  # vowel marks do not matter
])
def test_what_was_heard_is_mapped_back_to_its_intent(app_ctx, language, name, heard, intent):
    assert load_grammar(language, name).intent(heard) == intent


def test_phrases_are_written_as_a_recogniser_writes_them(app_ctx):
    phrases = load_grammar("fr", "yes_no").phrases
    assert "c'est ça" in phrases and "d'accord" in phrases
    assert len(phrases) == len(set(phrases))
    assert phrase_text("Ministère de l’Intérieur, Rabat.") == "ministère de l'intérieur rabat"
    assert phrase_text("نَعَمْ") == "نعم"


@pytest.mark.parametrize("language, name", [("en", "yes_no"), ("fr", "nothing"),
                                            ("fr", "../ar/yes_no"), ("fr", "")])
def test_an_unknown_grammar_is_a_clear_error(app_ctx, language, name):
    with pytest.raises(GrammarError):
        load_grammar(language, name)


@pytest.fixture()
def grammars_dir(app, tmp_path, config, monkeypatch):
    config(GRAMMARS_DIR=str(tmp_path / "grammars"))
    monkeypatch.setitem(app.extensions, "speech_grammar_reports", set())
    return tmp_path / "grammars"


@pytest.fixture()
def new_administration(session):
    """An administration added to the table for one test (the table stays loaded)."""
    admin = Administration(code="299", kind=AdministrationKind.PUBLIC_BODY, synonyms={
        "fr": ["office des eaux du désert"], "ary": ["الما ديال الصحرا"]},
        names={"fr": "Agence nationale des oasis", "ar": "الوكالة الوطنية للواحات",
               "ary": "وكالة الواحات"}, acronym="ANOA", active=True)
    session.add(admin)
    session.commit()
    yield admin
    session.delete(admin)
    session.commit()


def speech_command(app, *args):
    return app.test_cli_runner().invoke(args=["speech", *args])


def test_the_administrations_grammar_is_generated_from_the_table(app, grammars_dir):
    result = speech_command(app, "grammars")
    assert result.exit_code == 0, result.output
    fr = json.loads((grammars_dir / "fr" / "administrations.json").read_text())
    ar = json.loads((grammars_dir / "ar" / "administrations.json").read_text())
    assert "cnss" in fr["201"] and "caisse nationale de sécurité sociale" in fr["201"]
    assert "الضمان الاجتماعي" in " | ".join(ar["201"])
    # Each language's grammar holds only what its model can say: its own script.
    assert not any(grammars._ARABIC.search(p) for phrases in fr.values() for p in phrases)
    assert not any(grammars._LATIN.search(p) for phrases in ar.values() for p in phrases)


def test_a_new_administration_is_recognised_once_the_grammars_are_generated(
        app, session, grammars_dir, new_administration):
    speech_command(app, "grammars")
    grammar = load_grammar("fr", "administrations")
    assert "office des eaux du désert" in grammar.phrases and "anoa" in grammar.phrases
    assert grammar.intent("bonjour office des eaux du désert merci") == "299"
    assert load_grammar("ary", "administrations").intent("الما ديال الصحرا") == "299"


def test_administrations_are_mapped_by_the_keypad_paths_matching(app_ctx, grammars_dir,
                                                                 monkeypatch):
    """Not a second matcher: the grammar asks match_administration."""
    asked = []

    def match(session, text, language):
        asked.append((text, language))
    monkeypatch.setattr(grammars, "match_administration", match)
    assert load_grammar("fr", "administrations").intent("la cnss") is None
    assert asked == [("la cnss", "fr")]


def test_an_ambiguous_name_is_not_taken(app_ctx, grammars_dir):
    # "ministère" alone names no administration (too many have it).
    assert load_grammar("fr", "administrations").intent("ministère") is None


def test_without_generated_grammars_they_are_built_from_the_table_with_a_warning(
        app_ctx, grammars_dir, caplog):
    grammar = load_grammar("fr", "administrations")
    load_grammar("fr", "administrations")
    assert "cnss" in grammar.phrases and grammar.intent("la cnss") == "201"
    assert caplog.text.count("run `flask speech grammars`") == 1


def test_release_generates_the_grammars(app, grammars_dir):
    result = app.test_cli_runner().invoke(args=["release"])
    assert result.exit_code == 0, result.output
    assert {p.parent.name for p in grammars_dir.glob("*/administrations.json")} == {
        "ary", "ar", "fr"}


# -- against the real model's vocabulary -----------------------------------------------------
@pytest.fixture(scope="module")
def korean_models(tmp_path_factory):
    """The real (Korean) test model as French's, loaded once for this module."""
    return SpeechModels(install_test_model(tmp_path_factory.mktemp("models"), "fr"), FALLBACKS)


@pytest.fixture()
def korean_fr(app, config, monkeypatch, korean_models):
    """French speech recognised by the test model, in this app, for one test."""
    config(SPEECH_INPUT="auto", SPEECH_MODELS_DIR=str(korean_models.directory))
    monkeypatch.setitem(app.extensions, "speech_models", korean_models)
    monkeypatch.setitem(app.extensions, "speech_grammar_reports", set())
    return korean_models


@pytest.fixture()
def korean_yes_no(tmp_path, monkeypatch):
    """A yes/no grammar in the model's language, as fr's data."""
    (tmp_path / "static" / "fr").mkdir(parents=True)
    (tmp_path / "static" / "fr" / "yes_no.json").write_text(
        json.dumps({"yes": [YES, "oui"], "no": ["아니요"]}, ensure_ascii=False))
    monkeypatch.setattr(grammars, "STATIC_DIR", tmp_path / "static")


@pytest.mark.slow
def test_words_the_model_lacks_are_logged_once_at_first_use(app_ctx, korean_fr, caplog):
    with caplog.at_level(logging.WARNING, logger="ivr.speech.grammars"):
        load_grammar("fr", "yes_no")
        load_grammar("fr", "yes_no")
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and warnings[0].startswith("grammar fr/yes_no: 13 of 13 words")
    assert " oui " in f" {warnings[0]} " and " d'accord " in f" {warnings[0]} "


@pytest.mark.slow
def test_a_grammar_the_model_knows_is_not_reported(app_ctx, korean_fr, korean_yes_no, caplog):
    with caplog.at_level(logging.WARNING, logger="ivr.speech.grammars"):
        grammar = load_grammar("fr", "yes_no")
    assert [r.getMessage() for r in caplog.records] == [
        "grammar fr/yes_no: 1 of 3 words not in the model's vocabulary, never recognised "
        "(all of them: flask speech check): oui"]
    assert grammars.missing_words(korean_fr.get("fr"), grammar) == ["oui"]


@pytest.mark.slow
def test_speech_in_a_grammar_is_mapped_back_to_its_intent(app_ctx, korean_fr, korean_yes_no):
    grammar = load_grammar("fr", "yes_no")
    recognizer = VoskRecognizer(korean_fr.get("fr"), grammar.phrases)
    heard = recognizer.feed(korean_speech(YES)) + recognizer.finish()
    finals = [segment.text for segment in heard if segment.final]
    assert finals == [YES] and grammar.intent(finals[0]) == "yes"


@pytest.mark.slow
def test_check_lists_the_missing_words_per_language_and_grammar(app, korean_fr,
                                                                grammars_dir):
    speech_command(app, "grammars")
    result = speech_command(app, "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["ary: no usable model, nothing to check",
                         "ar: no usable model, nothing to check"]
    assert "fr yes_no: 13 of 13 words missing: " in result.output
    by_grammar = {line.split(":")[0] for line in lines if line.startswith("fr ")}
    assert by_grammar == {"fr administrations", "fr digits", "fr language", "fr main_menu",
                          "fr yes_no"}
    assert " cnss " in f" {result.output} "
