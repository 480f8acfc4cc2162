"""The case service: the only writer of cases, one state-machine move and one event per call."""
import datetime as dt

import pytest
from sqlalchemy import func
from sqlalchemy import select

from shared import notify
from shared import references
from shared.cases import PHONE_CHECK_COOLDOWN
from shared.cases import PHONE_CHECK_MAX_FAILURES
from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import case_summary
from shared.errors import AlreadyRated
from shared.errors import IllegalTransition
from shared.errors import InvalidCase
from shared.errors import NoSuchCase
from shared.models import Administration
from shared.models import Case
from shared.models import CaseEvent
from shared.models import User
from shared.types import CaseKind
from shared.types import CaseStatus as S
from shared.types import Channel
from shared.types import CloseReason as R
from shared.types import Role
from tests.shared.helpers import CIN
from tests.shared.helpers import MAY_10
from tests.shared.helpers import PATHS
from tests.shared.helpers import PHONE
from tests.shared.helpers import apply
from tests.shared.helpers import bring_to
from tests.shared.helpers import file_case
from tests.shared.helpers import new_case
from tests.shared.test_states import TABLE


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def emitted(monkeypatch):
    """The live events actually emitted (after commit)."""
    sent = []
    monkeypatch.setattr(notify, "_emitter", lambda name, payload, to=None:
                        sent.append((name, payload, to)))
    return sent


# -- filing --------------------------------------------------------------------------------

def test_filing_writes_the_case_and_its_first_event(session, admin):
    case = CaseService(session, actor="ivr", clock=lambda: MAY_10).file(
        new_case(admin, note="filed by phone"))
    session.commit()
    session.expire_all()

    case = session.scalar(select(Case))
    assert references.is_valid(case.reference)
    assert case.status is S.RECEIVED and case.kind is CaseKind.COMPLAINT
    assert case.administration_id == admin.id and case.channel is Channel.PHONE_AGENT
    assert (case.citizen_name, case.citizen_cin, case.citizen_phone) == ("Fatima Zahra", CIN,
                                                                         PHONE)
    assert (case.citizen_commune, case.citizen_address) == ("Rabat", "12 rue Oqba")
    assert case.filed_at == MAY_10 and case.updated_at == MAY_10
    assert (case.transmit_due_on, case.reply_due_on) == (dt.date(2025, 5, 25),
                                                         dt.date(2025, 7, 9))
    assert case.reopen_count == 0 and case.rating is None and case.close_reason is None
    [event] = case.events
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "file", "ivr", None, S.RECEIVED)
    assert event.note == "filed by phone" and event.at == MAY_10
    assert event.data == {"channel": "phone_agent"}
    assert event.user_id is None


def test_a_voicemail_may_leave_the_administration_pending(session):
    case = file_case(session, None, pending_fields=["administration", "cin"])
    session.commit()
    assert case.administration_id is None and case.pending_fields == ["administration", "cin"]


@pytest.mark.parametrize("overrides, message", [
    ({"kind": "complaint"}, "kind"),
    ({"administration": None}, "administration"),
    ({"language": ""}, "language"),
    ({"channel": "web"}, "channel"),
])
def test_filing_validates(session, admin, overrides, message):
    with pytest.raises(InvalidCase, match=message):
        file_case(session, admin, **overrides)
    session.rollback()
    assert count(session, Case) == 0 and count(session, CaseEvent) == 0


def test_filing_refuses_an_inactive_administration(session, admin):
    admin.active = False
    try:
        with pytest.raises(InvalidCase, match="no longer"):
            file_case(session, admin)
    finally:
        session.rollback()


def test_a_retried_filing_with_the_same_key_files_once(session, admin):
    first = file_case(session, admin, idempotency_key="open311:abc")
    session.commit()
    again = file_case(session, admin, idempotency_key="open311:abc", description="other")
    session.commit()
    assert again.id == first.id and count(session, Case) == 1 and count(session, CaseEvent) == 1


