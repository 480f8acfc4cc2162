"""The state machine of shared/states.py, checked pair by pair against its documented table."""
import itertools

import pytest

from shared.errors import DomainError
from shared.errors import IllegalTransition
from shared.states import FINAL
from shared.states import is_open
from shared.states import next_status
from shared.types import CaseStatus as S
from shared.types import CloseReason as R

BEFORE_ANSWER = (S.RECEIVED, S.TRANSMITTED, S.IN_PROGRESS, S.REOPENED)

# The documented table (the docstring of shared/states.py), written out independently:
# (action, close reason or None) -> {from status: to status}; every other status is refused.
TABLE = {
    ("transmit", None): {S.RECEIVED: S.TRANSMITTED, S.REOPENED: S.TRANSMITTED},
    ("start", None): {S.TRANSMITTED: S.IN_PROGRESS, S.REOPENED: S.IN_PROGRESS},
    ("answer", None): {S.TRANSMITTED: S.ANSWERED, S.IN_PROGRESS: S.ANSWERED,
                       S.REOPENED: S.ANSWERED},
    ("close", R.ANSWERED): {S.ANSWERED: S.CLOSED},
    ("close", R.NOT_COMPETENT): {s: S.NOT_COMPETENT for s in BEFORE_ANSWER},
    ("close", R.INADMISSIBLE): {s: S.INADMISSIBLE for s in BEFORE_ANSWER},
    ("close", R.DUPLICATE): {s: S.DUPLICATE for s in BEFORE_ANSWER},
    # Reopening and rating need an answer: answered, or closed after an answer.
    ("reopen", None): {S.ANSWERED: S.REOPENED, S.CLOSED: S.REOPENED},
    ("rate", None): {S.ANSWERED: S.ANSWERED, S.CLOSED: S.CLOSED},
}
PAIRS = [(action, reason, status) for (action, reason), status in
         itertools.product(TABLE, list(S))]


def pair_id(value):
    return value.value if hasattr(value, "value") else str(value)


@pytest.mark.parametrize("action, reason, status", PAIRS, ids=pair_id)
def test_every_action_from_every_status(action, reason, status):
    expected = TABLE[(action, reason)].get(status)
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            next_status(action, status, reason)
        message = refused.value.message
        assert status.value in message and "only from" in message
        assert action in message
        assert refused.value.error_id == "illegal-transition"
        assert refused.value.http_status == 409
    else:
        assert next_status(action, status, reason) is expected


def test_the_table_covers_every_status():
    reached = {to for moves in TABLE.values() for to in moves.values()}
    assert reached | {S.RECEIVED} == set(S)


def test_the_refusal_names_what_is_allowed():
    with pytest.raises(IllegalTransition, match=r"cannot transmit a case that is closed "
                                                r"\(only from received, reopened\)"):
        next_status("transmit", S.CLOSED)
    with pytest.raises(IllegalTransition, match="cannot close a case that is received with "
                                                "reason answered"):
        next_status("close", S.RECEIVED, R.ANSWERED)


def test_close_needs_a_reason():
    with pytest.raises(IllegalTransition, match="needs a reason"):
        next_status("close", S.ANSWERED)


def test_close_accepts_the_reason_by_value():
    assert next_status("close", S.ANSWERED, "answered") is S.CLOSED


def test_an_unknown_close_reason_is_refused_clearly():
    with pytest.raises(DomainError, match="reason"):
        next_status("close", S.RECEIVED, "bored")


@pytest.mark.parametrize("action", ["file", "delete", "", "TRANSMIT"])
def test_unknown_actions_are_refused(action):
    with pytest.raises(IllegalTransition, match="unknown action"):
        next_status(action, S.RECEIVED)


def test_every_close_reason_has_a_final_status():
    assert {next_status("close", S.RECEIVED, r) for r in R if r is not R.ANSWERED} \
        == FINAL - {S.CLOSED}
    assert next_status("close", S.ANSWERED, R.ANSWERED) in FINAL


@pytest.mark.parametrize("status", list(S), ids=pair_id)
def test_is_open(status):
    assert is_open(status) is (status not in {S.CLOSED, S.NOT_COMPETENT, S.INADMISSIBLE,
                                              S.DUPLICATE})


def test_final_statuses_only_leave_by_reopening_after_an_answer():
    for status in FINAL:
        allowed = [(a, r) for (a, r), moves in TABLE.items()
                   if status in moves and moves[status] != status]
        assert allowed == ([("reopen", None)] if status is S.CLOSED else [])
