"""What agents read for the domain's codes: statuses, the trail's actions, deadlines."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from shared import legal
from shared.models import Case
from shared.states import OPEN_BEFORE_ANSWER
from shared.states import TO_TRANSMIT
from shared.types import Channel

ACTION_LABELS = {
    "file": _l("Filed"),
    "transmit": _l("Transmitted to the administration"),
    "start": _l("Work started"),
    "answer": _l("Answered"),
    "close": _l("Closed"),
    "reopen": _l("Reopened"),
    "rate": _l("Rated"),
    "complete": _l("Details completed"),
    "add_information": _l("Information added"),
    "attach_transcript": _l("Recording transcribed"),
    "correct_transcript": _l("Transcript corrected"),
    "clear_transcript": _l("Transcript deleted"),
    "lock_phone_check": _l("Phone check locked"),
    "pseudonymise": _l("Personal data pseudonymised"),
    "ask_information": _l("More information asked of the citizen"),
    "note": _l("Internal note"),
}
CHANNEL_LABELS = {
    Channel.PHONE_IVR: _l("Phone (voice server)"),
    Channel.PHONE_AGENT: _l("Phone (agent)"),
    Channel.WEB: _l("Web portal"),
    Channel.APP: _l("Mobile app"),
    Channel.API: _l("Partner system (API)"),
}


@dataclass(frozen=True)
class Deadline:
    """One legal date of a case and where it stands today."""
    name: str  # transmit, reply
    due_on: dt.date
    running: bool  # False once met (or the case no longer waits for it)
    days_left: int  # negative: overdue

    @property
    def overdue(self) -> bool:
        return self.running and self.days_left < 0


def deadlines(case: Case, now: dt.datetime) -> list[Deadline]:
    """The 15-day transmission and the 60-day reply (décret 2-17-265), counted in days from
    today in Moroccan time; a reopened case runs both again."""
    today = legal.local_date(now)
    return [
        Deadline("transmit", case.transmit_due_on, case.status in TO_TRANSMIT,
                 (case.transmit_due_on - today).days),
        Deadline("reply", case.reply_due_on, case.status in OPEN_BEFORE_ANSWER,
                 (case.reply_due_on - today).days),
    ]
