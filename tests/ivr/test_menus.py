"""The language and main menus: keys, repeats, retries in the caller's language."""
import pytest

from tests.ivr.helpers import call_row
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import to_main_menu


def test_a_new_caller_hears_a_short_welcome_then_each_language_in_its_own_voice(caller):
    turn = caller.dial()
    assert turn.prompts == [("ary", "welcome"), ("ary", "language_option"),
                            ("ar", "language_option"), ("fr", "language_option")]
    gather = turn.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("finishOnKey") == ""
    # Prompts are nested in the Gather: a key interrupts them (barge-in).
    assert len(gather.findall("Play")) == 4
    assert turn.root[-1].tag == "Redirect"


@pytest.mark.parametrize("key, language", [("1", "ary"), ("2", "ar"), ("3", "fr")])
def test_each_key_chooses_its_language(app, caller, key, language):
    caller.dial()
    turn = caller.press(key)
    assert turn.prompts == [(language, "main_menu")]
    assert call_row(app, caller.call_sid).language == language


def test_a_returning_caller_is_welcomed_in_their_language_and_hash_keeps_it(
        app, make_caller):
    file_by_phone(make_caller(), language="fr")
    again = make_caller()
    turn = again.dial()
    assert turn.prompts[:2] == [("fr", "welcome"), ("fr", "language_keep")]
    assert [key for _, key in turn.prompts[2:]] == ["language_option"] * 3
    assert again.press("#").prompts == [("fr", "main_menu")]


def test_a_returning_caller_can_still_choose_another_language(app, make_caller):
    file_by_phone(make_caller(), language="fr")
    again = make_caller()
    again.dial()
    assert again.press("2").prompts == [("ar", "main_menu")]
    third = make_caller()
    assert third.dial().prompts[0] == ("ar", "welcome")


def test_hash_means_nothing_to_a_new_caller(caller):
    caller.dial()
    turn = caller.press("#")
    assert turn.keys[0] == "invalid_choice"
    assert "welcome" not in turn.keys  # the welcome is said once


def test_three_wrong_language_keys_lead_to_an_agent(caller):
    caller.dial()
    assert caller.press("7").keys[0] == "invalid_choice"
    assert caller.silence().keys[0] == "no_input"
    turn = caller.press("8")
    assert turn.find("Enqueue") is not None
    assert turn.prompts == [("ary", "agent_connecting")]


def test_a_wrong_key_in_the_main_menu_is_explained_in_the_callers_language(caller):
    to_main_menu(caller, "fr")
    turn = caller.press("5")
    assert turn.prompts == [("fr", "invalid_choice"), ("fr", "main_menu")]


def test_nine_repeats_the_main_menu_without_counting_as_a_failure(caller):
    to_main_menu(caller, "ar")
    for _ in range(5):
        assert caller.press("9").prompts == [("ar", "main_menu")]
    caller.press("5")
    caller.press("5")
    assert caller.press("1").keys == ["ask_administration"]


def test_three_silences_in_the_main_menu_lead_to_an_agent(caller):
    to_main_menu(caller, "fr")
    assert caller.silence().keys == ["no_input", "main_menu"]
    assert caller.silence().keys == ["no_input", "main_menu"]
    assert caller.silence().find("Enqueue") is not None


@pytest.mark.parametrize("key, first_prompt", [
    ("1", "ask_administration"), ("2", "ask_administration"), ("3", "ask_administration"),
    ("4", "ask_reference"), ("0", "agent_connecting")])
def test_main_menu_keys(caller, key, first_prompt):
    to_main_menu(caller, "fr")
    assert caller.press(key).keys[0] == first_prompt
