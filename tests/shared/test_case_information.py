"""CaseService.add_information: what a citizen adds on a later call is a line of the trail
(by whom, the text as its note), at any status, without changing it."""
import pytest

from shared.cases import MAX_INFORMATION_CHARS
from shared.cases import CaseService
from shared.errors import InvalidCase
from tests.shared.helpers import PATHS
from tests.shared.helpers import bring_to
from tests.shared.helpers import file_case


@pytest.mark.parametrize("status", list(PATHS))
def test_information_is_added_at_any_status_without_moving_the_case(session, admin, status):
    service = CaseService(session, actor="agent:test")
    case = bring_to(service, file_case(session, admin), status)
    service.add_information(case, "  Le reçu porte le numéro 42.  ")
    session.commit()
    event = case.events[-1]
    assert (event.action, event.note, event.actor) == (
        "add_information", "Le reçu porte le numéro 42.", "agent:test")
    assert event.from_status == event.to_status == case.status
    assert case.status.value == status


@pytest.mark.parametrize("text", ["", "   ", None, 42, "x" * (MAX_INFORMATION_CHARS + 1)])
def test_empty_or_too_long_information_is_refused(session, admin, text):
    case = file_case(session, admin)
    with pytest.raises(InvalidCase):
        CaseService(session).add_information(case, text)
    assert [e.action for e in case.events] == ["file"]
