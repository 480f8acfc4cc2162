"""SMS to citizens through Twilio's Messages API, always from a job (retried on failure)."""
import logging

from flask import current_app
from sqlalchemy import select

from . import messages
from . import twilio_rest
from .extensions import db
from .identity import mask
from .jobs import job
from .models import Case

log = logging.getLogger(__name__)


def filed_text(case: Case) -> str:
    return messages.text("sms_filed", case.language, reference=case.reference,
                         date=case.reply_due_on.strftime("%d/%m/%Y"))


@job("send_filed_sms")
def send_filed_sms(app, reference: str) -> None:
    """Text the reference number and the legal reply date to the case's phone."""
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None or not case.citizen_phone:
        return
    phone, body = case.citizen_phone, filed_text(case)
    db.session.rollback()  # no database transaction (on SQLite, the write lock) held over HTTP
    message = twilio_rest.client().messages.create(
        to=phone, from_=current_app.config["TWILIO_SMS_FROM"], body=body)
    log.info("SMS %s sent to %s for case %s", message.sid, mask(phone), reference)


def schedule_filed_sms(session, case: Case) -> None:
    """Queue the acknowledgement SMS in the filing's own transaction, mobiles only."""
    from .identity import is_mobile
    from .jobs import enqueue
    if case.citizen_phone and is_mobile(case.citizen_phone):
        enqueue(session, "send_filed_sms", unique_key=f"sms:{case.reference}",
                reference=case.reference)
