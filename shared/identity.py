"""Citizen identity: the CIN and the phone number, validated, normalised and masked."""
import re

import phonenumbers

CIN_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9]{1,6}$")
CIN_DIGITS_PATTERN = re.compile(r"^[0-9]{1,6}$")
DEFAULT_REGION = "MA"


class InvalidIdentity(ValueError):
    """A CIN or phone number that cannot be right."""


def normalise_cin(value: str) -> str:
    """'ab 123456' -> 'AB123456'; raises InvalidIdentity unless 1-2 letters then 1-6 digits."""
    cin = re.sub(r"[\s.-]", "", value or "").upper()
    if not CIN_PATTERN.match(cin):
        raise InvalidIdentity("a CIN is one or two letters followed by up to six digits")
    return cin


def normalise_cin_digits(value: str) -> str:
    """The digits part alone, as keyed on a phone (letters cannot be keyed)."""
    digits = (value or "").strip()
    if not CIN_DIGITS_PATTERN.match(digits):
        raise InvalidIdentity("the digits of a CIN are one to six digits")
    return digits


def parse_phone(value: str, region: str = DEFAULT_REGION) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(value or "", region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentity("not a valid phone number")
    return number


def normalise_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """'0612345678' -> '+212612345678' (E.164); raises InvalidIdentity."""
    return phonenumbers.format_number(parse_phone(value, region),
                                      phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """True for a number that can receive an SMS (Moroccan 06/07 and foreign mobiles)."""
    try:
        number = parse_phone(e164)
    except InvalidIdentity:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def last_digits(value: str | None, count: int = 4) -> str:
    digits = re.sub(r"\D", "", value or "")
    return digits[-count:]


def mask(value: str | None, keep: int = 2) -> str:
    """Everything but the last `keep` characters replaced by '*': '+212612345678' -> '***********78'."""
    if not value:
        return ""
    keep = min(keep, len(value) // 3)
    return "*" * (len(value) - keep) + value[len(value) - keep:]