def test_a_rolled_back_filing_leaves_nothing(session, admin, emitted):
    file_case(session, admin)
    session.rollback()
    assert count(session, Case) == 0 and count(session, CaseEvent) == 0
    assert emitted == []


def test_lookups(session, admin):
    case = file_case(session, admin)
    session.commit()
    service = CaseService(session)
    assert service.get(case.reference) is case and service.find(case.reference) is case
    assert service.find("1234567890") is None
    with pytest.raises(NoSuchCase) as missing:
        service.get("1234567890")
    assert missing.value.http_status == 404


# -- live events ---------------------------------------------------------------------------

def test_live_events_are_sent_after_commit_without_personal_data(session, admin, emitted):
    case = file_case(session, admin)
    assert emitted == []  # not before the commit
    session.commit()
    [(name, payload, room)] = emitted
    assert (name, room) == ("case_filed", "cases")
    assert payload == case_summary(case)
    assert payload["reference"] == case.reference and payload["status"] == "received"
    assert payload["phone"] == "***********78"
    assert CIN not in str(payload) and "Fatima" not in str(payload) and PHONE not in str(payload)


def test_live_events_of_a_rolled_back_move_are_dropped(session, admin, emitted):
    case = file_case(session, admin)
    session.commit()
    CaseService(session).transmit(case)
    session.rollback()
    session.commit()
    assert [name for name, _, _ in emitted] == ["case_filed"]


def test_a_reference_collision_does_not_drop_earlier_live_events(session, admin, emitted,
                                                                   monkeypatch):
    """The savepoint rolled back on a collision must not discard what the transaction
    queued before it (the first filing's event)."""
    first = file_case(session, admin)
    drawn = iter([first.reference])
    real = references.new_reference
    monkeypatch.setattr(references, "new_reference", lambda: next(drawn, None) or real())
    second = file_case(session, admin)
    session.commit()
    assert [payload["reference"] for _, payload, _ in emitted] == [first.reference,
                                                                   second.reference]


def test_a_released_savepoint_sends_nothing_before_the_commit(session, admin, emitted):
    """Filing twice in one transaction (each filing uses a savepoint), or enqueueing a
    unique job after a filing, must not send the first filing's event before the commit:
    the transaction may still roll back."""
    from shared.jobs import enqueue
    first = file_case(session, admin)
    file_case(session, admin)
    enqueue(session, "send_filed_sms", unique_key=f"sms:{first.reference}",
            reference=first.reference)
    assert emitted == []
    session.rollback()
    assert emitted == [] and count(session, Case) == 0


def test_a_rolled_back_savepoint_drops_only_its_own_live_events(session, admin, emitted):
    first = file_case(session, admin)
    try:
        with session.begin_nested():
            CaseService(session).transmit(first)
            raise RuntimeError("changed my mind")
    except RuntimeError:
        pass
    with session.begin_nested():
        CaseService(session).close(first, "duplicate")
    session.commit()
    assert [(name, p["status"]) for name, p, _ in emitted] == [("case_filed", "received"),
                                                               ("case_updated", "duplicate")]


def test_live_events_of_a_session_closed_without_commit_are_dropped(session, admin, emitted):
    file_case(session, admin)
    session.close()
    file_case(session, admin)
    session.commit()
    assert len(emitted) == 1


# -- every move through the service ----------------------------------------------------------

SERVICE_PAIRS = [(action, reason, status) for (action, reason) in TABLE for status in PATHS]


@pytest.mark.parametrize("action, reason, status", SERVICE_PAIRS,
                         ids=lambda v: v.value if hasattr(v, "value") else str(v))
def test_the_service_applies_the_table(session, admin, action, reason, status):
    service = CaseService(session, actor="officer")
    case = bring_to(service, file_case(session, admin), status)
    session.commit()
    events_before = len(case.events)
    expected = TABLE[(action, reason)].get(S(status))
    kwargs = {"reason": reason} if reason else {}
    if reason is R.NOT_COMPETENT:
        kwargs["redirect_to"] = "Tribunal de première instance"

    if expected is None:
        with pytest.raises(IllegalTransition):
            apply(service, case, action, **kwargs)
        session.commit()
        session.expire_all()
        assert case.status.value == status and len(case.events) == events_before
        return
    apply(service, case, action, **kwargs)
    session.commit()
    session.expire_all()
    assert case.status is expected
    event = case.events[-1]
    assert len(case.events) == events_before + 1
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        action, "officer", S(status), expected)


