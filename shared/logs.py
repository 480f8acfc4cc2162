"""Logging set-up with a filter that masks CINs and phone numbers in every log line,
whatever code wrote it (law 09-08: personal data never in clear in logs), including CIN
digits keyed on a phone (after a CIN label) and the parameters a database error quotes."""
import logging
import re

from . import references

# +212612345678, 00212612345678, 0612345678, 212612345678 (and spaced forms).
_PHONE = re.compile(r"(?<![\w*])(?:\+|00)?\d[\d .-]{7,}\d(?!\w)")
# One or two capital letters followed by 3-6 digits, standing alone: AB123456, K12345,
# also as typed with a separator: AB 123456.
# Typed in lower case it must be glued to its digits (ab123456): "as 131" is not a CIN.
_CIN = re.compile(r"(?<![A-Za-z0-9*])(?:[A-Z]{1,2}[ .-]?\d{3,6}|[a-z]{1,2}\d{4,6})"
                  r"(?![A-Za-z0-9])")
# The digits of a CIN keyed on a phone have no letters, so nothing tells them from any
# number, except a label: "cin 123456", cin_digits='123456', "citizen_cin": "AB123456".
_LABELLED_CIN = re.compile(r"""(?i)((?<![a-z])(?:citizen_)?cin(?:_digits)?(?![a-z])"""
                           r"""["']?\s*[:=]?\s*["']?\s*)([a-z]{0,2}\d{1,8})(?![\d*])""")
# A database error quotes the statement's parameters (citizens' names, CIN digits...):
# none of them is kept, whatever the engine was told.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
# Secrets written into a URL or a form (an API key sent in a query string, which is refused,
# still reaches the access log of a development server).
_SECRET_PARAMETER = re.compile(r"(?i)((?<![a-z])(?:x-)?api[_-]?key=|(?<![a-z])token=|"
                               r"(?<![a-z])password=)[^&\s'\"]+")
_FORMATTER = logging.Formatter()


def _is_reference(text: str, digits: str) -> bool:
    """References are not personal: keep them readable in logs. A reference is 10 digits,
    never starts with 0 and has a valid check digit; a Moroccan phone number written
    nationally is 10 digits too, but always starts with 0."""
    return (not text.startswith(("+", "00")) and digits[:1] != "0"
            and references.is_valid(digits))


def _mask_phone(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if len(digits) < 9 or _is_reference(text, digits):
        return text
    return "*" * (len(text) - 2) + text[-2:]


def _mask_cin(match: re.Match) -> str:
    return "*" * (len(match.group(0)) - 2) + match.group(0)[-2:]


def _mask_labelled_cin(match: re.Match) -> str:
    value = match.group(2)
    kept = value[-2:] if len(value) > 4 else ""
    return match.group(1) + "*" * (len(value) - len(kept)) + kept


def mask_personal_data(text: str) -> str:
    """Mask anything that looks like a phone number or a CIN in `text`, the digits after a
    CIN label, the parameters a database error quotes and secrets in URLs (api_key=...)."""
    text = _SQL_PARAMETERS.sub("[parameters: hidden]", text)
    text = _SECRET_PARAMETER.sub(r"\1***", text)
    return _LABELLED_CIN.sub(_mask_labelled_cin, _CIN.sub(_mask_cin, _PHONE.sub(_mask_phone, text)))


class PersonalDataFilter(logging.Filter):
    """Rewrites each record's message with personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        # A traceback carries personal data too (a database error quotes its parameters):
        # format it here, masked, where the formatter will take it as it is.
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
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
