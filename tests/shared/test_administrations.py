"""Administrations in the database: the release step loads them idempotently."""
import copy

from sqlalchemy import func
from sqlalchemy import select

from shared import administrations
from shared.models import Administration
from shared.reference_data import all_records


def active_count(session):
    return session.scalar(select(func.count(Administration.id))
                          .where(Administration.active.is_(True)))


def test_the_session_database_holds_every_record_with_its_parent(session):
    records = all_records()
    assert active_count(session) == len(records)
    commune = session.scalar(select(Administration).where(Administration.kind == "commune")
                             .limit(1))
    assert commune.parent.kind.value == "province"
    assert commune.parent.parent.kind.value == "region"


def test_loading_again_changes_nothing(session):
    counts = administrations.load(session)
    assert counts == {"added": 0, "updated": 0, "deactivated": 0}


def test_a_renamed_administration_is_updated_and_a_removed_one_deactivated_not_deleted(
        session):
    records = copy.deepcopy(all_records())
    records[0]["names"]["fr"] = "Nouveau nom"
    removed = records.pop()
    try:
        counts = administrations.load(session, records)
        assert counts == {"added": 0, "updated": 1, "deactivated": 1}
        assert administrations.by_code(session, records[0]["code"]).names["fr"] == "Nouveau nom"
        assert administrations.by_code(session, removed["code"]) is None  # inactive
        assert session.scalar(select(Administration)
                              .where(Administration.code == removed["code"])) is not None
    finally:
        session.rollback()


def test_by_code_takes_ascii_digits_only(session):
    assert administrations.by_code(session, "201").acronym == "CNSS"
    for code in ("", "٢٠١", "201 ", "2O1", None):
        assert administrations.by_code(session, code) is None


def test_fold_ignores_case_accents_and_arabic_diacritics():
    assert administrations.fold("Sécurité  SOCIALE") == "securite sociale"
    assert administrations.fold("الضَّمَانُ الاجتماعيّ") == "الضمان الاجتماعي"
    assert administrations.fold("إدارة") == administrations.fold("ادارة")
