"""The parts behind /ivr/media, without a server: the flood guard, the recogniser pool
(bounded, in order per stream, failures contained), the transcript listener (masked,
numbered, stored, emitted to the call's room after the commit), the case's transcript,
and retention."""
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from ivr.media_stream import FloodGuard
from ivr.retention import purge
from ivr.speech import pipeline as pipeline_module
from ivr.speech.pipeline import RecognitionPool
from ivr.speech.pipeline import coalesce
from ivr.speech.recognizer import ScriptedRecognizer
from ivr.speech.recognizer import Segment
from ivr.speech.transcript import EVENT
from ivr.speech.transcript import TranscriptListener
from ivr.speech.transcript import case_transcript
from ivr.speech.transcript import join_call_room
from shared.extensions import db
from shared.extensions import socketio
from shared.models import Call
from shared.models import TranscriptSegment
from shared.models import utcnow
from tests.support.console import logged_in_socket
from tests.shared.helpers import file_case


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {seconds} s"
        time.sleep(0.01)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


# -- flood guard ----------------------------------------------------------------------------
def test_twilios_pace_is_never_a_flood():
    clock = Clock()
    guard = FloodGuard(200, clock=clock)
    for _ in range(60 * 55):  # a minute of 50 frames a second plus marks
        assert guard.allow()
        clock.now += 1 / 55


def test_a_sustained_flood_is_refused_after_a_seconds_burst():
    clock = Clock()
    guard = FloodGuard(200, clock=clock)
    assert all(guard.allow() for _ in range(200))
    assert not guard.allow()
    clock.now += 0.5
    assert sum(guard.allow() for _ in range(200)) == 100


# -- the pool -------------------------------------------------------------------------------
class Recording:
    """A listener that notes what it got, on which thread."""

    def __init__(self, fail_on: bytes | None = None):
        self.fed: list[bytes] = []
        self.closed = 0
        self.fail_on = fail_on
        self.threads: set[str] = set()

    def feed(self, pcm):
        self.threads.add(threading.current_thread().name)
        if pcm == self.fail_on:
            raise RuntimeError("recogniser crashed")
        self.fed.append(pcm)

    def close(self):
        self.closed += 1


def test_each_stream_is_fed_in_order_by_bounded_workers(app):
    pool = RecognitionPool(app, workers=3, max_streams=10)
    listeners = [Recording() for _ in range(6)]
    pipelines = [pool.open(f"CA{n}", lambda listener=listener: [listener])
                 for n, listener in enumerate(listeners)]
    chunks = [bytes([n % 256]) * 1600 for n in range(200)]
    for chunk in chunks:
        for pipeline in pipelines:
            pipeline.feed(chunk)
    for pipeline in pipelines:
        pipeline.close()
        pipeline.close()  # a second close changes nothing
        assert pipeline.finished.wait(30)
    assert all(b"".join(listener.fed) == b"".join(chunks) and listener.closed == 1
               for listener in listeners)
    assert all(len(fed) % 1600 == 0 for listener in listeners for fed in listener.fed)
    threads = set().union(*(listener.threads for listener in listeners))
    assert threads <= {"recogniser-1", "recogniser-2", "recogniser-3"}
    assert pool.stats()["active_streams"] == 0 and pool.stats()["streams_transcribed"] == 6


def test_audio_that_comes_while_a_worker_is_busy_with_the_stream_is_served_too(app):
    pool = RecognitionPool(app, workers=1, max_streams=1)
    listener = Recording()
    pipeline = pool.open("CA1", lambda: [listener])

    def feed_while_working(pcm):  # the reader feeds while the worker is in the listener
        Recording.feed(listener, pcm)
        if len(listener.fed) == 1:
            pipeline.feed(b"second")
            pipeline.close()
    listener.feed = feed_while_working
    pipeline.feed(b"first")
    assert pipeline.finished.wait(30)
    assert listener.fed == [b"first", b"second"] and listener.closed == 1


def test_a_backlog_is_fed_in_longer_chunks_in_order():
    end = pipeline_module._END
    items = [b"a" * 4, b"b" * 4, b"c" * 4, end]
    assert coalesce(items, most=8) == [b"aaaabbbb", b"cccc", end]
    assert coalesce([b"a", end, b"b"], most=8) == [b"a", end, b"b"]


def test_a_full_pool_turns_new_streams_away_until_one_ends(app):
    pool = RecognitionPool(app, workers=1, max_streams=2)
    first, second = pool.open("CA1", list), pool.open("CA2", list)
    assert pool.open("CA3", list) is None
    assert pool.stats()["streams_not_transcribed"] == 1
    first.close()
    assert first.finished.wait(30)
    assert pool.open("CA4", list) is not None and second is not None


def test_a_failing_listener_is_dropped_and_the_others_go_on(app, caplog):
    pool = RecognitionPool(app, workers=1, max_streams=1)
    failing, healthy = Recording(fail_on=b"\x02" * 4), Recording()
    pipeline = pool.open("CA1", lambda: [failing, healthy])
    for n in range(1, 5):
        pipeline.feed(bytes([n]) * 4)
        wait_until(lambda: len(b"".join(healthy.fed)) == 4 * n)  # one chunk at a time
    pipeline.close()
    assert pipeline.finished.wait(30)
    assert failing.fed == [b"\x01" * 4] and failing.closed == 1
    assert b"".join(healthy.fed) == b"\x01" * 4 + b"\x02" * 4 + b"\x03" * 4 + b"\x04" * 4
    assert healthy.closed == 1
    assert pool.stats()["listener_errors"] == 1 and "a listener failed" in caplog.text


