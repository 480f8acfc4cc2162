"""The speech grammars are data: every language has every grammar, with the same intents."""
import json
import re
from pathlib import Path

import pytest

from shared.languages import load_languages

GRAMMARS = Path(__file__).resolve().parent.parent / "grammars"
LANGUAGES = [language.code for language in load_languages()]
SCRIPTS = {"rtl": re.compile(r"^[\u0600-\u06FF\s]+$"), "ltr": re.compile(r"^[^\u0600-\u06FF]+$")}


def grammar_names(language):
    return sorted(path.stem for path in (GRAMMARS / language).glob("*.json"))


def test_every_language_has_the_same_grammars():
    names = grammar_names(LANGUAGES[0])
    assert names, "no grammar at all"
    for language in LANGUAGES:
        assert grammar_names(language) == names, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_grammars_are_intents_of_non_empty_unambiguous_phrases_in_the_right_script(language):
    direction = next(lang.dir for lang in load_languages() if lang.code == language)
    reference = GRAMMARS / LANGUAGES[0]
    for name in grammar_names(language):
        grammar = json.loads((GRAMMARS / language / f"{name}.json").read_text())
        expected = json.loads((reference / f"{name}.json").read_text())
        assert set(grammar) == set(expected), (language, name)
        phrases = [phrase for intent in grammar.values() for phrase in intent]
        assert all(phrases) and len(phrases) == len(set(phrases)), (language, name)
        assert all(SCRIPTS[direction].match(phrase) for phrase in phrases), (language, name)


def test_the_main_menu_grammar_names_the_contract_choices():
    grammar = json.loads((GRAMMARS / "fr" / "main_menu.json").read_text())
    assert set(grammar) == {"complaint", "observation", "suggestion", "follow_up", "agent",
                            "repeat"}


def test_the_language_grammar_names_every_language_by_its_code():
    for language in LANGUAGES:
        grammar = json.loads((GRAMMARS / language / "language.json").read_text())
        assert sorted(grammar) == sorted(LANGUAGES), language


def test_the_digits_grammar_has_the_ten_digits():
    for language in LANGUAGES:
        grammar = json.loads((GRAMMARS / language / "digits.json").read_text())
        assert sorted(grammar) == [str(digit) for digit in range(10)], language


def test_menu_intents_stand_for_the_contracts_keys():
    from ivr.speech.grammars import MENU_KEYS
    for name, keys in MENU_KEYS.items():
        grammar = json.loads((GRAMMARS / "fr" / f"{name}.json").read_text())
        assert set(keys) == set(grammar), name
    assert MENU_KEYS["main_menu"] == {"complaint": "1", "observation": "2", "suggestion": "3",
                                      "follow_up": "4", "agent": "0", "repeat": "9"}
    assert MENU_KEYS["yes_no"] == {"yes": "1", "no": "2"}


def test_the_administrations_grammar_is_not_data_here():
    """It is generated from the administrations table (flask speech grammars)."""
    assert not list(GRAMMARS.glob("*/administrations.json"))
