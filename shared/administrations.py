"""Administrations in the database: loading the reference data, and finding one."""
import logging
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Administration
from .reference_data import all_records
from .types import AdministrationKind

log = logging.getLogger(__name__)


def load(session: Session, records: list[dict] | None = None) -> dict[str, int]:
    """Insert or update every administration (idempotent); those no longer listed are
    deactivated, never deleted, since cases point at them. Returns counts."""
    records = all_records() if records is None else records
    existing = {a.code: a for a in session.scalars(select(Administration))}
    counts = {"added": 0, "updated": 0, "deactivated": 0}
    for record in records:  # parents come first
        admin = existing.get(record["code"])
        if admin is None:
            admin = Administration(code=record["code"])
            session.add(admin)
            existing[record["code"]] = admin
            counts["added"] += 1
        elif (admin.names, admin.synonyms, admin.kind.value, admin.active) != (
                record["names"], record.get("synonyms") or {}, record["kind"], True):
            counts["updated"] += 1
        admin.kind = AdministrationKind(record["kind"])
        admin.names = record["names"]
        admin.synonyms = record.get("synonyms") or {}
        admin.acronym = record.get("acronym")
        admin.hcp_code = record.get("hcp_code")
        admin.active = True
        parent = existing.get(record["parent"]) if record.get("parent") else None
        admin.parent = parent
    listed = {r["code"] for r in records}
    for code, admin in existing.items():
        if code not in listed and admin.active:
            admin.active = False
            counts["deactivated"] += 1
    session.flush()
    log.info("administrations loaded: %s", counts)
    return counts


def by_code(session: Session, code: str) -> Administration | None:
    """The active administration with keypad code `code`."""
    if not code or not (code.isascii() and code.isdigit()):
        return None
    return session.scalar(select(Administration).where(
        Administration.code == code, Administration.active.is_(True)))


def fold(text: str) -> str:
    """Lower-case, accents and Arabic diacritics removed, for matching spoken names."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\u0640")
    return " ".join(kept.casefold().replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
                    .replace("ة", "ه").replace("ى", "ي").split())
