"""The follow-up's privacy check when there is no number to compare: an anonymous caller
(no caller-ID) never matches a case filed without a phone."""
from tests.ivr.test_followup import follow
from tests.ivr.test_followup import make_case


def test_an_anonymous_caller_is_not_matched_to_a_case_without_a_phone(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone=None)
    caller = make_caller(caller="anonymous")
    turn = follow(caller, reference)
    assert not any(key.startswith("status_") for key in turn.keys)
    assert "Votre dossier est réglé." not in turn.xml
    assert "ask_phone_last4" in turn.keys


def test_no_last_digits_open_a_case_without_a_phone(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone=None)
    caller = make_caller(caller="anonymous")
    follow(caller, reference)
    for digits in ("", "0000", "#"):
        turn = caller.press(digits)
        assert not any(key.startswith("status_") for key in turn.keys), digits
        assert "Votre dossier est réglé." not in turn.xml
        if turn.find("Gather") is None:
            break
