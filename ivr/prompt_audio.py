"""Generate the voice prompt audio (espeak-ng + sox, 8 kHz mu-law WAV) from the prompt catalogues."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import click
from tqdm import tqdm

from ivr.prompts import PROMPTS_DIR, Language, PromptCatalogue

# Trim espeak-ng's leading/trailing silence (prompts are chained, e.g. digit after digit), keep a short
# margin, then the telephone band and level of speech.md.
SOX_EFFECTS = ("silence", "1", "0.01", "0.1%", "reverse", "silence", "1", "0.01", "0.1%", "reverse",
               "pad", "0.05", "0.15", "highpass", "100", "lowpass", "3400", "norm", "-3")
TELEPHONE_FORMAT = ("-r", "8000", "-c", "1", "-e", "u-law", "-t", "wav")
ESPEAK_OPTIONS = {"voice": "-v", "speed": "-s", "pitch": "-p", "amplitude": "-a", "wordgap": "-g"}
HOLD_MUSIC = "hold.wav"
WORKERS = 2


class PromptAudioError(RuntimeError):
    pass


def check_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise PromptAudioError(f"{' and '.join(missing)} not found on PATH: "
                               "install them (Debian: apt-get install espeak-ng sox)")


def fingerprint(text: str, espeak: dict) -> str:
    """What a prompt's audio depends on: when it changes, the file is made again."""
    payload = json.dumps({"text": text, "espeak": espeak, "sox": SOX_EFFECTS},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _run(cmd: list[str], stdin: bytes | None = None) -> None:
    result = subprocess.run(cmd, input=stdin, capture_output=True)
    if result.returncode != 0:
        raise PromptAudioError(f"{cmd[0]} failed ({result.returncode}): "
                               f"{result.stderr.decode(errors='replace').strip()}")


def _replace_atomically(out: Path, make) -> None:
    """Write `out` through a hidden temp file in the same folder, so a crash never leaves half a WAV."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".wav")
    os.close(fd)
    try:
        make(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def espeak_args(espeak: dict) -> list[str]:
    """Command-line options for the "espeak" settings of languages.json."""
    args = []
    for name, value in espeak.items():
        if name not in ESPEAK_OPTIONS:
            raise PromptAudioError(f"unknown espeak setting {name!r} (known: {', '.join(ESPEAK_OPTIONS)})")
        args += [ESPEAK_OPTIONS[name], str(value)]
    return args


def synthesise(text: str, espeak: dict, out: Path) -> Path:
    """Speak `text` with espeak-ng into `out`, an 8 kHz mono mu-law WAV."""
    args = espeak_args(espeak)
    with tempfile.TemporaryDirectory(prefix="prompt-") as tmp:
        src = os.path.join(tmp, "espeak.wav")
        # Text on stdin (-b 1: UTF-8), so that no prompt can be taken for an option.
        _run(["espeak-ng", *args, "-b", "1", "-w", src, "--stdin"], stdin=text.encode("utf-8"))
        _replace_atomically(out, lambda dst: _run(["sox", src, *TELEPHONE_FORMAT, dst, *SOX_EFFECTS]))
    return out


def make_hold_music(out: Path) -> Path:
    """About 20 s of soft plucked arpeggios over a quiet pad (C, Am, F, G), made with sox synth."""
    chords = [("C4", "E4", "G4", "C5"), ("A3", "C4", "E4", "A4"), ("F3", "A3", "C4", "F4"), ("G3", "B3", "D4", "G4")]
    pattern, note_len = (0, 1, 2, 3, 2, 1, 2, 1), 0.625
    with tempfile.TemporaryDirectory(prefix="hold-") as tmp:
        notes, pads = [], []
        for c, chord in enumerate(chords):
            for i, degree in enumerate(pattern):
                note = os.path.join(tmp, f"n{c}{i}.wav")
                _run(["sox", "-n", "-r", "8000", "-c", "1", note, "synth", str(note_len), "pluck", chord[degree],
                      "fade", "0.01", str(note_len), "0.3", "vol", "0.5"])
                notes.append(note)
            pad = os.path.join(tmp, f"p{c}.wav")
            _run(["sox", "-r", "8000", "-c", "3", "-n", "-c", "1", pad, "synth", str(note_len * len(pattern)),
                  "sine", chord[0], "sine", chord[1], "sine", chord[2], "remix", "-",
                  "fade", "0.5", str(note_len * len(pattern)), "0.5", "vol", "0.15"])
            pads.append(pad)
        melody, bed = os.path.join(tmp, "melody.wav"), os.path.join(tmp, "bed.wav")
        _run(["sox", *notes, melody])
        _run(["sox", *pads, bed])
        _replace_atomically(out, lambda dst: _run(
            ["sox", "-m", melody, bed, *TELEPHONE_FORMAT, dst, "highpass", "100", "lowpass", "3400",
             "norm", "-10", "fade", "0.3", "-0", "1"]))
    return out


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _write_manifest(path: Path, manifest: dict[str, str]) -> None:
    text = json.dumps(dict(sorted(manifest.items())), indent=1, ensure_ascii=False) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(prompts_dir: str | Path | None = None, languages=None, force: bool = False,
             progress: bool = True) -> list[Path]:
    """Make the audio of every prompt whose text or voice settings changed, or whose file is missing.

    `languages`: codes (or Language objects) to limit the run to; None for all. Each language folder
    keeps a manifest.json {key: fingerprint}; WAVs of keys no longer in the catalogue are deleted.
    Note that `force` also overwrites studio recordings put in place of generated files.
    Returns the files written, sorted.
    """
    check_tools()
    prompts_dir = Path(prompts_dir or PROMPTS_DIR)
    cat = PromptCatalogue(prompts_dir)  # not the cached one: the texts may just have changed
    wanted = None if languages is None else {getattr(l, "code", l) for l in languages}
    unknown = (wanted or set()) - {l.code for l in cat.languages}
    if unknown:
        raise PromptAudioError(f"unknown language(s): {', '.join(sorted(unknown))}")
    selected = [l for l in cat.languages if wanted is None or l.code in wanted]

    jobs: list[tuple[Language, str, str, Path]] = []
    manifests: dict[str, tuple[Path, dict[str, str]]] = {}
    for lang in selected:
        espeak_args(lang.espeak)  # a bad setting fails here, not once per prompt
        folder = prompts_dir / lang.code
        folder.mkdir(parents=True, exist_ok=True)
        manifest_path = folder / "manifest.json"
        old = _read_manifest(manifest_path)
        new = {}
        for key in cat.keys(lang.code):
            text = cat.text(key, lang.code)
            new[key] = fingerprint(text, lang.espeak)
            wav = folder / f"{key}.wav"
            if force or old.get(key) != new[key] or not wav.is_file():
                jobs.append((lang, key, text, wav))
        for wav in folder.glob("*.wav"):
            if not wav.name.startswith(".") and wav.stem not in new:
                wav.unlink()
        manifests[lang.code] = (manifest_path, new)

    written, failures = [], []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool, \
            tqdm(total=len(jobs), disable=not progress or not jobs, unit="prompt", desc="voice prompts") as bar:
        futures = {pool.submit(synthesise, text, lang.espeak, wav): (lang, key, wav)
                   for lang, key, text, wav in jobs}
        for future in as_completed(futures):
            lang, key, wav = futures[future]
            try:
                written.append(future.result())
            except Exception as exc:  # keep going; report every failure at the end
                failures.append(f"{lang.code}/{key}: {exc}")
                del manifests[lang.code][1][key]  # so that the next run tries it again
            bar.update()
    for manifest_path, manifest in manifests.values():
        _write_manifest(manifest_path, manifest)

    hold = prompts_dir / HOLD_MUSIC
    if force or not hold.is_file():
        written.append(make_hold_music(hold))
    if failures:
        raise PromptAudioError(f"{len(failures)} prompt(s) failed:\n" + "\n".join(sorted(failures)))
    return sorted(written)


cli = click.Group("prompts", help="Voice prompts of the 3737 line.")


@cli.command("generate")
@click.option("--force", is_flag=True, help="Make every file again, even unchanged ones (and recordings).")
@click.option("--lang", "langs", multiple=True, metavar="CODE", help="Only this language (repeatable).")
def generate_command(force: bool, langs: tuple[str, ...]) -> None:
    """Synthesise the audio of new or changed prompts with espeak-ng and sox."""
    try:
        written = generate(languages=langs or None, force=force)
    except PromptAudioError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(written)} file(s) written under {PROMPTS_DIR}")


if __name__ == "__main__":
    cli(prog_name="python -m ivr.prompt_audio")
