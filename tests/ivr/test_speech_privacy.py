import pytest

from ivr.speech.privacy import mask_transcript


@pytest.mark.parametrize("said, shown", [
    ("mon numéro 06 12 34 56 78 merci", "mon numéro ** ** ** ** 78 merci"),
    ("رقمي 0612345678", "رقمي ********78"),
    ("la carte AB123456", "la carte ******56"),
    ("cin 1 2 3 4 5 6", "cin * * * * 5 6"),
    ("le dossier 4815162342", "le dossier ********42"),
])
def test_digit_runs_and_identities_are_masked(said, shown):
    assert mask_transcript(said) == shown


@pytest.mark.parametrize("said", ["il y a 3 jours", "en 2024 à 15 h", "bureau 12 et 34", ""])
def test_short_numbers_stay(said):
    assert mask_transcript(said) == said
