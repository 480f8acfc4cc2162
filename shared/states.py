"""The case state machine: which action may move a case from which status to which.

    received ──transmit──▶ transmitted ──start──▶ in_progress ──answer──▶ answered ──close──▶ closed
        │                      │                      │                     │  ▲
        └──── close(not_competent | inadmissible | duplicate) ──────────────┘  │
    answered / closed ──reopen──▶ reopened ──transmit / start / answer / close(...)

Rating is allowed once there is an answer and does not change the status; so is asking
the citizen for more information, while the administration holds the case.
"""
from .errors import IllegalTransition
from .types import CaseStatus as S
from .types import CloseReason

OPEN_BEFORE_ANSWER = (S.RECEIVED, S.TRANSMITTED, S.IN_PROGRESS, S.REOPENED)

# action -> {from status: to status}; close is resolved per reason below.
TRANSITIONS: dict[str, dict[S, S]] = {
    "transmit": {S.RECEIVED: S.TRANSMITTED, S.REOPENED: S.TRANSMITTED},
    "start": {S.TRANSMITTED: S.IN_PROGRESS, S.REOPENED: S.IN_PROGRESS},
    "answer": {S.TRANSMITTED: S.ANSWERED, S.IN_PROGRESS: S.ANSWERED, S.REOPENED: S.ANSWERED},
    "reopen": {S.ANSWERED: S.REOPENED, S.CLOSED: S.REOPENED},
    "rate": {S.ANSWERED: S.ANSWERED, S.CLOSED: S.CLOSED},
    "ask_information": {S.TRANSMITTED: S.TRANSMITTED, S.IN_PROGRESS: S.IN_PROGRESS,
                        S.REOPENED: S.REOPENED},
}

CLOSE_TARGET = {
    CloseReason.ANSWERED: S.CLOSED,
    CloseReason.NOT_COMPETENT: S.NOT_COMPETENT,
    CloseReason.INADMISSIBLE: S.INADMISSIBLE,
    CloseReason.DUPLICATE: S.DUPLICATE,
}
CLOSE_FROM = {
    CloseReason.ANSWERED: (S.ANSWERED,),
    CloseReason.NOT_COMPETENT: OPEN_BEFORE_ANSWER,
    CloseReason.INADMISSIBLE: OPEN_BEFORE_ANSWER,
    CloseReason.DUPLICATE: OPEN_BEFORE_ANSWER,
}

FINAL = frozenset({S.CLOSED, S.NOT_COMPETENT, S.INADMISSIBLE, S.DUPLICATE})
# While one of these, the administration still has to transmit the case (15 days).
TO_TRANSMIT = (S.RECEIVED, S.REOPENED)


def working_due_on(status: S | None, transmit_due_on, reply_due_on):
    """The legal date the administration works to at `status`: the transmission's while it
    must still transmit, the reply's until it answers, None after (cases.due_on, the
    work list's order)."""
    if status in TO_TRANSMIT:
        return transmit_due_on
    return reply_due_on if status in OPEN_BEFORE_ANSWER else None


def next_status(action: str, current: S, reason: CloseReason | None = None) -> S:
    """The status after `action`, or IllegalTransition naming what is allowed."""
    if action == "close":
        if reason is None:
            raise IllegalTransition("closing a case needs a reason")
        try:
            reason = CloseReason(reason)
        except ValueError:
            raise IllegalTransition(
                f"unknown close reason {reason!r}"
                f" (one of {', '.join(r.value for r in CloseReason)})") from None
        allowed = CLOSE_FROM[reason]
        if current not in allowed:
            raise IllegalTransition(
                f"cannot close a case that is {current.value} with reason {reason.value}"
                f" (only from {', '.join(s.value for s in allowed)})")
        return CLOSE_TARGET[reason]
    moves = TRANSITIONS.get(action)
    if moves is None:
        raise IllegalTransition(f"unknown action {action!r}")
    if current not in moves:
        raise IllegalTransition(
            f"cannot {action} a case that is {current.value}"
            f" (only from {', '.join(s.value for s in moves)})")
    return moves[current]


def is_open(status: S) -> bool:
    """Open311's open/closed: a case is closed once it reached a final status."""
    return status not in FINAL
