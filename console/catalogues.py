"""The console's gettext catalogues (shared/translations/<lang>/LC_MESSAGES/messages.po) are
compiled at start-up into the instance folder: the repository keeps only the .po files (*.mo
are ignored), and the source tree may be read-only where the app runs."""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE = Path(__file__).resolve().parent.parent / "shared" / "translations"
DOMAIN = "messages"


def compile_catalogues(target: Path, source: Path = SOURCE) -> Path:
    """Write <target>/<lang>/LC_MESSAGES/messages.mo for every language whose .po is newer
    than its .mo; returns `target` (Flask-Babel's translation directory)."""
    for po_path in sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime_ns >= po_path.stat().st_mtime_ns:
            continue
        with po_path.open("rb") as f:
            catalogue = read_po(f)  # no locale: Babel need not know every code (ary)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        partial = mo_path.with_suffix(".mo.partial")
        with partial.open("wb") as f:
            write_mo(f, catalogue)  # fuzzy entries are left out, as msgfmt does
        partial.replace(mo_path)  # another process starting at once never reads half a file
    return target
