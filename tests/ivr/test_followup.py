"""Following a request by phone: the reference, the privacy check, status, reply, rating, reopen."""
import pytest

from shared import administrations
from shared import references
from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.extensions import db
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel
from shared.types import CloseReason
from tests.ivr.conftest import MOBILE
from tests.ivr.helpers import call_row
from tests.ivr.helpers import cases
from tests.ivr.helpers import to_main_menu


def make_case(app, moves=(), phone=MOBILE, reply_language="fr", language="fr"):
    with app.app_context():
        service = CaseService(db.session, actor="test")
        case = service.file(NewCase(
            kind=CaseKind.COMPLAINT, administration=administrations.by_code(db.session, "201"),
            channel=Channel.WEB, language=language, description="retard de remboursement",
            citizen=Citizen(phone=phone)))
        for move in moves:
            if move == "answer":
                reply = "Votre dossier est réglé." if reply_language == "fr" else "تمت التسوية."
                service.answer(case, reply, reply_language)
            elif move == "close":
                service.close(case, CloseReason.ANSWERED)
            elif move == "not_competent":
                service.close(case, CloseReason.NOT_COMPETENT, redirect_to="Tribunal")
            else:
                getattr(service, move)(case)
        db.session.commit()
        return case.reference


def follow(caller, reference, language="fr"):
    to_main_menu(caller, language)
    caller.press("4")
    return caller.press(reference)


@pytest.mark.parametrize("moves, status", [
    ((), "received"), (("transmit",), "transmitted"), (("transmit", "start"), "in_progress"),
    (("transmit", "not_competent"), "not_competent")])
def test_the_status_of_an_open_case_is_said_with_its_legal_date(app, caller, moves, status):
    turn = follow(caller, make_case(app, moves))
    assert turn.keys[0] == f"status_{status}"
    if status == "not_competent":
        assert "reply_due" not in turn.keys
    else:
        assert turn.keys[1] == "reply_due" and turn.keys[2].startswith("number_")
    assert turn.keys[-1] == "goodbye" and turn.find("Hangup") is not None
    assert call_row(app, caller.call_sid).outcome == "followed_up"


def test_an_answered_case_is_read_rated_and_reopened(app, caller):
    reference = make_case(app, ("transmit", "answer"))
    turn = follow(caller, reference)
    assert turn.keys == ["status_answered", "reply_intro", "ask_rating"]
    assert turn.says == [("fr-FR", "Votre dossier est réglé.")]
    turn = caller.press("4")
    assert turn.keys == ["rating_thanks", "offer_reopen"]
    turn = caller.press("9")
    assert turn.keys[:2] == ["reopened", "reply_due"] and turn.keys[-1] == "goodbye"
    [case] = cases(app)
    assert case.rating == 4
    assert case.status is CaseStatus.REOPENED and case.reopen_count == 1
    assert [e.action for e in case.events][-2:] == ["rate", "reopen"]
    assert {e.actor for e in case.events[-2:]} == {"ivr"}


def test_a_closed_answer_can_be_rated_without_reopening(app, caller):
    follow(caller, make_case(app, ("transmit", "answer", "close")))
    caller.press("2")
    assert caller.press("1").keys == ["goodbye"]
    [case] = cases(app)
    assert case.rating == 2 and case.status is CaseStatus.CLOSED


def test_a_reply_in_arabic_is_said_by_the_arabic_voice(app, caller):
    turn = follow(caller, make_case(app, ("transmit", "answer"), reply_language="ar"), "ary")
    assert turn.says == [("arb", "تمت التسوية.")]


def test_a_reply_in_darija_is_never_said_by_a_voice(app, caller):
    turn = follow(caller, make_case(app, ("transmit", "answer"), reply_language="ary"), "ary")
    assert turn.says == []
    assert turn.keys == ["status_answered", "reply_not_spoken", "ask_rating"]
    assert caller.press("0").find("Enqueue") is not None


def test_a_wrong_check_digit_is_caught_at_once(app, caller):
    reference = make_case(app)
    wrong = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    to_main_menu(caller, "fr")
    caller.press("4")
    assert caller.press(wrong).keys == ["reference_invalid", "ask_reference"]
    assert caller.press("123").keys == ["reference_invalid", "ask_reference"]
    assert caller.press(reference).keys[0] == "status_received"


def test_an_unknown_reference_is_asked_again(app, caller):
    body = "512804339"
    unknown = body + references.check_digit(body)
    to_main_menu(caller, "fr")
    caller.press("4")
    assert caller.press(unknown).keys == ["reference_unknown", "ask_reference"]


def test_another_phone_must_give_the_last_four_digits_first(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone="+212661223344")
    caller = make_caller()
    turn = follow(caller, reference)
    assert turn.keys == ["ask_phone_last4"] and turn.says == []
    assert caller.press("9999").keys == ["phone_last4_wrong", "ask_phone_last4"]
    turn = caller.press("3344")
    assert turn.keys[0] == "status_answered"


def test_five_wrong_last_digits_end_the_call_without_disclosing_anything(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone="+212661223344")
    caller = make_caller()
    follow(caller, reference)
    for _ in range(4):
        assert caller.press("0000").keys == ["phone_last4_wrong", "ask_phone_last4"]
    turn = caller.press("0000")
    assert turn.keys == ["too_many_attempts", "goodbye"] and turn.find("Hangup") is not None
    assert not any(t.says for t in caller.history)
    assert not any("status_answered" in t.keys for t in caller.history)


def test_a_case_without_a_phone_cannot_be_disclosed_by_phone(app, make_caller):
    caller = make_caller()
    follow(caller, make_case(app, ("transmit",), phone=None))
    assert caller.press("0000").keys == ["phone_last4_wrong", "ask_phone_last4"]