def test_listeners_that_cannot_start_leave_the_stream_untranscribed(app, caplog):
    pool = RecognitionPool(app, workers=1, max_streams=1)

    def broken():
        raise OSError("model folder unreadable")
    pipeline = pool.open("CA1", broken)
    pipeline.feed(b"\x00" * 1600)
    pipeline.close()
    assert pipeline.finished.wait(30)
    assert pool.stats()["active_streams"] == 0 and pool.stats()["listener_errors"] == 1
    assert "could not start" in caplog.text


# -- the transcript listener ----------------------------------------------------------------
@pytest.fixture()
def call(session):
    call = Call(call_sid="CA" + "5" * 32, language="fr", step="agent")
    session.add(call)
    session.commit()
    return call


@pytest.fixture()
def console(app, call):
    console = logged_in_socket(app)
    join_call_room(socketio.server.manager.sid_from_eio_sid(console.eio_sid, "/"),
                   call.call_sid)
    return console


def scripted(*segments: tuple[int, Segment]) -> ScriptedRecognizer:
    return ScriptedRecognizer(list(segments))


def test_segments_are_masked_numbered_stored_and_sent_to_the_calls_room(session, call,
                                                                         console, app):
    elsewhere = logged_in_socket(app)
    recognizer = scripted(
        (1600, Segment("mon numéro 06 12", final=False)),
        (3200, Segment("mon numéro 06 12 34 56 78", final=True, start=0.5, end=2.9,
                       confidence=0.8)),
        (4800, Segment("ma CIN AB123456", final=True, start=3.0, end=4.0, confidence=0.6)))
    listener = TranscriptListener(call.id, call.call_sid, recognizer, next_seq=1)
    for _ in range(3):
        listener.feed(b"\x00" * 1600)
    listener.close()
    events = [event["args"][0] for event in console.get_received() if event["name"] == EVENT]
    assert [(e["seq"], e["final"], e["text"]) for e in events] == [
        (1, False, "mon numéro 06 12"),
        (1, True, "mon numéro ** ** ** ** 78"),
        (2, True, "ma CIN ******56")]
    assert events[0]["end"] == 0.1 and events[1]["start"] == 0.5
    assert all("0612" not in e["text"] and "123456" not in e["text"] for e in events)
    rows = session.scalars(select(TranscriptSegment).order_by(TranscriptSegment.seq)).all()
    assert [(r.seq, r.text, r.start_seconds, r.confidence) for r in rows] == [
        (1, "mon numéro ** ** ** ** 78", 0.5, 0.8), (2, "ma CIN ******56", 3.0, 0.6)]
    assert elsewhere.get_received() == []


def test_a_final_that_cannot_be_stored_is_still_shown(session, call, console, monkeypatch):
    def fail():
        raise RuntimeError("database gone")
    listener = TranscriptListener(call.id, call.call_sid,
                                  scripted((0, Segment("bonjour", final=True))), next_seq=4)
    monkeypatch.setattr(db.session, "commit", fail)
    listener.feed(b"\x00" * 1600)
    events = [event["args"][0] for event in console.get_received() if event["name"] == EVENT]
    assert [(e["seq"], e["text"]) for e in events] == [(4, "bonjour")]


def test_the_transcript_of_a_case_is_that_of_the_call_it_was_filed_from(session, call, admin):
    case = file_case(session, admin)
    session.flush()
    call.case_id = case.id
    other = Call(call_sid="CA" + "6" * 32, language="fr")
    session.add(other)
    session.flush()
    session.add_all([TranscriptSegment(call_id=call.id, seq=2, text="deux"),
                     TranscriptSegment(call_id=other.id, seq=1, text="autre"),
                     TranscriptSegment(call_id=call.id, seq=1, text="un")])
    session.commit()
    assert [segment.text for segment in case_transcript(session, case.id)] == ["un", "deux"]


def test_transcripts_go_with_the_calls_retention(session, app):
    now = utcnow()
    old = Call(call_sid="CA" + "7" * 32, started_at=now - dt.timedelta(days=91))
    recent = Call(call_sid="CA" + "8" * 32, started_at=now - dt.timedelta(days=1))
    session.add_all([old, recent])
    session.flush()
    session.add_all([TranscriptSegment(call_id=old.id, seq=1, text="ancien"),
                     TranscriptSegment(call_id=recent.id, seq=1, text="récent")])
    session.commit()
    done = purge(session, {**app.config, "CALL_RETENTION_DAYS": 90}, now=now)
    session.commit()
    assert done["transcript segments deleted"] == 1
    assert session.scalars(select(TranscriptSegment.text)).all() == ["récent"]


# -- configuration --------------------------------------------------------------------------
def test_the_pool_is_sized_by_the_configuration(tmp_path):
    from shared.config import ConfigError
    from shared.config import load_config
    config = load_config(tmp_path, {"SPEECH_WORKERS": "3", "SPEECH_MAX_STREAMS": "5"})
    assert (config["SPEECH_WORKERS"], config["SPEECH_MAX_STREAMS"]) == (3, 5)
    defaults = load_config(tmp_path, {})
    assert defaults["SPEECH_WORKERS"] >= 1
    assert defaults["SPEECH_MAX_STREAMS"] == 4 * defaults["SPEECH_WORKERS"]
    with pytest.raises(ConfigError, match="SPEECH_WORKERS"):
        load_config(tmp_path, {"SPEECH_WORKERS": "many"})


def test_the_apps_pool_follows_its_settings(app, monkeypatch):
    from ivr.speech.pipeline import recognition_pool
    monkeypatch.delitem(app.extensions, "recognition_pool", raising=False)
    monkeypatch.setitem(app.config, "SPEECH_WORKERS", 3)
    monkeypatch.setitem(app.config, "SPEECH_MAX_STREAMS", 7)
    pool = recognition_pool(app)
    assert (pool.workers, pool.max_streams) == (3, 7) and recognition_pool(app) is pool
