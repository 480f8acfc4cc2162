"""`flask speech`: the operators' commands for offline speech — install, list and remove a
language's vosk model, generate the administrations' grammars, check grammars against the
models' vocabularies. A running server picks up a new model at its next start."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..prompts import catalogue
from . import install as installer
from .grammars import grammar_names
from .grammars import load_grammar
from .grammars import missing_words
from .grammars import write_administration_grammars
from .models import SpeechModels
from .runtime import speech_models

cli = AppGroup("speech", help="Offline speech recognition: models and grammars.")


def language_codes() -> list[str]:
    return [language.code for language in catalogue().languages]


def models_dir() -> Path:
    return Path(current_app.config["SPEECH_MODELS_DIR"])


def models_on_disk() -> SpeechModels:
    """The models as the disk has them now (not this process's loaded ones)."""
    fallbacks = {language.code: language.fallback for language in catalogue().languages}
    return SpeechModels(models_dir(), fallbacks)


def language_option(required: bool = True):
    return click.option("--lang", "language", required=required,
                        type=click.Choice(language_codes()),
                        help="A language code of voice_prompts/languages.json.")


@cli.command("install")
@click.argument("source")
@language_option()
@click.option("--sha256", default=None, help="The archive's expected sha256 (hex).")
@click.option("--force", is_flag=True, help="Replace the language's installed model.")
@click.option("--timeout", default=60.0, show_default=True,
              help="Seconds to wait for the server (connecting, then between two reads).")
def install_model(source, language, sha256, force, timeout):
    """Install SOURCE as the model of --lang: an official model's name (e.g.
    vosk-model-small-fr-0.22), an https URL, or a local .zip / .tar.gz."""
    try:
        done = installer.install(source, language, models_dir(), sha256=sha256, force=force,
                                 timeout=timeout, echo=click.echo)
    except installer.InstallError as error:
        raise click.ClickException(str(error)) from None
    if not sha256:
        click.echo("checksum not verified (no --sha256): keep the sha256 above to check "
                   "the next install of this archive")
    click.echo(f"{language}: model {'replaced' if done.replaced else 'installed'} in "
               f"{done.path} (restart the web processes to use it)")


def _size(path: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def _human(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size} B"


def vocabulary(path: Path) -> str:
    words = path / "graph" / "words.txt"
    if not words.is_file():
        return "vocabulary: the graph has no word list (flask speech check tests words)"
    with words.open("rb") as f:
        count = sum(1 for line in f if line.strip())
    return f"vocabulary: {count} words"


def _source(path: Path) -> str:
    try:
        return json.loads((path / installer.PROVENANCE).read_text())["source"]
    except (OSError, ValueError, KeyError):
        return "installed by hand"


@cli.command("list")
def list_models():
    """Each language's model: folder, size on disk, vocabulary size, state."""
    for status in models_on_disk().status():
        if status.path is None:
            click.echo(f"{status.language}: missing (keypad only) in "
                       f"{models_dir() / status.language}")
            continue
        shared = "" if status.path.name == status.language \
            else f" ({status.path.name}'s model, languages.json fallback)"
        click.echo(f"{status.language}: {status.state} {status.path}{shared}, "
                   f"{_human(_size(status.path))}, {vocabulary(status.path)}; "
                   f"from {_source(status.path)}")


@cli.command("remove")
@language_option()
def remove_model(language):
    """Remove the model of --lang (that language then uses the keypad, or its fallback's)."""
    target = models_dir() / language
    if not (target.exists() or target.is_symlink()):
        raise click.ClickException(f"{language} has no model of its own in {models_dir()}")
    users = [s.language for s in models_on_disk().status() if s.path == target]
    installer.delete(target)
    click.echo(f"{language}: model removed from {target}")
    others = [code for code in users if code != language]
    if others:
        click.echo(f"it was also the model of {', '.join(others)} (fallback)")


def write_grammars() -> dict[str, int]:
    """The administrations' grammars written into GRAMMARS_DIR (a step of `release`)."""
    from shared.extensions import db
    return write_administration_grammars(db.session, Path(current_app.config["GRAMMARS_DIR"]))


@cli.command("grammars")
def generate_grammars():
    """Write the administrations' grammars from the table (also run by `flask release`)."""
    directory = Path(current_app.config["GRAMMARS_DIR"])
    for language, count in write_grammars().items():
        click.echo(f"{language}: {count} phrases in {directory / language}")


@cli.command("check")
@language_option(required=False)
def check_grammars(language):
    """List, per language, the grammar words its model does not know (never recognised)."""
    models = speech_models()
    any_missing = False
    for code in [language] if language else language_codes():
        model = models.get(code)
        if model is None:
            click.echo(f"{code}: no usable model, nothing to check")
            continue
        for name in grammar_names(code):
            grammar = load_grammar(code, name)
            missing = missing_words(model, grammar)
            any_missing |= bool(missing)
            click.echo(f"{code} {name}: " + (
                f"{len(missing)} of {len(grammar.words)} words missing: {' '.join(missing)}"
                if missing else f"all {len(grammar.words)} words known"))
    if any_missing:
        click.echo("missing words are never recognised: add a spoken synonym the model knows")