def test_every_move_writes_its_event_in_the_same_transaction(session, admin):
    service = CaseService(session)
    case = file_case(session, admin)
    session.commit()
    for action in ("transmit", "start", "answer", "reopen"):
        before = count(session, CaseEvent)
        status = case.status
        apply(service, case, action)
        session.rollback()  # the move and its event go together
        assert count(session, CaseEvent) == before and case.status is status
        apply(service, case, action)
        session.commit()
        assert count(session, CaseEvent) == before + 1


def test_events_carry_actor_user_statuses_and_note(session, admin):
    officer = User(username="k.amrani", display_name="K. Amrani", role=Role.OFFICER,
                   password_hash="x", administration_id=admin.id)
    session.add(officer)
    session.flush()
    case = file_case(session, admin)
    service = CaseService(session, actor="ignored", user=officer)
    service.transmit(case, note="envoyé à la CNSS")
    session.commit()
    event = case.events[-1]
    assert event.actor == "user:k.amrani" and event.user_id == officer.id
    assert (event.from_status, event.to_status, event.note) == (S.RECEIVED, S.TRANSMITTED,
                                                                "envoyé à la CNSS")


def test_the_whole_life_of_a_case(session, admin):
    clock = [MAY_10]
    service = CaseService(session, actor="officer", clock=lambda: clock[0])
    case = file_case(session, admin)
    for day, (action, kwargs) in enumerate([
            ("transmit", {}), ("start", {}), ("answer", {"reply": "  Réponse motivée.  ",
                                                        "language": "ar"}),
            ("rate", {"rating": 2}), ("reopen", {"note": "pas convaincu"}), ("transmit", {}),
            ("answer", {}), ("rate", {"rating": 5}), ("close", {})], start=1):
        clock[0] = MAY_10 + dt.timedelta(days=day)
        apply(service, case, action, **kwargs)
    session.commit()
    assert [e.action for e in case.events] == [
        "file", "transmit", "start", "answer", "rate", "reopen", "transmit", "answer", "rate",
        "close"]
    assert [e.to_status for e in case.events][-1] is S.CLOSED
    assert case.rating == 5 and case.reopen_count == 1 and case.close_reason is R.ANSWERED
    assert case.transmitted_at == MAY_10 + dt.timedelta(days=6)
    assert case.closed_at == MAY_10 + dt.timedelta(days=9)
    assert case.updated_at == MAY_10 + dt.timedelta(days=9)


# -- answer, close, rate, reopen --------------------------------------------------------------

def test_answer_needs_a_reasoned_reply_and_its_language(session, admin):
    service = CaseService(session)
    case = bring_to(service, file_case(session, admin), "in_progress")
    for reply, language in (("", "fr"), ("   ", "fr"), (None, "fr"), ("Réponse", "")):
        with pytest.raises(InvalidCase):
            service.answer(case, reply, language)
    assert case.status is S.IN_PROGRESS
    service.answer(case, "  Réponse motivée : dossier réglé.  ", "fr")
    assert case.reply == "Réponse motivée : dossier réglé." and case.reply_language == "fr"
    assert case.replied_at is not None and case.events[-1].data == {"language": "fr"}


@pytest.mark.parametrize("reason, status", [
    (R.NOT_COMPETENT, S.NOT_COMPETENT), (R.INADMISSIBLE, S.INADMISSIBLE),
    (R.DUPLICATE, S.DUPLICATE), ("inadmissible", S.INADMISSIBLE)])
