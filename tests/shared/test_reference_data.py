"""The administrations reference data: curated JSON, local authorities, validation."""
import copy
import json
import unicodedata
from collections import Counter

import pytest

from shared import reference_data
from shared.reference_data import all_records, load_curated, local_authorities, validate

LANGUAGES = ("ary", "ar", "fr")


@pytest.fixture(scope="module")
def records():
    return all_records()


@pytest.fixture(scope="module")
def curated():
    return load_curated()


def fold(text):
    """Lower-case, no accents or Arabic diacritics, bare alef: how a matcher compares words."""
    kept = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c) and c != "\u0640")
    for hamza in "أإآ":
        kept = kept.replace(hamza, "ا")
    return " ".join(kept.casefold().replace("-", " ").split())


def find(curated, spoken):
    """Codes of the curated administrations whose name, synonym or acronym is `spoken`."""
    wanted = fold(spoken)
    found = set()
    for record in curated:
        words = [record["acronym"] or ""]
        for language in LANGUAGES:
            words += [record["names"][language], *record["synonyms"][language]]
        if wanted in {fold(w) for w in words if w}:
            found.add(record["code"])
    return found


def by_acronym(curated, acronym):
    return [r for r in curated if r["acronym"] == acronym]


def letters_in(text, prefix):
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(unicodedata.name(c).startswith(prefix) for c in letters)


def test_codes_are_unique_digits(records):
    codes = [r["code"] for r in records]
    duplicates = [code for code, n in Counter(codes).items() if n > 1]
    assert duplicates == []
    assert all(code.isdigit() for code in codes)


def test_every_record_has_the_same_fields(records):
    for record in records:
        assert set(record) == {"code", "kind", "parent", "names", "synonyms", "acronym", "hcp_code"}


def test_counts_per_kind(records):
    counts = Counter(r["kind"] for r in records)
    assert set(counts) == {"ministry", "public_body", "region", "province", "commune"}
    assert counts["ministry"] >= 35
    assert counts["public_body"] >= 60
    assert counts["region"] == 12
    assert counts["province"] >= 70
    assert counts["commune"] >= 1400
    # the portal's 1,590 local authorities: 12 régions + 75 provinces/préfectures + 1,503 communes
    assert counts["region"] + counts["province"] + counts["commune"] == 1590


def test_code_scheme(records):
    width = {"region": 3, "province": 4, "commune": 6}
    first = {"ministry": "1", "public_body": "2", "region": "3", "province": "4", "commune": "5"}
    for record in records:
        code, kind = record["code"], record["kind"]
        assert code[0] == first[kind], code
        if kind in width:
            assert len(code) == width[kind], code
            assert record["hcp_code"]
        else:
            assert len(code) == 3, code
            assert record["hcp_code"] is None
    regions = sorted(r["code"] for r in records if r["kind"] == "region")
    assert regions == [f"3{n:02d}" for n in range(1, 13)]


def test_local_codes_follow_hcp_codes(records):
    by_code = {r["code"]: r for r in records}
    for record in records:
        if record["kind"] == "province":
            assert record["code"] == "4" + record["hcp_code"].split(".")[1]
            assert record["parent"] == "3" + record["hcp_code"][:2]
        elif record["kind"] == "commune":
            province = by_code[record["parent"]]
            assert province["kind"] == "province"
            assert record["hcp_code"].startswith(province["hcp_code"] + ".")
            assert record["code"][:4] == "5" + province["code"][1:]
    assert by_code["4511"]["names"]["fr"] == "Tanger-Assilah"
    assert by_code["4511"]["parent"] == "301"
    assert by_code["551101"]["names"]["fr"] == "Tanger"


def test_every_keypad_code_is_at_most_six_digits_shorter_than_a_reference(records):
    assert max(len(r["code"]) for r in records) == 6
    assert all(len(r["code"]) < 10 and r["code"].isdigit() for r in records)


def test_communes_are_numbered_in_hcp_order_within_their_province(records):
    tangier = [r for r in records if r["kind"] == "commune" and r["parent"] == "4511"]
    ordered = sorted(tangier, key=lambda r: [int(p) for p in r["hcp_code"].split(".")])
    assert [r["code"] for r in ordered] == [f"5511{n:02d}" for n in range(1, len(tangier) + 1)]


