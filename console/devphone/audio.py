"""What the dev phone sends as a caller's recording: a WAV as Twilio serves one (8 kHz,
mono, 16-bit PCM), made from whatever audio file libsndfile reads (WAV, FLAC, Ogg...)."""
from __future__ import annotations

import io

import numpy as np
import soundfile

RATE = 8000


class BadAudio(ValueError):
    """Not audio this phone can send (the reason is for the user)."""


def telephone_wav(data: bytes, max_seconds: float) -> tuple[bytes, float]:
    """(the WAV, its length in seconds), cut at `max_seconds` as Twilio's maxLength does."""
    if not data:
        raise BadAudio("the audio file is empty")
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, TypeError, ValueError):
        raise BadAudio("not an audio file this phone can read (WAV, FLAC or Ogg)") from None
    if samples.size == 0 or rate <= 0:
        raise BadAudio("the audio file holds no sound")
    mono = samples.mean(axis=1)[: int(max_seconds * rate)]
    count = max(1, int(round(len(mono) * RATE / rate)))
    resampled = np.interp(np.arange(count) * (rate / RATE), np.arange(len(mono)), mono)
    pcm = (np.clip(resampled, -1.0, 1.0) * 32767).astype("<i2")
    out = io.BytesIO()
    soundfile.write(out, pcm, RATE, subtype="PCM_16", format="WAV")
    return out.getvalue(), count / RATE
