"""Citizen identity: the CIN and the phone number, validated, normalised and masked."""
import pytest

from shared.identity import InvalidIdentity
from shared.identity import is_mobile
from shared.identity import last_digits
from shared.identity import mask
from shared.identity import normalise_cin
from shared.identity import normalise_cin_digits
from shared.identity import normalise_phone


@pytest.mark.parametrize("raw, expected", [
    ("AB123456", "AB123456"),
    ("ab123456", "AB123456"),
    ("  ab 123456 ", "AB123456"),
    ("BE-123.456", "BE123456"),
    ("K123456", "K123456"),
    ("j12345", "J12345"),
    ("X1", "X1"),
])
def test_normalise_cin(raw, expected):
    assert normalise_cin(raw) == expected


@pytest.mark.parametrize("raw", [
    "", None, "123456", "ABC12345", "AB", "AB1234567", "A B C 1", "AB12X4", "1AB234",
    "أب123456", "AB١٢٣٤٥٦", "AB123456\n7",
])
def test_normalise_cin_refuses(raw):
    with pytest.raises(InvalidIdentity):
        normalise_cin(raw)


def test_invalid_identity_is_a_value_error():
    assert issubclass(InvalidIdentity, ValueError)


@pytest.mark.parametrize("raw, expected", [("123456", "123456"), (" 42 ", "42")])
def test_normalise_cin_digits(raw, expected):
    assert normalise_cin_digits(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "1234567", "12a4", "AB1234"])
def test_normalise_cin_digits_refuses(raw):
    with pytest.raises(InvalidIdentity):
        normalise_cin_digits(raw)


@pytest.mark.parametrize("raw, expected", [
    ("0612345678", "+212612345678"),          # mobile, 06
    ("0712345678", "+212712345678"),          # mobile, 07
    ("0522123456", "+212522123456"),          # fixed, 05 (Casablanca)
    ("0537123456", "+212537123456"),          # fixed, 05 (Rabat)
    ("+212612345678", "+212612345678"),
    ("00212612345678", "+212612345678"),
    ("212612345678", "+212612345678"),
    ("06 12 34 56 78", "+212612345678"),
    ("+212 6 12 34 56 78", "+212612345678"),
    ("06-12-34-56-78", "+212612345678"),
    ("06.12.34.56.78", "+212612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),   # a foreign mobile stays foreign
])
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "", None, "abc", "06123", "061234567", "06123456789", "0812345678", "+2126123456789",
    "0012", "+212",
])
def test_normalise_phone_refuses(raw):
    with pytest.raises(InvalidIdentity):
        normalise_phone(raw)


@pytest.mark.parametrize("number, mobile", [
    ("+212612345678", True),
    ("+212712345678", True),
    ("0612345678", True),
    ("+212522123456", False),
    ("+212537123456", False),
    ("+33612345678", True),
    ("not a number", False),
    ("", False),
])
def test_is_mobile(number, mobile):
    assert is_mobile(number) is mobile


@pytest.mark.parametrize("value, masked", [
    ("+212612345678", "***********78"),
    ("AB123456", "******56"),
    ("0612345678", "********78"),
    ("12345", "****5"),      # short values keep less
    ("12", "**"),
    ("", ""),
    (None, ""),
])
def test_mask(value, masked):
    assert mask(value) == masked
    if value:
        assert len(mask(value)) == len(value)


def test_mask_keeps_only_the_last_digits():
    masked = mask("+212612345678", keep=4)
    assert masked.endswith("5678") and set(masked[:-4]) == {"*"}
    assert "612" not in masked


def test_last_digits():
    assert last_digits("+212612345678") == "5678"
    assert last_digits("06 12 34 56 78", 2) == "78"
    assert last_digits(None) == ""