def test_close_before_an_answer(session, admin, reason, status):
    service = CaseService(session, clock=lambda: MAY_10)
    case = file_case(session, admin)
    service.close(case, reason, note="hors champ", redirect_to="  Tribunal de Rabat  ")
    session.commit()
    assert case.status is status and case.close_reason is R(reason)
    assert case.closed_at == MAY_10 and case.redirect_to == "Tribunal de Rabat"
    event = case.events[-1]
    assert event.action == "close" and event.note == "hors champ"
    assert event.data["reason"] == R(reason).value


def test_close_as_answered_needs_an_answer(session, admin):
    service = CaseService(session)
    case = bring_to(service, file_case(session, admin), "in_progress")
    with pytest.raises(IllegalTransition):
        service.close(case, R.ANSWERED)
    service.answer(case, "Réponse.", "fr")
    service.close(case, R.ANSWERED)
    assert case.status is S.CLOSED and case.redirect_to is None


@pytest.mark.parametrize("redirect_to", [None, "", "   "])
def test_not_competent_without_a_redirection_is_refused(session, admin, redirect_to):
    case = file_case(session, admin)
    session.commit()
    with pytest.raises(InvalidCase, match="redirection"):
        CaseService(session).close(case, R.NOT_COMPETENT, redirect_to=redirect_to)
    session.commit()
    assert case.status is S.RECEIVED and case.close_reason is None and len(case.events) == 1


def test_an_unknown_close_reason_is_an_invalid_case(session, admin):
    case = file_case(session, admin)
    with pytest.raises(InvalidCase, match="reason"):
        CaseService(session).close(case, "bored")
    assert case.status is S.RECEIVED


@pytest.mark.parametrize("rating", [0, 6, -1, True, False, "3", 3.0, None])
def test_rate_refuses_what_is_not_1_to_5(session, admin, rating):
    service = CaseService(session)
    case = bring_to(service, file_case(session, admin), "answered")
    with pytest.raises(InvalidCase, match="1 to 5"):
        service.rate(case, rating)
    assert case.rating is None and case.events[-1].action == "answer"


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_rate_accepts_1_to_5(session, admin, rating):
    service = CaseService(session)
    case = bring_to(service, file_case(session, admin), "closed")
    service.rate(case, rating, note="par SMS")
    session.commit()
    assert case.rating == rating and case.status is S.CLOSED
    event = case.events[-1]
    assert (event.action, event.from_status, event.to_status) == ("rate", S.CLOSED, S.CLOSED)
    assert event.data == {"rating": rating} and event.note == "par SMS"


@pytest.mark.parametrize("status", [s for s in PATHS if s not in ("answered", "closed")])
def test_rate_and_reopen_only_after_an_answer(session, admin, status):
    service = CaseService(session)
    case = bring_to(service, file_case(session, admin), status)
    reopened = case.reopen_count
    with pytest.raises(IllegalTransition):
        service.rate(case, 4)
    with pytest.raises(IllegalTransition):
        service.reopen(case)
    assert case.status.value == status and case.rating is None
    assert case.reopen_count == reopened


def test_reopen_counts_and_restarts_the_legal_clock(session, admin):
    clock = [MAY_10]
    service = CaseService(session, clock=lambda: clock[0])
    case = bring_to(service, service.file(new_case(admin)), "closed")
    assert case.reply_due_on == dt.date(2025, 7, 9)

    clock[0] = dt.datetime(2025, 9, 1, 23, 30, tzinfo=dt.timezone.utc)  # 2 Sept, local
    service.reopen(case, note="réponse incomplète")
    session.commit()
    session.expire_all()
    assert case.status is S.REOPENED and case.reopen_count == 1
    assert case.transmit_due_on == dt.date(2025, 9, 17)
    assert case.reply_due_on == dt.date(2025, 11, 1)
    assert case.close_reason is None and case.closed_at is None
    event = case.events[-1]
    assert (event.action, event.from_status, event.to_status, event.note) == (
        "reopen", S.CLOSED, S.REOPENED, "réponse incomplète")

    bring_again = [("answer", {}), ("reopen", {})]
    for action, kwargs in bring_again:
        apply(service, case, action, **kwargs)
    assert case.reopen_count == 2


