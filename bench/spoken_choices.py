"""Spoken choices on the real vosk engine: what a yes said at a confirmation costs the
recogniser worker, and how soon the live call is moved.

In-process (the app on a temporary SQLite database, the Korean test model as the French
one, the French yes/no grammar given "네" as yes, a local fake of Twilio's REST API), each
run walks a call to the administration's confirmation, then feeds espeak-ng's "네" to the
spoken-choice listener in 100 ms chunks, as a media-stream worker does, and prints:
- the worker's time per chunk (p50/p99/max), the chunk that sends the update included;
- the decision delay in audio time: from the end of the word to the end of the chunk whose
  final result moved the call (vosk's endpointing; a floor on what a caller waits);
- the wall time of the chunk that read the call, matched the grammar and sent the update.

    .venv/bin/python bench/spoken_choices.py [--runs 20]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.simulator import Caller  # noqa: E402
from ivr.simulator import FlaskTransport  # noqa: E402
from ivr.speech import grammars  # noqa: E402
from ivr.speech.choices import ChoiceListener  # noqa: E402
from ivr.speech.runtime import speech_models  # noqa: E402
from shared import administrations  # noqa: E402
from shared import migrate  # noqa: E402
from shared.app import create_app  # noqa: E402
from shared.extensions import db  # noqa: E402
from tests.support.fake_twilio import FakeTwilio  # noqa: E402
from tests.support.speech import YES  # noqa: E402
from tests.support.speech import install_test_model  # noqa: E402
from tests.support.speech import korean_speech  # noqa: E402

CHUNK = 1600  # 100 ms of 8 kHz 16-bit PCM
ACCOUNT, TOKEN, BASE = "AC" + "1" * 32, "bench-token", "https://bench.example"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def grammars_with_yes(folder: Path) -> Path:
    shutil.copytree(grammars.STATIC_DIR, folder)
    path = folder / "fr" / "yes_no.json"
    yes_no = json.loads(path.read_text(encoding="utf-8"))
    yes_no["yes"].append(YES)
    path.write_text(json.dumps(yes_no, ensure_ascii=False), encoding="utf-8")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeTwilio(ACCOUNT, TOKEN) as fake:
        folder = Path(folder)
        grammars.STATIC_DIR = grammars_with_yes(folder / "grammars")
        app = create_app({
            "SECRET_KEY": "bench", "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_BASE_URL": BASE, "TWILIO_API_BASE": fake.base_url, "JOB_WORKER": "none",
            "SPEECH_INPUT": "vosk", "OPENING_HOURS": "mon-sun 00:00-23:59",
            "SPEECH_MODELS_DIR": str(install_test_model(folder / "models", "fr")),
        }, environ={"INSTANCE_PATH": str(folder), **{k: v for k, v in os.environ.items()
                                                    if k == "PATH"},
                    "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"})
        with app.app_context():
            migrate.upgrade()
            administrations.load(db.session)
            db.session.commit()
        began = time.perf_counter()
        speech_models(app).get("fr")  # loaded once per process, on first use: not measured
        print(f"model loaded in {time.perf_counter() - began:.1f} s")
        speech = korean_speech(YES)
        client = app.test_client()
        per_chunk, delays, deciding, misses = [], [], [], 0
        for run in range(args.runs):
            caller = Caller(FlaskTransport(client), BASE, TOKEN, account_sid=ACCOUNT,
                            caller=f"+2126123{run:05d}")
            caller.dial()
            for keys in ("3", "1", "201"):
                caller.press(keys)
            listener, updates = ChoiceListener(app, caller.call_sid), len(fake.call_updates)
            for start in range(0, len(speech), CHUNK):
                began = time.perf_counter()
                listener.feed(speech[start:start + CHUNK])
                spent = time.perf_counter() - began
                per_chunk.append(spent)
                if len(fake.call_updates) > updates:
                    deciding.append(spent)
                    # korean_speech pads 0.8 s after the word: its end is that far from the end
                    word_end = len(speech) / 16000 - 0.8
                    delays.append((start + CHUNK) / 16000 - word_end)
                    break
            else:
                misses += 1
            listener.close()
            caller.hang_up()
    ms = [value * 1000 for value in per_chunk]
    print(f"spoken choices, real vosk engine (Korean test model), {args.runs} runs of "
          f"'{YES}' at a yes/no confirmation, 100 ms chunks")
    print(f"  recognised and sent: {len(delays)}/{args.runs} (missed: {misses})")
    print(f"  worker time per chunk: p50 {percentile(ms, 0.5):.2f} ms, "
          f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms")
    if delays:
        print(f"  chunk that decided (DB read + grammar + REST update): p50 "
              f"{statistics.median(deciding) * 1000:.1f} ms, max {max(deciding) * 1000:.1f} ms")
        print(f"  decision after the end of the word (audio time): p50 "
              f"{statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
