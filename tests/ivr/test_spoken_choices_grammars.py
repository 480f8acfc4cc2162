"""What a spoken choice means: grammars map what was heard to an intent, and an intent to
the key of the step (the same transition as the keypad)."""
import pytest

from ivr.flow import FlowEnv
from ivr.flow import spoken_key
from ivr.prompts import catalogue
from ivr.speech.grammars import load_grammar


@pytest.fixture()
def env():
    return FlowEnv(session=None, languages=catalogue().languages, caller=None,
                   can_queue=lambda: True, speech_languages=frozenset())


@pytest.mark.parametrize("language, name, text, intent", [
    ("fr", "main_menu", "je voudrais porter plainte", "complaint"),
    ("fr", "main_menu", "un conseiller s'il vous plaît", "agent"),
    ("fr", "yes_no", "oui c'est ça", "yes"),
    ("fr", "yes_no", "non", "no"),
    ("fr", "language", "en arabe", "ar"),
    ("ary", "language", "بالدارجة عافاك", "ary"),
    ("ar", "yes_no", "نعم", "yes"),
    ("fr", "yes_no", "bonjour", None),
    ("fr", "yes_no", "oui non", None),  # two intents said equally: none
])
def test_a_grammar_maps_what_was_heard_to_its_intent(language, name, text, intent):
    grammar = load_grammar(language, name)
    assert grammar.intent(text) == intent
    assert all(isinstance(phrase, str) and phrase for phrase in grammar.phrases)


def test_the_administrations_grammar_comes_from_the_table(app_ctx):
    grammar = load_grammar("fr", "administrations")
    assert "cnss" in grammar.phrases
    assert grammar.intent("la CNSS") == "201" and grammar.intent("la météo") is None


@pytest.mark.parametrize("grammar, intent, key", [
    ("main_menu", "complaint", "1"), ("main_menu", "follow_up", "4"),
    ("main_menu", "agent", "0"), ("main_menu", "repeat", "9"), ("main_menu", "1", "1"),
    ("main_menu", "5", None), ("main_menu", "yes", None),
    ("yes_no", "yes", "1"), ("yes_no", "no", "2"), ("yes_no", "2", "2"),
    ("language", "ary", "1"), ("language", "fr", "3"), ("language", "3", "3"),
    ("language", "en", None),
    ("administrations", "201", "201"), ("administrations", "cnss", None),
    (None, "yes", None),
])
def test_an_intent_stands_for_the_key_of_its_step(env, grammar, intent, key):
    assert spoken_key(grammar, intent, env) == key
