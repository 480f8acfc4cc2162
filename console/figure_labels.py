"""What supervisors read for the figures' columns and groups (Babel): the one place the
board's, the calls' and the cases' headings are written (pages and CSV files share them)."""
from flask_babel import lazy_gettext as _l

from shared.types import AdministrationKind

BOARD_COLUMNS = {
    "calls_waiting": _l("Callers waiting"),
    "longest_wait_seconds": _l("Longest wait (s)"),
    "calls_in_progress": _l("Calls in progress"),
    "agents_available": _l("Agents available"),
    "agents_on_call": _l("Agents on a call"),
    "agents_wrap_up": _l("Agents in wrap-up"),
    "agents_paused": _l("Agents paused"),
    "agents_offline": _l("Agents offline"),
    "callbacks_waiting": _l("Callbacks waiting"),
    "voicemails_waiting": _l("Voicemails waiting"),
    "agent": _l("Agent"),
    "state": _l("State"),
    "reason": _l("Reason"),
    "figure": _l("Figure"),
    "value": _l("Value"),
}
CALL_COLUMNS = {
    "offered": _l("Calls offered"),
    "ivr_only": _l("Handled by the IVR alone"),
    "to_agents": _l("Handed to agents"),
    "answered_by_agents": _l("Answered by agents"),
    "answered_within_20s": _l("Answered within 20 s"),
    "answered_within_20s_percent": _l("% within 20 s"),
    "answered_within_60s": _l("Answered within 60 s"),
    "answered_within_60s_percent": _l("% within 60 s"),
    "abandoned": _l("Abandoned"),
    "abandoned_percent": _l("% abandoned"),
    "average_handling_seconds": _l("Average handling time (s)"),
    "survey_answers": _l("Survey answers"),
    "average_rating": _l("Average rating (1-5)"),
    "satisfaction_percent": _l("Satisfaction (%)"),
}
CASE_COLUMNS = {
    "received": _l("Cases received"),
    "processed": _l("Processed"),
    "processed_percent": _l("% processed"),
    "in_progress": _l("In progress"),
    "reopened": _l("Reopened"),
    "average_days_to_answer": _l("Average days to answer"),
    "ratings": _l("Ratings"),
    "satisfaction_percent": _l("Satisfaction (%)"),
}
GROUPS = {
    "hour": _l("Hour"),
    "day": _l("Day"),
    "agent": _l("Agent"),
    "language": _l("Language"),
    "month": _l("Month"),
    "administration": _l("Administration"),
    "kind": _l("Type of administration"),
    "step": _l("Step at hang-up"),
    "calls": _l("Calls"),
}
ADMINISTRATION_KINDS = {
    AdministrationKind.MINISTRY.value: _l("Ministerial department"),
    AdministrationKind.PUBLIC_BODY.value: _l("Public body or company"),
    AdministrationKind.REGION.value: _l("Region"),
    AdministrationKind.PROVINCE.value: _l("Province or prefecture"),
    AdministrationKind.COMMUNE.value: _l("Commune"),
}
