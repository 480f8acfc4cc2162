"""Logging set-up with a filter that masks CINs and phone numbers in every log line,
whatever code wrote it (law 09-08: personal data never in clear in logs)."""
import logging
import re

# +212612345678, 00212612345678, 0612345678, 212612345678 (and spaced forms).
_PHONE = re.compile(r"(?<![\w*])(?:\+|00)?\d[\d .-]{7,}\d(?!\w)")
# One or two capital letters followed by 3-6 digits, standing alone: AB123456, K12345.
_CIN = re.compile(r"(?<![A-Za-z0-9*])([A-Z]{1,2})(\d{3,6})(?![A-Za-z0-9])")
# References are 10 digits and not personal: keep them readable in logs.
_REFERENCE = re.compile(r"^\d{10}$")


def _mask_phone(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if _REFERENCE.match(text) or len(digits) < 9:
        return text
    return "*" * (len(text) - 2) + text[-2:]


def _mask_cin(match: re.Match) -> str:
    return "*" * (len(match.group(0)) - 2) + match.group(0)[-2:]


def mask_personal_data(text: str) -> str:
    """Mask anything that looks like a phone number or a CIN in `text`."""
    return _CIN.sub(_mask_cin, _PHONE.sub(_mask_phone, text))


class PersonalDataFilter(logging.Filter):
    """Rewrites each record's message with personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def configure(level: str = "INFO") -> None:
    """Install one masked handler on the root logger (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level)
    # The Twilio client logs every request and its headers at INFO: too chatty for a line.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    if not any(isinstance(f, PersonalDataFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(PersonalDataFilter())
        root.addHandler(handler)
