"""The follow-up's phone check (last 4 digits) cannot be brute-forced across calls: wrong
answers count per case, five lock the check for a day, and the caller is told so."""
import datetime as dt

from shared.cases import CaseService
from shared.extensions import db
from shared.models import utcnow
from tests.ivr.helpers import cases
from tests.ivr.test_followup import follow
from tests.ivr.test_followup import make_case

OWNER = "+212661223344"
LOCKED = ["too_many_attempts", "phone_check_locked", "offer_agent"]


def wrong_answers(caller, reference, count):
    turn = follow(caller, reference)
    assert turn.keys == ["ask_phone_last4"]
    for _ in range(count):
        turn = caller.press("0000")
    return turn


def test_wrong_answers_add_up_across_calls_and_lock_the_check(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone=OWNER)
    first = make_caller("+212612000001")
    assert wrong_answers(first, reference, 3).keys == ["phone_last4_wrong", "ask_phone_last4"]
    first.hang_up()
    second = make_caller("+212612000002")
    assert wrong_answers(second, reference, 1).keys == ["phone_last4_wrong", "ask_phone_last4"]
    turn = second.press("0000")  # the fifth wrong answer, over two calls
    assert turn.keys == LOCKED and turn.find("Hangup") is None
    assert second.press("0").find("Enqueue") is not None  # an agent can still help
    for caller in (first, second):
        assert not any(t.says for t in caller.history)
        assert not any("status_answered" in t.keys for t in caller.history)
    [case] = cases(app)
    assert case.phone_check_failures == 5
    assert case.phone_check_locked_until > utcnow() + dt.timedelta(hours=23)
    assert [e.action for e in case.events][-1] == "lock_phone_check"


def test_a_locked_check_is_said_at_once_even_to_the_right_digits(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone=OWNER)
    wrong_answers(make_caller("+212612000001"), reference, 5)
    caller = make_caller("+212612000003")
    turn = follow(caller, reference)
    assert turn.keys == LOCKED  # no "key the last 4 digits": nothing left to guess
    assert caller.silence().keys == ["goodbye"]


def test_the_owners_own_number_is_not_locked_out(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone=OWNER)
    wrong_answers(make_caller("+212612000001"), reference, 5)
    assert follow(make_caller(OWNER), reference).keys[0] == "status_answered"


def test_after_the_cool_down_the_check_is_asked_again(app, make_caller):
    reference = make_case(app, ("transmit", "answer"), phone=OWNER)
    wrong_answers(make_caller("+212612000001"), reference, 5)
    with app.app_context():
        case = CaseService(db.session).get(reference)
        case.phone_check_locked_until = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    caller = make_caller("+212612000004")
    assert follow(caller, reference).keys == ["ask_phone_last4"]
    assert caller.press("0000").keys == ["phone_last4_wrong", "ask_phone_last4"]
    [case] = cases(app)
    assert case.phone_check_failures == 1 and case.phone_check_locked_until is None
    assert caller.press("3344").keys[0] == "status_answered"
    [case] = cases(app)
    assert case.phone_check_failures == 0
