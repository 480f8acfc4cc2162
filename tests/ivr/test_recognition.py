"""Finding an administration from what a caller said."""
import pytest

from ivr.recognition import match_administration


@pytest.mark.parametrize("said, language, code", [
    ("الضمان الاجتماعي", "ary", "201"),
    ("بغيت نشكي على الضمان الاجتماعي عافاك", "ary", "201"),
    ("la CNSS", "fr", "201"),
    ("CNSS", "fr", "201"),
    ("cnss", "ar", "201"),
])
def test_names_acronyms_and_synonyms_are_recognised(session, said, language, code):
    assert match_administration(session, said, language).code == code


@pytest.mark.parametrize("said", ["", "   ", "euh", "je ne sais pas", "٣٧٣٧"])
def test_nothing_recognisable_is_none(session, said):
    assert match_administration(session, said, "fr") is None


def test_two_administrations_said_equally_is_ambiguous(session):
    assert match_administration(session, "CNSS ONEE", "fr") is None
