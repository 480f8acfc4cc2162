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


# -- keypad codes: at most 6 digits, stable, never reused -----------------------------------
def codes_by_hcp(session):
    return {a.hcp_code: a.code for a in session.scalars(select(Administration))
            if a.hcp_code}


def test_every_code_in_the_database_is_at_most_six_digits_and_unique(session):
    codes = session.scalars(select(Administration.code)).all()
    assert max(len(code) for code in codes) <= 6 and len(codes) == len(set(codes))
    assert administrations.by_code(session, "551101").names["fr"] == "Tanger"
    assert administrations.by_code(session, "551101").hcp_code == "01.511.01.0"


def test_codes_are_unchanged_after_a_reload(session):
    before = codes_by_hcp(session)
    administrations.load(session)
    session.flush()
    assert codes_by_hcp(session) == before


def test_a_new_commune_gets_a_free_code_and_the_others_keep_theirs(session):
    """The HCP adds a commune at the head of a province: recomputed ranks shift, but codes
    already given keep their communes, and a removed commune's code is not reused."""
    records = copy.deepcopy(all_records())
    tangier = [r for r in records if r["kind"] == "commune" and r["parent"] == "4511"]
    before = codes_by_hcp(session)
    removed = tangier[-1]
    records.remove(removed)
    for record in tangier[:-1]:  # what a fresh computation gives after the insertion
        record["code"] = record["code"][:4] + f"{int(record['code'][4:]) + 1:02d}"
    new = {**copy.deepcopy(tangier[0]), "code": "551101", "hcp_code": "01.511.01.00"}
    records.insert(records.index(tangier[0]), new)
    try:
        counts = administrations.load(session, records)
        session.flush()
        after = codes_by_hcp(session)
        assert counts["added"] == 1 and counts["deactivated"] == 1
        assert all(after[r["hcp_code"]] == before[r["hcp_code"]] for r in tangier)
        assert after["01.511.01.00"] not in before.values()
        assert len(after["01.511.01.00"]) == 6 and after["01.511.01.00"].startswith("5511")
        assert administrations.by_code(session, before[removed["hcp_code"]]) is None
    finally:
        session.rollback()


def test_the_old_ten_digit_codes_are_replaced_in_place(session):
    """A database loaded before codes had 6 digits: same rows (cases point at them)."""
    tanger = administrations.by_code(session, "551101")
    province = tanger.parent
    tanger.code, province.code = "5001511010", "401511"
    session.flush()
    try:
        administrations.load(session)
        session.flush()
        assert (tanger.code, province.code) == ("551101", "4511")
        assert administrations.by_code(session, "551101").id == tanger.id
    finally:
        session.rollback()
