"""SMS to citizens through Twilio's Messages API, always from a job, once per event.

`send_once` writes the attempt (an `sms_messages` row keyed by the event) before Twilio is
asked and the Message SID after. An attempt without a SID ended without an answer (a
timeout while Twilio was slow, a crash mid-send): before sending again, Twilio's list of
messages to that number is searched for the same body created since that attempt.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import jobs
from . import messages
from . import twilio_rest
from .database import will_write
from .extensions import db
from .identity import is_mobile
from .identity import mask
from .models import Case
from .models import SmsMessage
from .models import utcnow

log = logging.getLogger(__name__)
# Twilio's clock and ours may differ a little: a message created this long before our
# attempt's time still counts as that attempt's.
CLOCK_SKEW = dt.timedelta(minutes=5)
LOOKUP_PAGE_SIZE = 20  # newest first; a citizen gets a handful of messages at most


def filed_text(case: Case) -> str:
    return messages.text("sms_filed", case.language, reference=case.reference,
                         date=case.reply_due_on.strftime("%d/%m/%Y"))


def _send_to_case(reference: str, key: str, text_of) -> None:
    """Text `text_of(case)` to the case's phone once under `key` (a job: the case may have
    lost its phone since, to retention)."""
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is not None and case.citizen_phone:
        send_once(db.session, key, case.citizen_phone, text_of(case))


def send_filed_sms(app, reference: str) -> None:
    """Text the reference number and the legal reply date to the case's phone."""
    _send_to_case(reference, f"filed:{reference}", filed_text)


def schedule_filed_sms(session, case: Case) -> None:
    """Queue the acknowledgement SMS in the filing's own transaction, mobiles only."""
    if case.citizen_phone and is_mobile(case.citizen_phone):
        jobs.enqueue(session, "send_filed_sms", unique_key=f"sms:{case.reference}",
                     reference=case.reference)


# What the administration did that the citizen is told of (a key of the catalogues).
NEWS_TEXTS = {"answered": "sms_answered", "information_needed": "sms_information_needed"}


def news_text(case: Case, news: str) -> str:
    return messages.text(NEWS_TEXTS[news], case.language, reference=case.reference)


def send_news_sms(app, reference: str, news: str, event_id: int) -> None:
    """Tell the citizen the case was answered (call 3737, key 4 to hear and rate it) or
    needs information (call 3737, an agent adds it)."""
    _send_to_case(reference, f"{news}:{reference}:{event_id}",
                  lambda case: news_text(case, news))


def schedule_news_sms(session, case: Case, news: str) -> None:
    """Queue the SMS of `news` in the move's own transaction, once per event of the trail
    (a second answer after a reopening is news again), mobiles only."""
    if news not in NEWS_TEXTS:
        raise ValueError(f"unknown news {news!r}")
    if not (case.citizen_phone and is_mobile(case.citizen_phone)):
        return
    session.flush()
    event_id = case.events[-1].id
    jobs.enqueue(session, "send_news_sms", unique_key=f"sms:{news}:{event_id}",
                 reference=case.reference, news=news, event_id=event_id)


def register_jobs(app) -> None:
    jobs.register(app, "send_filed_sms", send_filed_sms)
    jobs.register(app, "send_news_sms", send_news_sms)


def send_once(session: Session, event_key: str, phone: str, body: str) -> str:
    """Send `body` to `phone` once for `event_key`; returns the Message SID. No database
    transaction is held while Twilio is asked (on SQLite it would hold the write lock)."""
    record = _record(session, event_key, body)
    record_id, sid, body, attempted_at = (record.id, record.message_sid, record.body,
                                          record.attempted_at)
    session.rollback()
    if sid:
        return sid
    if attempted_at is not None:
        sid = _sent_earlier(phone, body, attempted_at)
        if sid:
            _store_sid(session, record_id, sid)
            log.info("SMS %s for %s was sent by an earlier attempt to %s", sid, event_key,
                     mask(phone))
            return sid
    session.execute(update(SmsMessage).where(SmsMessage.id == record_id).values(
        attempts=SmsMessage.attempts + 1, attempted_at=utcnow()))
    session.commit()  # the attempt is on record before Twilio hears of it
    with twilio_rest.classified():
        message = twilio_rest.client().messages.create(
            to=phone, from_=current_app.config["TWILIO_SMS_FROM"], body=body)
    _store_sid(session, record_id, message.sid)
    log.info("SMS %s sent to %s for %s", message.sid, mask(phone), event_key)
    return message.sid


def _record(session: Session, event_key: str, body: str) -> SmsMessage:
    """The event's row, written (and committed) the first time with the body to send."""
    will_write(session)  # SQLite: this read is followed by its insert (no stale snapshot)
    record = session.scalar(select(SmsMessage).where(SmsMessage.event_key == event_key))
    if record is not None:
        return record
    session.add(SmsMessage(event_key=event_key, body=body, attempts=0))
    try:
        session.commit()
    except IntegrityError:  # written meanwhile by another worker
        session.rollback()
    return session.scalar(select(SmsMessage).where(SmsMessage.event_key == event_key))


def _sent_earlier(phone: str, body: str, attempted_at: dt.datetime) -> str | None:
    """The SID of a message to `phone` with `body` that Twilio created since the attempt.
    Filtered by number only: a message Twilio still queues has no DateSent yet, so a
    DateSent filter would miss the very message a timed-out attempt left behind."""
    since = attempted_at - CLOCK_SKEW
    try:
        with twilio_rest.classified():
            found = twilio_rest.client().messages.list(to=phone, limit=LOOKUP_PAGE_SIZE)
    except twilio_rest.TwilioRejected as rejected:
        # The list will never answer (a stand-in without it): waiting cannot help, and a
        # possible second SMS is better than none. A failure that may pass is re-raised.
        log.warning("the list of messages cannot be read (%s): sending again", rejected)
        return None
    for message in found:
        if message.body == body and message.date_created and message.date_created >= since:
            return message.sid
    return None


def _store_sid(session: Session, record_id: int, sid: str) -> None:
    session.execute(update(SmsMessage).where(SmsMessage.id == record_id).values(
        message_sid=sid, sent_at=utcnow()))
    session.commit()
