"""Per caller number and day, in the database: new cases, and reference / last-4 checks.
The caller is told in their language and offered an agent."""
from shared import references
from tests.ivr.conftest import MOBILE
from tests.ivr.helpers import KIND_KEYS
from tests.ivr.helpers import cases
from tests.ivr.helpers import file_by_phone
from tests.ivr.helpers import to_main_menu
from tests.ivr.test_followup import make_case

CLOSED_HOURS = "mon-sun 00:00-00:01"
OTHER = "+212661000001"
CASE_LIMIT = ["case_limit_reached", "offer_agent"]
CHECK_LIMIT = ["check_limit_reached", "offer_agent"]


def unknown_reference() -> str:
    body = "512804339"
    return body + references.check_digit(body)


def test_a_number_files_at_most_its_daily_cases(app, make_caller, config):
    config(IVR_MAX_CASES_PER_DAY=2)
    for _ in range(2):
        assert file_by_phone(make_caller(), "fr").keys[0] == "case_filed"
    caller = make_caller()
    to_main_menu(caller, "fr")
    turn = caller.press(KIND_KEYS["observation"])
    assert turn.keys == CASE_LIMIT and turn.find("Hangup") is None
    assert caller.press("0").find("Enqueue") is not None
    assert len(cases(app)) == 2
    assert file_by_phone(make_caller(OTHER), "fr").keys[0] == "case_filed"  # another number


def test_a_voicemail_counts_and_is_refused_past_the_limit(app, make_caller, config):
    config(IVR_MAX_CASES_PER_DAY=1, OPENING_HOURS=CLOSED_HOURS)
    for expected in (["ask_voicemail"], CASE_LIMIT):
        caller = make_caller()
        to_main_menu(caller, "ar")
        caller.press("0")
        turn = caller.press("1")
        assert turn.keys == expected
        if expected == ["ask_voicemail"]:
            caller.record(20)
    assert turn.prompts == [("ar", key) for key in CASE_LIMIT]  # in the caller's language
    assert len(cases(app)) == 1


def test_reference_and_last4_checks_are_limited_per_number_across_calls(app, make_caller,
                                                                         config):
    config(IVR_MAX_CHECKS_PER_DAY=3)
    reference = make_case(app, ("transmit",), phone=OTHER)
    first = make_caller()
    to_main_menu(first, "fr")
    first.press("4")
    assert first.press(unknown_reference()).keys == ["reference_unknown", "ask_reference"]
    assert first.press(reference).keys == ["ask_phone_last4"]  # 2 checks
    first.hang_up()
    second = make_caller()
    to_main_menu(second, "fr")
    second.press("4")
    wrong_check_digit = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    assert second.press(wrong_check_digit).keys[0] == "reference_invalid"  # not counted
    assert second.press(reference).keys == ["ask_phone_last4"]  # 3 checks
    turn = second.press("1111")  # the fourth
    assert turn.keys == CHECK_LIMIT
    assert second.press("0").find("Enqueue") is not None
    third = make_caller()
    to_main_menu(third, "fr")
    assert third.press("4").keys == CHECK_LIMIT  # told before keying anything
    [case] = cases(app)
    assert case.phone_check_failures == 0  # the refused try never reached the case


def test_the_owner_checking_a_case_counts_too_but_others_are_not_limited(app, make_caller,
                                                                          config):
    config(IVR_MAX_CHECKS_PER_DAY=1)
    reference = make_case(app, ("transmit",), phone=MOBILE)
    caller = make_caller()
    assert to_main_menu(caller, "fr") and caller.press("4").keys == ["ask_reference"]
    assert caller.press(reference).keys[0] == "status_transmitted"
    again = make_caller()
    to_main_menu(again, "fr")
    assert again.press("4").keys == CHECK_LIMIT
    other = make_caller(OTHER)
    to_main_menu(other, "fr")
    assert other.press("4").keys == ["ask_reference"]


def test_callers_without_caller_id_are_not_counted(app, make_caller, config):
    config(IVR_MAX_CASES_PER_DAY=1)
    for _ in range(2):
        caller = make_caller("anonymous")
        to_main_menu(caller, "fr")
        caller.press(KIND_KEYS["suggestion"])
        caller.press("201")
        assert caller.press("1").keys == ["ask_phone"]
        caller.press("0612345678")  # a number keyed is the case's, not a caller-ID
        caller.record(3)
        assert caller.record(20).keys[0] == "case_filed"
    assert len(cases(app)) == 2
