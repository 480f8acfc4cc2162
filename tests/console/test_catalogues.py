"""The console's catalogues: the template holds every string of the code, each language
translates every one of them, and the .po files are compiled at start-up."""
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from console.catalogues import compile_catalogues
from shared.languages import load_languages

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "shared" / "translations"
LANGUAGES = [language.code for language in load_languages()]


def _read(path):
    with open(path, "rb") as f:
        return read_po(f)


def _in_code() -> set[str]:
    found = extract_from_dir(ROOT / "console", method_map=[
        ("**.py", "python"), ("templates/**.html", "jinja2")],
        keywords={**DEFAULT_KEYWORDS, "_l": None})
    return {message if isinstance(message, str) else message[0]
            for _filename, _line, message, _comments, _context in found}


TEMPLATE = _read(TRANSLATIONS / "messages.pot")


def test_the_template_has_every_string_of_the_console_and_no_other():
    assert {m.id for m in TEMPLATE if m.id and not m.context} == _in_code()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    po = {(m.context, m.id): m for m in _read(
        TRANSLATIONS / language / "LC_MESSAGES" / "messages.po") if m.id}
    expected = {(m.context, m.id) for m in TEMPLATE if m.id}
    assert set(po) == expected
    for key, message in po.items():
        assert message.string.strip() and not message.fuzzy, key
        for placeholder in ("{reference}", "{date}"):
            assert (placeholder in message.id) == (placeholder in message.string), key


def test_a_language_is_a_catalogue(tmp_path):
    source = tmp_path / "source" / "es" / "LC_MESSAGES"
    source.mkdir(parents=True)
    (source / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Log in"\nmsgstr "Entrar"\n', encoding="utf-8")
    target = compile_catalogues(tmp_path / "compiled", tmp_path / "source")
    compiled = target / "es" / "LC_MESSAGES" / "messages.mo"
    assert compiled.exists()
    written = compiled.stat().st_mtime_ns
    compile_catalogues(tmp_path / "compiled", tmp_path / "source")
    assert compiled.stat().st_mtime_ns == written  # up to date: not written again


def test_the_app_compiled_its_catalogues_at_start_up(app):
    for language in LANGUAGES:
        assert (Path(app.instance_path) / "translations" / language / "LC_MESSAGES"
                / "messages.mo").exists()
