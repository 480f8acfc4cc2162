"""Following a request by phone: the reference, the privacy check, status, reply, rating, reopen."""
import pytest

from ivr import flow
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


def make_case(app, moves=(), phone=MOBILE, reply_language="fr", language="fr", reply=None,
              redirect_to="Tribunal", redirect_code=None):
    with app.app_context():
        service = CaseService(db.session, actor="test")
        case = service.file(NewCase(
            kind=CaseKind.COMPLAINT, administration=administrations.by_code(db.session, "201"),
            channel=Channel.WEB, language=language, description="retard de remboursement",
            citizen=Citizen(phone=phone)))
        for move in moves:
            if move == "answer":
                text = reply or ("Votre dossier est réglé." if reply_language == "fr"
                                 else "تمت التسوية.")
                service.answer(case, text, reply_language)
            elif move == "close":
                service.close(case, CloseReason.ANSWERED)
            elif move == "not_competent":
                service.close(case, CloseReason.NOT_COMPETENT, redirect_to=redirect_to,
                              redirect_administration=administrations.by_code(
                                  db.session, redirect_code) if redirect_code else None)
            else:
                getattr(service, move)(case)
        db.session.commit()
        return case.reference


def change_case(app, reference, *moves):
    """Moves of an agent between two calls: ("reopen",), ("answer", text, language)..."""
    with app.app_context():
        service = CaseService(db.session, actor="test")
        case = service.get(reference)
        for move, *args in moves:
            getattr(service, move)(case, *args)
        db.session.commit()


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
        return  # says where to go instead: see below
    assert turn.keys[1] == "reply_due" and turn.keys[2].startswith("number_")
    assert turn.keys[-1] == "ask_survey"  # the post-call survey, then goodbye
    turn = caller.press("4")
    assert turn.keys == ["survey_thanks", "goodbye"] and turn.find("Hangup") is not None
    assert call_row(app, caller.call_sid).outcome == "followed_up"


def test_an_answered_case_is_read_rated_and_reopened(app, caller):
    reference = make_case(app, ("transmit", "answer"))
    turn = follow(caller, reference)
    assert turn.keys == ["status_answered", "reply_intro", "ask_rating"]
    assert turn.says == [("fr-FR", "Votre dossier est réglé.")]
    turn = caller.press("4")
    assert turn.keys == ["rating_thanks", "offer_reopen"]
    turn = caller.press("9")
    assert turn.keys[:2] == ["reopened", "reply_due"] and turn.keys[-1] == "ask_survey"
    [case] = cases(app)
    assert case.rating == 4
    assert case.status is CaseStatus.REOPENED and case.reopen_count == 1
    assert [e.action for e in case.events][-2:] == ["rate", "reopen"]
    assert {e.actor for e in case.events[-2:]} == {"ivr"}


def test_a_closed_answer_can_be_rated_without_reopening(app, caller):
    follow(caller, make_case(app, ("transmit", "answer", "close")))
    caller.press("2")
    assert caller.press("1").keys == ["ask_survey"]
    [case] = cases(app)
    assert case.rating == 2 and case.status is CaseStatus.CLOSED


def test_a_reply_in_arabic_is_said_by_the_arabic_voice(app, caller):
    turn = follow(caller, make_case(app, ("transmit", "answer"), reply_language="ar"), "ary")
    assert turn.says == [("arb", "تمت التسوية.")]


def test_a_reply_in_darija_is_never_said_by_a_voice_nor_rated(app, caller):
    turn = follow(caller, make_case(app, ("transmit", "answer"), reply_language="ary"), "ary")
    assert turn.says == []
    assert turn.keys == ["status_answered", "reply_not_spoken"]  # no "rate this reply"
    assert caller.press("0").find("Enqueue") is not None


def test_a_reply_in_darija_offers_an_agent_or_ends(app, caller):
    follow(caller, make_case(app, ("transmit", "answer"), reply_language="ary"), "ary")
    turn = caller.silence()
    assert turn.keys == ["goodbye"] and turn.find("Hangup") is not None
    [case] = cases(app)
    assert case.rating is None and [e.action for e in case.events][-1] == "answer"


@pytest.mark.parametrize("language, redirect, voice", [
    ("fr", "Tribunal administratif de Rabat", "fr-FR"),
    ("ary", "المحكمة الإدارية بالرباط", "arb")])
def test_not_competent_says_where_to_go_and_offers_an_agent(app, caller, language, redirect,
                                                             voice):
    turn = follow(caller, make_case(app, ("transmit", "not_competent"), redirect_to=redirect),
                  language)
    assert turn.keys == ["status_not_competent", "redirect_to", "offer_agent"]
    assert turn.says == [(voice, redirect)]
    assert turn.find("Hangup") is None and turn.find("Gather") is not None
    assert caller.press("0").find("Enqueue") is not None