# -- completing details ----------------------------------------------------------------------

def test_complete_fills_pending_fields_and_logs_names_not_values(session, admin):
    service = CaseService(session, actor="user:agent1")
    case = file_case(session, admin, citizen=Citizen(), pending_fields=["cin", "name",
                                                                      "description"])
    service.complete(case, citizen_cin="BE654321", citizen_name="Omar", note="rappel")
    session.commit()
    assert case.citizen_cin == "BE654321" and case.pending_fields == ["description"]
    event = case.events[-1]
    assert event.action == "complete" and event.from_status is event.to_status is S.RECEIVED
    assert event.data == {"fields": ["citizen_cin", "citizen_name"]}
    assert "654321" not in str(event.data) and "Omar" not in str(event.data)


def test_complete_refuses_other_fields(session, admin):
    case = file_case(session, admin)
    for field in ("status", "reference", "rating", "reply"):
        with pytest.raises(InvalidCase, match="cannot change"):
            CaseService(session).complete(case, **{field: "x"})
    assert case.status is S.RECEIVED and len(case.events) == 1


def test_complete_can_choose_the_administration(session, admin):
    case = file_case(session, None, pending_fields=["administration"])
    other = session.scalar(select(Administration).where(Administration.id != admin.id))
    CaseService(session).complete(case, administration=other)
    session.commit()
    assert case.administration_id == other.id and case.pending_fields == []


# -- one rating per answer -------------------------------------------------------------------

def test_an_answer_is_rated_once(session, admin):
    service = CaseService(session)
    case = bring_to(service, file_case(session, admin), "answered")
    service.rate(case, 2)
    with pytest.raises(AlreadyRated, match="already been rated") as refused:
        service.rate(case, 5)
    assert refused.value.error_id == "already-rated" and refused.value.http_status == 409
    assert case.rating == 2 and [e.action for e in case.events].count("rate") == 1
    service.close(case, R.ANSWERED)
    with pytest.raises(AlreadyRated):
        service.rate(case, 5)  # closing does not make it a new answer


def test_a_new_answer_after_reopening_can_be_rated_again(session, admin):
    service = CaseService(session)
    case = bring_to(service, file_case(session, admin), "answered")
    service.rate(case, 1)
    service.reopen(case)
    with pytest.raises(IllegalTransition):
        service.rate(case, 3)  # no new answer yet
    service.answer(case, "Nouvelle réponse motivée.", "fr")
    assert case.rating is None
    service.rate(case, 4)
    session.commit()
    assert case.rating == 4
    assert [e.data["rating"] for e in case.events if e.action == "rate"] == [1, 4]


# -- complete() validates what it writes ---------------------------------------------------

def test_complete_refuses_an_inactive_administration(session, admin):
    case = file_case(session, None, pending_fields=["administration"])
    other = session.scalar(select(Administration).where(Administration.id != admin.id))
    other.active = False
    try:
        with pytest.raises(InvalidCase, match="no longer receives"):
            CaseService(session).complete(case, administration=other)
        assert case.administration is None and case.pending_fields == ["administration"]
        assert [e.action for e in case.events] == ["file"]
    finally:
        session.rollback()


@pytest.mark.parametrize("value", [None, "201", 201])
def test_complete_refuses_what_is_not_an_administration(session, admin, value):
    case = file_case(session, None, pending_fields=["administration"])
    with pytest.raises(InvalidCase, match="administration"):
        CaseService(session).complete(case, administration=value)
    assert case.administration is None


@pytest.mark.parametrize("kind", ["complaint", CaseKind.SUGGESTION])
def test_complete_accepts_a_kind(session, admin, kind):
    case = file_case(session, admin)
    CaseService(session).complete(case, kind=kind)
    assert case.kind is CaseKind(kind)


@pytest.mark.parametrize("kind", ["bribe", "", None, 3])
def test_complete_refuses_an_invalid_kind(session, admin, kind):
    case = file_case(session, admin)
    with pytest.raises(InvalidCase, match="kind"):
        CaseService(session).complete(case, kind=kind)
    assert case.kind is CaseKind.COMPLAINT and len(case.events) == 1


