"""What agents read for the domain's codes: kinds of case and case statuses (Babel)."""
from flask_babel import lazy_gettext as _l

from shared.languages import load_languages
from shared.types import CaseKind
from shared.types import CaseStatus

KINDS = {
    CaseKind.COMPLAINT.value: _l("Complaint"),
    CaseKind.OBSERVATION.value: _l("Observation"),
    CaseKind.SUGGESTION.value: _l("Suggestion"),
}
STATUSES = {
    CaseStatus.RECEIVED.value: _l("Received"),
    CaseStatus.TRANSMITTED.value: _l("Transmitted"),
    CaseStatus.IN_PROGRESS.value: _l("In progress"),
    CaseStatus.ANSWERED.value: _l("Answered"),
    CaseStatus.CLOSED.value: _l("Closed"),
    CaseStatus.REOPENED.value: _l("Reopened"),
    CaseStatus.NOT_COMPETENT.value: _l("Not competent"),
    CaseStatus.INADMISSIBLE.value: _l("Inadmissible"),
    CaseStatus.DUPLICATE.value: _l("Duplicate"),
}


def language_names() -> dict[str, str]:
    """Each caller language's own name (Darija, Arabic, French), as the IVR offers them."""
    return {language.code: language.name for language in load_languages()}