@pytest.mark.parametrize("language, voice, name_in", [("fr", "fr-FR", "fr"), ("ar", "arb", "ar"),
                                                      ("ary", "arb", "ar")])
def test_not_competent_names_our_other_administration_in_the_callers_language(
        app, caller, language, voice, name_in):
    reference = make_case(app, ("transmit", "not_competent"), redirect_to=None,
                          redirect_code="202")
    with app.app_context():
        other = administrations.by_code(db.session, "202")
        expected = other.name(name_in)
    turn = follow(caller, reference, language)
    assert turn.keys[:2] == ["status_not_competent", "redirect_to"]
    assert turn.says == [(voice, expected)]
    assert caller.silence().keys == ["goodbye"]


LONG_SENTENCE = "Le service a étudié votre dossier et la décision vous sera notifiée. "


def test_a_long_reply_is_said_in_pieces_within_twilios_limits(app, caller):
    reply = (LONG_SENTENCE * 21).strip()  # about 1,400 characters
    assert 1300 < len(reply) <= 1500
    turn = follow(caller, make_case(app, ("transmit", "answer"), reply=reply))
    said = [text for _, text in turn.says]
    assert len(said) >= 1 and " ".join(said) == reply
    assert all(len(text.encode()) <= 3000 for text in said)
    assert all(text.endswith(".") for text in said)  # cut at sentence breaks
    assert len(turn.xml.encode()) < 16_000
    assert turn.keys[-1] == "ask_rating"


def test_an_arabic_reply_longer_than_a_say_is_cut_into_several(app, caller, monkeypatch):
    monkeypatch.setattr(flow, "MAX_SPOKEN_REPLY_CHARS", 5000)  # the bytes limit, not the cap
    sentence = "تمت دراسة ملفكم من طرف المصالح المختصة وسيتم إخباركم بالقرار. "
    reply = (sentence * 60).strip()  # about 3,700 characters, 6,800 bytes
    turn = follow(caller, make_case(app, ("transmit", "answer"), reply=reply,
                                    reply_language="ar"), "ar")
    said = [text for _, text in turn.says]
    assert len(said) == 3 and " ".join(said) == reply
    assert all(len(text.encode()) <= 3000 for text in said)
    assert len(turn.xml.encode()) < 16_000


@pytest.mark.parametrize("language, reply_language", [("fr", "fr"), ("ar", "ar")])
def test_too_long_a_reply_is_not_read_but_offered_from_an_agent(app, caller, language,
                                                                 reply_language):
    sentence = LONG_SENTENCE if reply_language == "fr" else "تمت دراسة ملفكم. "
    reply = sentence * (5000 // len(sentence))
    turn = follow(caller, make_case(app, ("transmit", "answer"), reply=reply,
                                    reply_language=reply_language), language)
    assert turn.keys == ["status_answered", "reply_too_long"] and turn.says == []
    assert len(turn.xml.encode()) < 4_000
    assert caller.press("0").find("Enqueue") is not None
    [case] = cases(app)
    assert case.rating is None


def test_an_answer_is_rated_once_then_a_new_answer_again(app, make_caller):
    reference = make_case(app, ("transmit", "answer"))
    first = make_caller()
    follow(first, reference)
    assert first.press("5").keys == ["rating_thanks", "offer_reopen"]
    second = make_caller()
    turn = follow(second, reference)
    assert turn.keys == ["status_answered", "reply_intro", "rating_already_given",
                         "offer_reopen"]
    assert second.press("9").keys[0] == "reopened"
    change_case(app, reference, ("answer", "Nouvelle réponse.", "fr"))
    third = make_caller()
    assert follow(third, reference).keys[-1] == "ask_rating"
    third.press("2")
    [case] = cases(app)
    assert case.rating == 2
    assert [e.data["rating"] for e in case.events if e.action == "rate"] == [5, 2]


def test_a_rating_given_meanwhile_from_another_call_is_refused_politely(app, make_caller):
    reference = make_case(app, ("transmit", "answer"))
    first, second = make_caller(), make_caller()
    follow(first, reference)
    follow(second, reference)  # both hear "rate this reply"
    first.press("4")
    assert second.press("1").keys == ["rating_already_given", "offer_reopen"]
    [case] = cases(app)
    assert case.rating == 4


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


def test_a_case_without_a_phone_cannot_be_disclosed_by_phone(app, make_caller):
    caller = make_caller()
    follow(caller, make_case(app, ("transmit",), phone=None))
    assert caller.press("0000").keys == ["phone_last4_wrong", "ask_phone_last4"]