def test_validate_rejects_a_code_too_long_to_key():
    record = {"code": "5015110101", "kind": "ministry", "parent": None, "acronym": None,
              "hcp_code": None, "names": {"ary": "وزارة", "ar": "وزارة", "fr": "Ministère"},
              "synonyms": {}}
    with pytest.raises(ValueError, match="longer than 6 digits"):
        validate([record])


def test_keypad_codes_are_prefix_free(records):
    codes = sorted(r["code"] for r in records)
    for shorter, longer in zip(codes, codes[1:]):
        assert not longer.startswith(shorter), (shorter, longer)


def test_curated_and_local_codes_do_not_collide(curated):
    local = {r["code"] for r in local_authorities()}
    assert local.isdisjoint(r["code"] for r in curated)


def test_arabic_and_latin_scripts(records):
    for record in records:
        names = record["names"]
        assert set(names) == set(LANGUAGES), record["code"]
        for language in ("ar", "ary"):
            assert letters_in(names[language], "ARABIC"), (record["code"], names[language])
            for word in record["synonyms"].get(language, []):
                assert letters_in(word, "ARABIC"), (record["code"], word)
        assert letters_in(names["fr"], "LATIN"), (record["code"], names["fr"])
        for word in record["synonyms"].get("fr", []):
            assert letters_in(word, "LATIN") and word == word.lower(), (record["code"], word)


def test_parents_precede_children(records):
    seen = set()
    for record in records:
        assert record["parent"] is None or record["parent"] in seen, record["code"]
        seen.add(record["code"])


def test_curated_parents_are_ministries_or_bodies(curated):
    kinds = {r["code"]: r["kind"] for r in curated}
    for record in curated:
        assert record["kind"] in ("ministry", "public_body")
        if record["parent"] is not None:
            assert record["parent"] in kinds, record["code"]
            if record["kind"] == "ministry":
                assert kinds[record["parent"]] == "ministry", record["code"]


@pytest.mark.parametrize("acronym", [
    "CNSS", "ONEE", "ANCFCC", "ONCF", "DGI", "ADII", "CNOPS", "NARSA"])
def test_key_bodies_have_their_acronym(curated, acronym):
    assert len(by_acronym(curated, acronym)) == 1
    assert find(curated, acronym.lower()) == {by_acronym(curated, acronym)[0]["code"]}


@pytest.mark.parametrize("spoken, acronym_or_name", [
    ("الضمان الاجتماعي", "CNSS"),
    ("سي إن إس إس", "CNSS"),
    ("la sécu", "CNSS"),
    ("الكنوبس", "CNOPS"),
    ("الما و الضو", "ONEE"),
    ("الكهربا", "ONEE"),
    ("الضريبة", "DGI"),
    ("les impôts", "DGI"),
    ("الجمارك", "ADII"),
    ("الديوانة", "ADII"),
    ("douane", "ADII"),
    ("البوسطة", "Barid Al-Maghrib"),
    ("la poste", "Barid Al-Maghrib"),
    ("المحافظة العقارية", "ANCFCC"),
    ("conservation foncière", "ANCFCC"),
    ("التران", "ONCF"),
    ("train", "ONCF"),
    ("البيرمي", "NARSA"),
    ("lydec", "Société régionale multiservices Casablanca-Settat"),
    ("راديما", "Société régionale multiservices Marrakech-Safi"),
])
def test_spoken_words_find_one_administration(curated, spoken, acronym_or_name):
    expected = {r["code"] for r in curated
                if acronym_or_name in (r["acronym"], r["names"]["fr"])}
    assert len(expected) == 1
    assert find(curated, spoken) == expected


def test_no_curated_word_names_two_administrations(curated):
    owners = {}
    clashes = []
    for record in curated:
        words = {fold(record["acronym"])} if record["acronym"] else set()
        for language in LANGUAGES:
            words |= {fold(w) for w in [record["names"][language], *record["synonyms"][language]]}
        for word in words:
            if word in owners and owners[word] != record["code"]:
                clashes.append((word, owners[word], record["code"]))
            owners.setdefault(word, record["code"])
    assert clashes == []