@pytest.mark.parametrize("fields", [{"citizen_phone": "12"}, {"citizen_cin": "ABC1"},
                                    {"citizen_cin": "1234567"}, {"citizen_cin": 123456},
                                    {"citizen_phone": 612345678}])
def test_complete_refuses_an_invalid_identity(session, admin, fields):
    case = file_case(session, admin, citizen=Citizen())
    with pytest.raises(InvalidCase):
        CaseService(session).complete(case, **fields)
    assert case.citizen_phone is None and case.citizen_cin is None


def test_complete_normalises_an_identity(session, admin):
    case = file_case(session, admin, citizen=Citizen())
    CaseService(session).complete(case, citizen_phone="0612345678", citizen_cin="be 654321")
    assert (case.citizen_phone, case.citizen_cin) == ("+212612345678", "BE654321")
    CaseService(session).complete(case, citizen_cin=" 654321 ")  # keyed digits only
    assert case.citizen_cin == "654321"


# -- closing towards another administration --------------------------------------------------

def test_not_competent_can_name_another_administration(session, admin):
    other = session.scalar(select(Administration).where(Administration.id != admin.id,
                                                        Administration.active.is_(True)))
    case = file_case(session, admin)
    CaseService(session).close(case, R.NOT_COMPETENT, redirect_administration=other)
    session.commit()
    assert case.redirect_administration_id == other.id
    assert case.redirect_to == other.name("fr")  # what Open311 and the console show
    assert case.events[-1].data["redirect_administration"] == other.code


def test_a_redirection_must_be_an_administration(session, admin):
    case = file_case(session, admin)
    with pytest.raises(InvalidCase, match="redirection"):
        CaseService(session).close(case, R.NOT_COMPETENT, redirect_administration="201")
    assert case.status is S.RECEIVED


# -- the follow-up's phone check -------------------------------------------------------------

def test_the_phone_check_locks_after_five_failures_then_cools_down(session, admin):
    clock = [MAY_10]
    service = CaseService(session, actor="ivr", clock=lambda: clock[0])
    case = file_case(session, admin)
    assert [service.fail_phone_check(case) for _ in range(PHONE_CHECK_MAX_FAILURES)] \
        == [False] * (PHONE_CHECK_MAX_FAILURES - 1) + [True]
    assert service.phone_check_locked(case)
    assert case.phone_check_locked_until == MAY_10 + PHONE_CHECK_COOLDOWN
    assert case.events[-1].action == "lock_phone_check"
    assert case.events[-1].from_status is case.events[-1].to_status is S.RECEIVED
    clock[0] = MAY_10 + PHONE_CHECK_COOLDOWN - dt.timedelta(seconds=1)
    assert service.phone_check_locked(case)
    clock[0] = MAY_10 + PHONE_CHECK_COOLDOWN
    assert not service.phone_check_locked(case)
    assert service.fail_phone_check(case) is False  # a fresh count after the cool-down
    assert case.phone_check_failures == 1 and case.phone_check_locked_until is None


def test_the_right_digits_clear_earlier_failures(session, admin):
    service = CaseService(session)
    case = file_case(session, admin)
    for _ in range(PHONE_CHECK_MAX_FAILURES - 1):
        service.fail_phone_check(case)
    service.pass_phone_check(case)
    session.commit()
    assert case.phone_check_failures == 0
    assert service.fail_phone_check(case) is False


# -- the description recording's transcript ------------------------------------------------
@pytest.fixture()
def agent(session):
    user = User(username="n.alaoui", display_name="N. Alaoui", role=Role.AGENT,
                password_hash="x")
    session.add(user)
    session.flush()
    return user


