"""The prompt audio generator, on a tiny prompts folder: format, incremental runs, orphans, CLI."""
import json
import shutil

import pytest
import soundfile as sf
from click.testing import CliRunner

from ivr import prompt_audio
from ivr.prompt_audio import PromptAudioError, cli, generate

pytestmark = pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")),
                                reason="needs espeak-ng and sox")

LANGUAGES = [
    {"code": "ar", "keypad": "2", "name": "العربية", "dir": "rtl", "espeak": {"voice": "ar", "speed": 140},
     "say": None, "speech": None},
    {"code": "fr", "keypad": "3", "name": "Français", "dir": "ltr", "espeak": {"voice": "fr", "speed": 150},
     "say": None, "speech": None},
]
TEXTS = {
    "ar": {"goodbye": "مَعَ ٱلسَّلَامَةِ.", "digit_1": "وَاحِدْ"},
    "fr": {"goodbye": "Au revoir.", "digit_1": "un"},
}


def write_po(prompts_dir, lang, texts):
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', f'"Language: {lang}\\n"']
    for key, text in texts.items():
        lines += ["", f'msgctxt "{key}"', f'msgid "{key}"', f'msgstr "{text}"']
    path = prompts_dir / lang / "LC_MESSAGES" / "prompts.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def prompts_dir(tmp_path):
    (tmp_path / "languages.json").write_text(json.dumps(LANGUAGES, ensure_ascii=False), encoding="utf-8")
    for lang, texts in TEXTS.items():
        write_po(tmp_path, lang, texts)
    return tmp_path


def wavs(prompts_dir):
    return sorted(prompts_dir.glob("*/*.wav"))


def mtimes(prompts_dir):
    return {p: p.stat().st_mtime_ns for p in prompts_dir.rglob("*.wav")}


def test_generates_telephone_wavs_and_hold_music(prompts_dir):
    written = generate(prompts_dir, progress=False)
    expected = [prompts_dir / lang / f"{key}.wav" for lang in TEXTS for key in TEXTS[lang]]
    assert written == sorted(expected + [prompts_dir / "hold.wav"])
    for path in written:
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.subtype, info.format) == (8000, 1, "ULAW", "WAV")
        assert info.duration > 0.2
    manifest = json.loads((prompts_dir / "fr" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"goodbye", "digit_1"}
    assert not list(prompts_dir.rglob(".*")), "temp files left behind"


def test_second_run_regenerates_nothing(prompts_dir):
    generate(prompts_dir, progress=False)
    before = mtimes(prompts_dir)
    assert generate(prompts_dir, progress=False) == []
    assert mtimes(prompts_dir) == before


def test_changed_text_regenerates_only_that_prompt(prompts_dir):
    generate(prompts_dir, progress=False)
    before = mtimes(prompts_dir)
    write_po(prompts_dir, "fr", {**TEXTS["fr"], "goodbye": "Merci, au revoir."})
    changed = prompts_dir / "fr" / "goodbye.wav"
    assert generate(prompts_dir, progress=False) == [changed]
    after = mtimes(prompts_dir)
    assert after[changed] != before[changed]
    assert {p: t for p, t in after.items() if p != changed} == {p: t for p, t in before.items() if p != changed}


def test_changed_voice_settings_regenerate_that_language(prompts_dir):
    generate(prompts_dir, progress=False)
    languages = [dict(LANGUAGES[0]), LANGUAGES[1]]
    languages[0]["espeak"] = {"voice": "ar", "speed": 160}
    (prompts_dir / "languages.json").write_text(json.dumps(languages, ensure_ascii=False), encoding="utf-8")
    assert generate(prompts_dir, progress=False) == sorted(prompts_dir.glob("ar/*.wav"))


def test_missing_file_is_made_again(prompts_dir):
    generate(prompts_dir, progress=False)
    (prompts_dir / "ar" / "digit_1.wav").unlink()
    assert generate(prompts_dir, progress=False) == [prompts_dir / "ar" / "digit_1.wav"]


def test_removed_key_loses_its_wav(prompts_dir):
    generate(prompts_dir, progress=False)
    write_po(prompts_dir, "fr", {"goodbye": TEXTS["fr"]["goodbye"]})
    assert generate(prompts_dir, progress=False) == []
    assert not (prompts_dir / "fr" / "digit_1.wav").exists()
    assert (prompts_dir / "ar" / "digit_1.wav").exists()
    manifest = json.loads((prompts_dir / "fr" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"goodbye"}


def test_force_and_language_filter(prompts_dir):
    generate(prompts_dir, progress=False)
    assert generate(prompts_dir, languages=["fr"], force=True, progress=False) == sorted(
        [prompts_dir / "fr" / "digit_1.wav", prompts_dir / "fr" / "goodbye.wav", prompts_dir / "hold.wav"])
    with pytest.raises(PromptAudioError, match="xx"):
        generate(prompts_dir, languages=["xx"], progress=False)


def test_clear_error_without_the_tools(prompts_dir, monkeypatch):
    monkeypatch.setattr(prompt_audio.shutil, "which", lambda tool: None if tool == "espeak-ng" else "/usr/bin/sox")
    with pytest.raises(PromptAudioError, match="espeak-ng"):
        generate(prompts_dir, progress=False)
    assert wavs(prompts_dir) == []


def test_cli_reports_errors_without_writing():
    result = CliRunner().invoke(cli, ["generate", "--lang", "xx"])
    assert result.exit_code != 0
    assert "unknown language" in result.output
    assert "--force" in CliRunner().invoke(cli, ["generate", "--help"]).output
