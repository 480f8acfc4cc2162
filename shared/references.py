"""Reference numbers: 10 digits, random (not guessable from another one), the last a
Verhoeff check digit, which catches every single-digit error and every transposition of
two adjacent digits a caller can make on a keypad."""
import secrets

LENGTH = 10

# Verhoeff's dihedral-group tables (multiplication d, permutation p, inverse inv).
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def _checksum(digits: str) -> int:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c


def check_digit(body: str) -> str:
    """The Verhoeff check digit to append to the digit string `body`."""
    if not body.isdigit() or not body.isascii():
        raise ValueError("a reference body is made of digits")
    return str(_INV[_checksum(body + "0")])


def is_valid(reference: str) -> bool:
    """True when `reference` is 10 ASCII digits whose last is the right check digit."""
    return (isinstance(reference, str) and len(reference) == LENGTH and reference.isascii()
            and reference.isdigit() and _checksum(reference) == 0)


def new_reference() -> str:
    """A fresh random reference; uniqueness is the database's job (see CaseService)."""
    # The first digit is never 0, so a reference never loses a digit in a spreadsheet.
    body = str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(LENGTH - 2))
    return body + check_digit(body)


def grouped(reference: str) -> list[str]:
    """The reference in groups a person can hold in mind: 3-3-4 (e.g. 512 804 3391)."""
    return [reference[:3], reference[3:6], reference[6:]]


def format_for_display(reference: str) -> str:
    return " ".join(grouped(reference))