def test_a_machine_transcript_is_a_draft_whose_words_stay_out_of_the_trail(session, admin):
    case = file_case(session, admin)
    CaseService(session, actor="speech", clock=lambda: MAY_10).attach_transcript(
        case, "mon dossier est bloqué", "fr", 0.8123, "fr")
    session.commit()
    assert (case.recording_transcript, case.recording_transcript_language,
            case.recording_transcript_confidence, case.recording_transcript_model,
            case.recording_transcribed_at) == ("mon dossier est bloqué", "fr", 0.8123, "fr",
                                               MAY_10)
    assert case.recording_transcript_correction is None
    event = case.events[-1]
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "attach_transcript", "speech", S.RECEIVED, S.RECEIVED)
    assert event.data == {"language": "fr", "model": "fr", "words": 4, "confidence": 0.812}
    assert "dossier" not in str(event.data) and event.note is None


def test_a_machine_transcript_is_never_overwritten(session, admin, agent):
    case = file_case(session, admin)
    service = CaseService(session, actor="speech")
    service.attach_transcript(case, "premier", "fr", 0.5, "fr")
    service.correct_transcript(case, "corrigé", agent)
    service.attach_transcript(case, "second", "fr", 0.9, "fr")
    session.commit()
    assert (case.recording_transcript, case.recording_transcript_confidence,
            case.recording_transcript_correction) == ("premier", 0.5, "corrigé")
    assert [e.action for e in case.events].count("attach_transcript") == 1


def test_nothing_heard_is_attached_with_a_note(session, admin):
    case = file_case(session, admin)
    CaseService(session, actor="speech").attach_transcript(case, "", "fr", None, "fr")
    session.commit()
    assert case.recording_transcript == "" and case.recording_transcribed_at is not None
    assert case.events[-1].note == "nothing recognised"
    assert case.events[-1].data["confidence"] is None


def test_an_agents_correction_stands_beside_the_machines_and_names_the_agent(
        session, admin, agent):
    case = file_case(session, admin)
    CaseService(session, actor="speech").attach_transcript(case, "mon do sié", "fr", 0.4, "fr")
    CaseService(session, actor="ignored", clock=lambda: MAY_10).correct_transcript(
        case, "  mon dossier  ", agent)
    session.commit()
    assert case.recording_transcript == "mon do sié"
    assert case.recording_transcript_correction == "mon dossier"
    assert case.recording_transcript_corrected_by is agent
    assert case.recording_transcript_corrected_at == MAY_10
    event = case.events[-1]
    assert (event.action, event.actor, event.user_id) == (
        "correct_transcript", "user:n.alaoui", agent.id)
    assert "dossier" not in str(event.data)


def test_an_agent_may_write_a_transcript_where_the_machine_had_none(session, admin, agent):
    case = file_case(session, admin)
    CaseService(session).correct_transcript(case, "écouté par l'agent", agent)
    assert case.recording_transcript is None
    assert case.recording_transcript_correction == "écouté par l'agent"


@pytest.mark.parametrize("text", ["", "   ", None, 42, "x" * 20_001])
def test_a_correction_needs_some_text(session, admin, agent, text):
    case = file_case(session, admin)
    with pytest.raises(InvalidCase):
        CaseService(session).correct_transcript(case, text, agent)
    assert case.recording_transcript_correction is None


def test_a_correction_is_made_by_a_console_user(session, admin):
    case = file_case(session, admin)
    with pytest.raises(InvalidCase):
        CaseService(session, actor="api:portal").correct_transcript(case, "texte", None)


def test_clearing_a_transcript_clears_the_correction_too(session, admin, agent):
    case = file_case(session, admin)
    service = CaseService(session, actor="retention")
    service.attach_transcript(case, "texte", "fr", 0.5, "fr")
    service.correct_transcript(case, "texte corrigé", agent)
    service.clear_transcript(case, note="deleted with its recording")
    session.commit()
    assert (case.recording_transcript, case.recording_transcript_correction,
            case.recording_transcript_corrected_by, case.recording_transcribed_at,
            case.recording_transcript_model) == (None, None, None, None, None)
    assert case.events[-1].action == "clear_transcript"
    assert case.events[-1].note == "deleted with its recording"