def test_ministries_and_public_bodies_named(curated):
    french = {r["names"]["fr"] for r in curated}
    for name in ("Ministère de l'Intérieur", "Ministère de la Justice",
                 "Ministère de la Transition numérique et de la Réforme de l'administration",
                 "Délégation générale à l'Administration pénitentiaire et à la Réinsertion",
                 "Barid Al-Maghrib", "Trésorerie générale du Royaume"):
        assert name in french


def test_curated_file_shape():
    with open(reference_data.DATA_PATH, encoding="utf-8") as handle:
        document = json.load(handle)
    assert document["version"]
    assert list(document["languages"]) == list(LANGUAGES)
    assert all(r["hcp_code"] is None for r in load_curated())


def _small():
    return [
        {"code": "101", "kind": "ministry", "parent": None, "acronym": None, "hcp_code": None,
         "names": {"ary": "وزارة الداخلية", "ar": "وزارة الداخلية",
                   "fr": "Ministère de l'Intérieur"},
         "synonyms": {"ary": ["الداخلية"], "ar": [], "fr": ["intérieur"]}},
        {"code": "201", "kind": "public_body", "parent": "101", "acronym": "ANR", "hcp_code": None,
         "names": {"ary": "وكالة السجلات", "ar": "الوكالة الوطنية للسجلات",
                   "fr": "Agence nationale des registres"},
         "synonyms": {"ary": [], "ar": [], "fr": ["anr"]}},
    ]


def test_validate_accepts_a_good_small_list():
    validate(_small(), LANGUAGES)


def test_validate_rejects_a_duplicated_code():
    bad = _small()
    bad[1]["code"] = "101"
    with pytest.raises(ValueError, match="duplicate code"):
        validate(bad, LANGUAGES)


def test_validate_rejects_a_missing_language():
    bad = _small()
    del bad[1]["names"]["ary"]
    with pytest.raises(ValueError, match="no 'ary' name"):
        validate(bad, LANGUAGES)
    empty = _small()
    empty[0]["names"]["fr"] = "  "
    with pytest.raises(ValueError, match="no 'fr' name"):
        validate(empty, LANGUAGES)


@pytest.mark.parametrize("change, message", [
    (lambda r: r[1].update(parent="199"), "parent '199' does not exist"),
    (lambda r: r[0].update(parent="201"), "loops"),
    (lambda r: r[1].update(code="10"), "code starts with the code '10'"),
    (lambda r: r[1].update(code="2O1"), "digits"),
    (lambda r: r[1]["names"].update(ar="ANR"), "not in Arab script"),
    (lambda r: r[1]["names"].update(fr="الوكالة"), "not in Latn script"),
    (lambda r: r[1]["synonyms"].update(fr=["ANR"]), "lower-case"),
    (lambda r: r[1].update(kind="agency"), "kind 'agency'"),
    (lambda r: r[0].update(acronym="ANR"), "acronym 'ANR' already used"),
])
def test_validate_rejects_bad_records(change, message):
    bad = copy.deepcopy(_small())
    change(bad)
    with pytest.raises(ValueError, match=message):
        validate(bad, LANGUAGES)


def test_a_new_language_is_only_data(tmp_path):
    with open(reference_data.DATA_PATH, encoding="utf-8") as handle:
        document = json.load(handle)
    document["languages"]["en"] = "Latn"
    for record in document["administrations"]:
        record["names"]["en"] = record["names"]["fr"]
    path = tmp_path / "administrations.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    records = all_records(path)
    assert all(set(r["names"]) == {"ary", "ar", "fr", "en"} for r in records)
    region = next(r for r in records if r["code"] == "301")
    assert region["names"]["en"] == "Tanger-Tétouan-Al Hoceima"
    # and a language with no data at all is reported, not silently skipped
    document["languages"]["zgh"] = "Tfng"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="no 'zgh' name"):
        all_records(path)
