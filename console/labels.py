"""What agents read for the domain's codes: kinds of case and case statuses (Babel). The
one place these labels are written; pages look them up by member or by code."""
from flask_babel import lazy_gettext as _l

from shared.languages import load_languages
from shared.types import CaseKind
from shared.types import CaseStatus

KIND_LABELS = {
    CaseKind.COMPLAINT: _l("Complaint"),
    CaseKind.OBSERVATION: _l("Observation"),
    CaseKind.SUGGESTION: _l("Suggestion"),
}
STATUS_LABELS = {
    CaseStatus.RECEIVED: _l("Received"),
    CaseStatus.TRANSMITTED: _l("Transmitted"),
    CaseStatus.IN_PROGRESS: _l("In progress"),
    CaseStatus.ANSWERED: _l("Answered"),
    CaseStatus.CLOSED: _l("Closed"),
    CaseStatus.REOPENED: _l("Reopened"),
    CaseStatus.NOT_COMPETENT: _l("Not competent (redirected)"),
    CaseStatus.INADMISSIBLE: _l("Inadmissible"),
    CaseStatus.DUPLICATE: _l("Duplicate"),
}
# The same, keyed by code (what JSON payloads and templates of plain values carry).
KINDS = {kind.value: label for kind, label in KIND_LABELS.items()}
STATUSES = {status.value: label for status, label in STATUS_LABELS.items()}


def language_names() -> dict[str, str]:
    """Each caller language's own name (Darija, Arabic, French), as the IVR offers them."""
    return {language.code: language.name for language in load_languages()}
