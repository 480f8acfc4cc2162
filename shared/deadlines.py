"""Deadline alerts: cases near (DEADLINE_WARNING_DAYS before) or past their legal dates
(15 days to transmit, 60 to answer: shared/legal.py) are told to the officers of their
administration (and of the administrations above it) and to the supervisors: a console
notification, pushed live to each user's own room, and an e-mail when SMTP is configured.

Each case is alerted once per threshold and due date (a reopened case has new dates, so new
alerts): the `deadline_alerts` row is the proof, inserted under a unique constraint, so
another run or another worker at the same time finds it and does nothing. Run by the
recurring job `deadlines` (DEADLINE_CHECK_MINUTES) and `flask deadlines run`."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import jobs
from . import legal
from . import mail
from . import messages
from .database import will_write
from .extensions import db
from .models import Case
from .models import DeadlineAlert
from .models import Notification
from .models import User
from .models import utcnow
from .notify import queue_event
from .notify import user_room
from .states import OPEN_BEFORE_ANSWER
from .states import TO_TRANSMIT
from .types import Role
from .urls import public_url

log = logging.getLogger(__name__)
TRANSMIT_SOON, TRANSMIT_OVERDUE = "transmit_soon", "transmit_overdue"
REPLY_SOON, REPLY_OVERDUE = "reply_soon", "reply_overdue"
THRESHOLDS = (TRANSMIT_SOON, TRANSMIT_OVERDUE, REPLY_SOON, REPLY_OVERDUE)
EVENT = "notification"
JOB = "deadlines"
MAIL_JOB = "deadline_mail"


@dataclass(frozen=True)
class Due:
    threshold: str
    due_on: dt.date


def thresholds_reached(case: Case, today: dt.date, warning_days: int) -> list[Due]:
    """The thresholds `case` has reached on `today`: past a date is overdue, within
    `warning_days` of it is soon (only the furthest one of each clock)."""
    clocks = []
    if case.status in TO_TRANSMIT:
        clocks.append((case.transmit_due_on, TRANSMIT_SOON, TRANSMIT_OVERDUE))
    if case.status in OPEN_BEFORE_ANSWER:
        clocks.append((case.reply_due_on, REPLY_SOON, REPLY_OVERDUE))
    reached = []
    for due_on, soon, overdue in clocks:
        if today > due_on:
            reached.append(Due(overdue, due_on))
        elif today >= due_on - dt.timedelta(days=warning_days):
            reached.append(Due(soon, due_on))
    return reached


def candidates(session: Session, today: dt.date, warning_days: int) -> list[Case]:
    """Open cases whose transmit or reply date is within the warning or past it."""
    horizon = today + dt.timedelta(days=warning_days)
    return list(session.scalars(select(Case).where(
        Case.status.in_(OPEN_BEFORE_ANSWER),
        or_(Case.reply_due_on <= horizon,
            Case.status.in_(TO_TRANSMIT) & (Case.transmit_due_on <= horizon)))
        .order_by(Case.id)))


def recipients(session: Session, case: Case) -> list[User]:
    """The active officers of the case's administration and of those above it, and the
    active supervisors."""
    administrations, current = [], case.administration
    while current is not None and current.id not in administrations:
        administrations.append(current.id)
        current = current.parent
    return list(session.scalars(select(User).where(
        User.active.is_(True),
        (User.role == Role.SUPERVISOR)
        | ((User.role == Role.OFFICER) & User.administration_id.in_(administrations)))
        .order_by(User.id)))


def _new_alert(session: Session, case: Case, due: Due, now: dt.datetime) -> DeadlineAlert | None:
    """The alert, or None when it exists already (this run or another's)."""
    will_write(session)  # SQLite: the look-up is current, and the insert then its own
    exists = session.scalar(select(DeadlineAlert.id).where(
        DeadlineAlert.case_id == case.id, DeadlineAlert.threshold == due.threshold,
        DeadlineAlert.due_on == due.due_on))
    if exists is not None:
        return None
    alert = DeadlineAlert(case=case, threshold=due.threshold, due_on=due.due_on,
                          created_at=now)
    try:
        with session.begin_nested():  # a concurrent run inserted it first: its alert
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None
    return alert


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def _notify(session: Session, alert: DeadlineAlert, users: list[User], config,
            now: dt.datetime) -> None:
    for user in users:
        session.add(Notification(user_id=user.id, alert=alert, created_at=now))
    session.flush()
    for user in users:
        # The reference and the dates only: no citizen's identity in a live event.
        queue_event(session, EVENT, {"reference": alert.case.reference,
                                     "threshold": alert.threshold,
                                     "due_on": alert.due_on.isoformat(),
                                     "unread": unread_count(session, user.id)},
                    room=user_room(user.id))
        if mail.configured(config) and user.email:
            jobs.enqueue(session, MAIL_JOB, unique_key=f"deadline-mail:{alert.id}:{user.id}",
                         alert_id=alert.id, user_id=user.id)


def check(session: Session, config, now: dt.datetime | None = None) -> dict[str, int]:
    """Alert every case that reached a threshold since the last run; commits each case on
    its own (a long run holds no lock for long). Returns {threshold: new alerts}."""
    now = now or utcnow()
    today, warning_days = legal.local_date(now), config["DEADLINE_WARNING_DAYS"]
    counts = dict.fromkeys(THRESHOLDS, 0)
    for case_id in [case.id for case in candidates(session, today, warning_days)]:
        case = session.get(Case, case_id)
        for due in thresholds_reached(case, today, warning_days):
            alert = _new_alert(session, case, due, now)
            if alert is not None:
                _notify(session, alert, recipients(session, case), config, now)
                counts[due.threshold] += 1
        session.commit()
    log.info("deadline check: %s", ", ".join(f"{name} {count}" for name, count in counts.items()))
    return counts


def case_path(user: User, reference: str) -> str:
    """Where `user` sees a case in the console: an officer on the officers' case page (the
    agents' page refuses them), a supervisor on the agents' one."""
    if user.role is Role.OFFICER:
        return f"/console/officer/cases/{reference}"
    return f"/console/cases/{reference}"


def mail_text(alert: DeadlineAlert, user: User, language: str) -> tuple[str, str]:
    """The subject and body of an alert's e-mail to `user` in `language`: the reference,
    the administration, the date and where to see it, never the citizen's identity."""
    case = alert.case
    values = {"reference": case.reference, "date": alert.due_on.strftime("%d/%m/%Y"),
              "administration": case.administration.name(language)
              if case.administration else "-",
              "link": public_url(case_path(user, case.reference))}
    subject = messages.text(f"deadline_{alert.threshold}", language, **values)
    return subject, messages.text("deadline_mail_body", language, subject=subject, **values)


def send_mail(app, alert_id: int, user_id: int) -> None:
    """The job that mails one alert to one user (once: its unique key)."""
    session = db.session
    alert, user = session.get(DeadlineAlert, alert_id), session.get(User, user_id)
    if alert is None or user is None or not user.email or not user.active:
        return  # gone since (retention, user removed): nothing to tell
    if not mail.configured(app.config):
        raise jobs.PermanentError("SMTP_HOST is no longer configured")
    subject, body = mail_text(alert, user, user.console_language or "fr")
    mail.send(app.config, user.email, subject, body)
    log.info("deadline alert %s of case %s mailed to user %s", alert.threshold,
             alert.case.reference, user.id)


def run_job(app) -> None:
    check(db.session, app.config)


def register_jobs(app) -> None:
    jobs.register(app, JOB, run_job)
    jobs.register(app, MAIL_JOB, send_mail)
    from . import schedule
    minutes = app.config["DEADLINE_CHECK_MINUTES"]
    schedule.every(app, JOB, dt.timedelta(minutes=minutes) if minutes else None)
