"""Administrations in the database: loading the reference data, and finding one."""
import logging
import unicodedata
from typing import Callable

from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import DomainError
from .admin_changes import ADMINISTRATION_EDIT
from .models import AdminChange
from .models import Administration
from .reference_data import all_records
from .types import AdministrationKind

log = logging.getLogger(__name__)


def load(session: Session, records: list[dict] | None = None) -> dict[str, int]:
    """Insert or update every administration (idempotent); those no longer listed are
    deactivated, never deleted, since cases point at them. Returns counts.

    Keypad codes are stable: a local authority is matched by its HCP code and keeps the
    code it has (callers, flyers and Open311 clients know it), unless that code is of the
    old scheme (10-digit communes, 6-digit provinces: another length); a new one takes its
    computed code, or the next free one of the same block if that is taken. A code is
    never reused, since rows are never deleted.

    A row an admin edited in the console keeps its names, synonyms, acronym, code and
    active flag: the data files update only what the console does not edit."""
    records = all_records() if records is None else records
    rows = list(session.scalars(select(Administration)))
    by_code = {a.code: a for a in rows}
    by_hcp = {a.hcp_code: a for a in rows if a.hcp_code}
    taken = set(by_code)
    placed: dict[str, Administration] = {}  # record code -> its row, for the parents
    counts = {"added": 0, "updated": 0, "deactivated": 0}
    for record in records:  # parents come first
        hcp = record.get("hcp_code")
        admin = by_hcp.get(hcp) if hcp else by_code.get(record["code"])
        if admin is None:
            admin = Administration(code=free_code(record["code"], taken))
            session.add(admin)
            counts["added"] += 1
        elif admin.edited_in_console:
            pass
        else:
            if len(admin.code) != len(record["code"]):  # a code of the old scheme
                admin.code = free_code(record["code"], taken)
                counts["updated"] += 1
            elif (admin.names, admin.synonyms, admin.kind.value, admin.active) != (
                    record["names"], record.get("synonyms") or {}, record["kind"], True):
                counts["updated"] += 1
        taken.add(admin.code)
        placed[record["code"]] = admin
        admin.kind = AdministrationKind(record["kind"])
        admin.hcp_code = record.get("hcp_code")
        if not admin.edited_in_console:
            admin.names = record["names"]
            admin.synonyms = record.get("synonyms") or {}
            admin.acronym = record.get("acronym")
            admin.active = True
        admin.parent = placed.get(record["parent"]) if record.get("parent") else None
    listed = {id(admin) for admin in placed.values()}
    for admin in rows:
        if id(admin) not in listed and admin.active and not admin.edited_in_console:
            admin.active = False
            counts["deactivated"] += 1
    session.flush()
    log.info("administrations loaded: %s", counts)
    return counts


MAX_CODE_DIGITS = 6
# First keys a caller must not start a code with: the menus' 0 (an agent) and 9 (repeat).
RESERVED_FIRST_KEYS = ("0", "9")


class CodeRefused(DomainError):
    """A keypad code an admin cannot give; `reason` is a stable code for the console."""
    error_id = "code-refused"

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_code(session: Session, code: str, admin: Administration) -> str:
    """`code` if `admin` may take it: 1-6 digits, not starting with a menu key, not
    another administration's (active or not: codes are never reused) and not a prefix of
    one nor prefixed by one (callers key digits then #: codes stay prefix-free)."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and 1 <= len(code) <= MAX_CODE_DIGITS):
        raise CodeRefused("code_format", f"a keypad code is 1 to {MAX_CODE_DIGITS} digits")
    if code.startswith(RESERVED_FIRST_KEYS):
        raise CodeRefused("code_reserved", "a keypad code cannot start with 0 or 9")
    for other in session.scalars(select(Administration.code).where(
            Administration.id != admin.id, Administration.code.like(f"{code[0]}%"))):
        if other == code:
            raise CodeRefused("code_taken", f"the keypad code {code} is taken")
        if other.startswith(code) or code.startswith(other):
            raise CodeRefused("code_prefix", f"the keypad code {code} clashes with {other}")
    return code


def edit(session: Session, admin: Administration, *, names: dict[str, str],
         acronym: str | None, synonyms: dict[str, list[str]], code: str,
         active: bool) -> None:
    """An admin's edit: kept through later reloads of the data files."""
    admin.code = check_code(session, code, admin)
    admin.names = {language: name for language, name in names.items() if name}
    admin.acronym = acronym or None
    admin.synonyms = {language: words for language, words in synonyms.items() if words}
    admin.active = active
    admin.edited_in_console = True
    session.flush()


def on_change(app, listener: Callable[[], object]) -> None:
    """`listener()` runs (in an app context) after an admin's edit is committed, e.g. to
    rewrite the IVR's grammars of spoken names."""
    app.extensions.setdefault("administration_listeners", []).append(listener)


def changed(app) -> None:
    """Tell the listeners that administrations changed (after the commit)."""
    for listener in app.extensions.get("administration_listeners", []):
        listener()


def free_code(wanted: str, taken: set[str]) -> str:
    """`wanted` if free, else the first free code of its block (same length, same digits
    but the last two)."""
    if wanted not in taken:
        return wanted
    block = wanted[:-2]
    for number in range(1, 100):
        code = f"{block}{number:02d}"
        if code not in taken:
            return code
    raise ValueError(f"no free keypad code left in block {block}")


def version(session: Session) -> tuple:
    """Changes whenever the administrations a caller can name change: one added or
    deactivated (the count, the last id) or edited by an admin (the last edit's number and
    time).
    Caches of names and phrases compare it (cheap: two indexed aggregates)."""
    active = session.execute(select(func.count(Administration.id), func.max(Administration.id))
                             .where(Administration.active.is_(True))).one()
    edited = session.execute(select(func.max(AdminChange.id), func.max(AdminChange.at)).where(
        AdminChange.action == ADMINISTRATION_EDIT)).one()
    return (*active, *edited)


# Built once (the IVR asks at each administration step): found in the compiled cache
# without building the statement and its cache key again.
BY_CODE = select(Administration).where(Administration.code == bindparam("code"),
                                       Administration.active.is_(True))


def by_code(session: Session, code: str) -> Administration | None:
    """The active administration with keypad code `code`."""
    if not code or not (code.isascii() and code.isdigit()):
        return None
    return session.scalar(BY_CODE, {"code": code})


def fold(text: str) -> str:
    """Lower-case, accents and Arabic diacritics removed, for matching spoken names."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\u0640")
    return " ".join(kept.casefold().replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
                    .replace("ة", "ه").replace("ى", "ي").split())
