"""Communes keyed by their 6-digit keypad code, the Open311 service_code."""
from tests.ivr.helpers import to_main_menu

TANGER = "551101"


def test_a_commune_keyed_by_its_six_digit_code_is_found_and_read_back(app, caller):
    to_main_menu(caller, "fr")
    caller.press("1")
    turn = caller.press(TANGER)
    assert turn.keys == ["you_chose", "confirm_choice"]
    assert turn.says == [("fr-FR", "Tanger")]
    assert caller.press("1").keys[0] in ("phone_ends_with", "ask_phone")


def test_the_old_ten_digit_code_of_a_commune_finds_nothing(app, caller):
    to_main_menu(caller, "fr")
    caller.press("1")
    assert caller.press("5001511010").keys[0] == "administration_unknown"


def test_the_keypad_code_is_the_open311_service_code(client):
    services = client.get("/open311/v2/services.json").get_json()
    codes = {service["service_code"]: service for service in services}
    assert max(len(code) for code in codes) <= 6
    assert TANGER in codes and "Tanger" in codes[TANGER]["service_name"]
