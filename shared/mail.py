"""E-mail through the configured SMTP server (SMTP_* settings): STARTTLS when asked, a
timeout on every exchange. Without SMTP_HOST no mail is sent (`configured` is False)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from .jobs import PermanentError


def configured(config) -> bool:
    return bool(config["SMTP_HOST"])


def send(config, to: str, subject: str, body: str) -> None:
    """Send one plain-text message to `to`. A refused recipient is a PermanentError (no
    retry mends it); any other failure (server down, timeout) is retried by the job."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["SMTP_FROM"], to, subject
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"],
                      timeout=config["SMTP_TIMEOUT_SECONDS"]) as server:
        if config["SMTP_STARTTLS"]:
            server.starttls()
        if config["SMTP_USER"]:
            server.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        try:
            server.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            raise PermanentError(f"mail refused for {len(refused.recipients)} "
                                 "recipient(s)") from None
