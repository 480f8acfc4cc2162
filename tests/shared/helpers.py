"""Helpers shared by the tests of shared/: filing cases and moving them along."""
import datetime as dt

from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.types import CaseKind
from shared.types import Channel
from shared.types import CloseReason

CIN = "AB123456"
PHONE = "+212612345678"
# A moment well outside Ramadan, when Morocco is on UTC+1: 10 May 2025, 10:00 UTC.
MAY_10 = dt.datetime(2025, 5, 10, 10, 0, tzinfo=dt.timezone.utc)


def new_case(admin, **overrides) -> NewCase:
    """A complete complaint against `admin`, with a citizen identity."""
    values = dict(kind=CaseKind.COMPLAINT, administration=admin, channel=Channel.PHONE_AGENT,
                  language="fr", subject="Retard", description="Remboursement en retard",
                  citizen=Citizen(name="Fatima Zahra", cin=CIN, phone=PHONE,
                                  commune="Rabat", address="12 rue Oqba"))
    values.update(overrides)
    return NewCase(**values)


def file_case(session, admin, actor="test", **overrides):
    """File one case (not committed) and return it."""
    return CaseService(session, actor=actor).file(new_case(admin, **overrides))


# How to bring a freshly filed case to each status, as a list of (action, kwargs).
PATHS = {
    "received": [],
    "transmitted": [("transmit", {})],
    "in_progress": [("transmit", {}), ("start", {})],
    "answered": [("transmit", {}), ("start", {}), ("answer", {})],
    "closed": [("transmit", {}), ("start", {}), ("answer", {}),
               ("close", {"reason": CloseReason.ANSWERED})],
    "reopened": [("transmit", {}), ("start", {}), ("answer", {}), ("reopen", {})],
    "not_competent": [("close", {"reason": CloseReason.NOT_COMPETENT,
                                 "redirect_to": "Tribunal administratif de Rabat"})],
    "inadmissible": [("close", {"reason": CloseReason.INADMISSIBLE})],
    "duplicate": [("close", {"reason": CloseReason.DUPLICATE})],
}


def apply(service: CaseService, case, action: str, **kwargs):
    """Apply `action` with sensible default arguments."""
    if action == "answer":
        kwargs.setdefault("reply", "Votre dossier a été traité : remboursement effectué.")
        kwargs.setdefault("language", "fr")
    elif action == "rate":
        kwargs.setdefault("rating", 4)
    elif action == "close":
        kwargs.setdefault("reason", CloseReason.ANSWERED)
    return getattr(service, action)(case, **kwargs)


def bring_to(service: CaseService, case, status: str):
    for action, kwargs in PATHS[status]:
        apply(service, case, action, **kwargs)
    assert case.status.value == status
    return case
