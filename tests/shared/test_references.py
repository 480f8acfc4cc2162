"""Reference numbers: 10 digits, Verhoeff check digit, random, unique (retry on collision)."""
import itertools
import random
from collections import Counter

import pytest
from sqlalchemy import func
from sqlalchemy import select

from shared import references
from shared.cases import MAX_REFERENCE_ATTEMPTS
from shared.models import Case
from shared.models import CaseEvent
from shared.references import check_digit
from shared.references import format_for_display
from shared.references import grouped
from shared.references import is_valid
from shared.references import new_reference
from tests.shared.helpers import file_case

SAMPLE = 2000


@pytest.fixture(scope="module")
def sample():
    return [new_reference() for _ in range(SAMPLE)]


# -- the check digit -----------------------------------------------------------------------

@pytest.mark.parametrize("body, digit", [
    ("236", "3"),        # the textbook example: 236 -> 2363
    ("12345", "1"),      # 123451
    ("142857", "0"),     # 1428570
])
def test_known_verhoeff_vectors(body, digit):
    assert check_digit(body) == digit
    for wrong in "0123456789":
        if wrong != digit:
            assert not references._checksum(body + wrong) == 0
    assert references._checksum(body + digit) == 0


def test_new_references_are_valid(sample):
    for reference in sample:
        assert len(reference) == 10 and reference.isdigit() and reference.isascii()
        assert reference[0] != "0"
        assert is_valid(reference)
        assert reference[-1] == check_digit(reference[:-1])


def test_every_single_digit_error_is_caught(sample):
    for reference in sample:
        for position in range(10):
            for digit in "0123456789":
                if digit == reference[position]:
                    continue
                typo = reference[:position] + digit + reference[position + 1:]
                assert not is_valid(typo), (reference, typo)


def test_every_adjacent_transposition_is_caught(sample):
    swaps = 0
    for reference in sample:
        for position in range(9):
            a, b = reference[position], reference[position + 1]
            if a == b:
                continue
            swapped = reference[:position] + b + a + reference[position + 2:]
            assert not is_valid(swapped), (reference, swapped)
            swaps += 1
    assert swaps > SAMPLE * 7  # most pairs differ: the test really ran


def test_check_digit_refuses_what_is_not_ascii_digits():
    for body in ("", "12a4", "12 34", "١٢٣", "-123"):
        with pytest.raises(ValueError):
            check_digit(body)


@pytest.mark.parametrize("value", [
    None, 5128043391, "", "512804339", "51280433910", "512 804 3391", "512-804-339",
    "٥١٢٨٠٤٣٣٩١",  # Arabic-Indic digits
    "512804339a",
])
def test_is_valid_refuses_malformed(value):
    assert not is_valid(value)


# -- randomness ----------------------------------------------------------------------------

def test_references_are_not_sequential(sample):
    bodies = [int(reference[:-1]) for reference in sample]
    for before, after in itertools.pairwise(bodies):
        assert abs(after - before) > 1
    # Not sorted either: about half go up, half go down.
    ups = sum(after > before for before, after in itertools.pairwise(bodies))
    assert 0.4 * SAMPLE < ups < 0.6 * SAMPLE
    assert len(set(sample)) >= SAMPLE - 1  # a birthday collision among 9e8 is ~0.2 %


def _chi_square(counts: Counter, symbols: str) -> float:
    total = sum(counts.values())
    expected = total / len(symbols)
    return sum((counts.get(s, 0) - expected) ** 2 / expected for s in symbols)


def test_first_digit_is_uniform_over_1_to_9():
    firsts = Counter(new_reference()[0] for _ in range(9000))
    assert set(firsts) == set("123456789")
    # 8 degrees of freedom: 50 is far beyond p = 1e-6, so this only fails on a real bias.
    assert _chi_square(firsts, "123456789") < 50


def test_inner_digits_are_uniform():
    counts = Counter(d for _ in range(2000) for d in new_reference()[1:9])
    assert _chi_square(counts, "0123456789") < 55  # 9 degrees of freedom


def test_references_use_a_secure_random_source():
    """Seeding `random` must not make references predictable."""
    random.seed(1)
    first = new_reference()
    random.seed(1)
    assert new_reference() != first


def test_fresh_processes_draw_different_references():
    """A generator seeded at import (random.Random(3737)) would draw the same references
    after every restart: each process must draw its own."""
    import subprocess
    import sys
    script = ("from shared.references import new_reference\n"
              "print([new_reference() for _ in range(5)])")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 2


# -- speech and display ---------------------------------------------------------------------

def test_grouped_and_formats():
    assert grouped("5128043391") == ["512", "804", "3391"]
    assert format_for_display("5128043391") == "512 804 3391"


# -- uniqueness: retry on collision --------------------------------------------------------

def _patched_reference(monkeypatch, *first_ones):
    """new_reference returns `first_ones` in turn, then fresh ones; returns the call log."""
    drawn = []
    queue = list(first_ones)
    real = references.new_reference

    def fake():
        value = queue.pop(0) if queue else real()
        drawn.append(value)
        return value

    monkeypatch.setattr(references, "new_reference", fake)
    return drawn


def test_filing_retries_a_reference_already_taken(session, admin, monkeypatch):
    existing = file_case(session, admin)
    session.commit()
    fresh = new_reference()
    drawn = _patched_reference(monkeypatch, existing.reference, fresh)

    case = file_case(session, admin, description="second")
    session.commit()

    assert drawn == [existing.reference, fresh]
    assert case.reference == fresh
    assert session.scalar(select(func.count()).select_from(Case)) == 2
    # The failed attempt left nothing behind: one 'file' event per case.
    assert session.scalar(select(func.count()).select_from(CaseEvent)) == 2
    assert session.get(Case, existing.id).description == "Remboursement en retard"


def test_filing_retries_a_reference_taken_in_the_same_transaction(session, admin, monkeypatch):
    first = file_case(session, admin)
    drawn = _patched_reference(monkeypatch, first.reference, first.reference)
    second = file_case(session, admin)
    session.commit()
    assert len(drawn) == 3 and second.reference == drawn[-1] != first.reference
    assert {c.reference for c in session.scalars(select(Case))} == {first.reference,
                                                                  second.reference}


def test_filing_gives_up_after_too_many_collisions(session, admin, monkeypatch):
    existing = file_case(session, admin)
    session.commit()
    monkeypatch.setattr(references, "new_reference", lambda: existing.reference)
    with pytest.raises(RuntimeError, match="reference"):
        file_case(session, admin)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    assert MAX_REFERENCE_ATTEMPTS >= 5


def test_an_integrity_error_that_is_not_a_collision_is_not_retried(session, admin,
                                                                    monkeypatch):
    """Only a reference drawn twice is worth drawing again; another constraint failure
    (here a NOT NULL column) surfaces at once instead of 20 draws and a misleading error."""
    from sqlalchemy.exc import IntegrityError

    from shared.cases import CaseService
    drawn = _patched_reference(monkeypatch)
    build = CaseService._new_case

    def broken(self, new, now):
        case = build(self, new, now)
        case.language = None
        return case

    monkeypatch.setattr(CaseService, "_new_case", broken)
    with pytest.raises(IntegrityError):
        file_case(session, admin)
    session.rollback()
    assert len(drawn) == 1
