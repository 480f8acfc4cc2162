"""/ivr/media on a real threaded server in this process, driven the way Twilio drives it
(signed upgrade, `start` parameters, base64 mu-law frames), with the real vosk engine:
the live transcript reaches the call's Socket.IO room only, finals are stored, and every
refusal and fallback holds."""
import base64
import http.client
import logging
import threading
import time

from urllib.parse import urlsplit

import pytest
from simple_websocket import ConnectionClosed
from wsproto.utilities import LocalProtocolError

from ivr import media_stream
from ivr.queue import stream_token
from ivr.speech import mulaw
from ivr.speech.models import SpeechModels
from ivr.speech.pipeline import RecognitionPool
from ivr.speech.transcript import EVENT
from ivr.speech.transcript import join_call_room
from ivr.stream_simulator import TwilioStream
from ivr.stream_simulator import signature as sign
from ivr.stream_simulator import websocket_url
from shared.extensions import db
from shared.extensions import socketio
from shared.models import Call
from shared.models import TranscriptSegment
from shared.models import utcnow
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_AUTH_TOKEN
from tests.support.console import logged_in_socket
from tests.support.live_server import LiveServer
from tests.support.speech import YES
from tests.support.speech import heard_yes
from tests.support.speech import install_test_model
from tests.support.speech import korean_speech

pytestmark = pytest.mark.slow
PUBLIC_STREAM_URL = PUBLIC_BASE_URL.replace("https://", "wss://") + "/ivr/media"
FALLBACKS = {"ary": "ar", "ar": None, "fr": None}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """French has the (Korean) test model; Arabic's model is broken (Darija falls back to
    it); loaded once for the module."""
    directory = install_test_model(tmp_path_factory.mktemp("models"), "fr")
    (directory / "ar" / "am").mkdir(parents=True)
    (directory / "ar" / "am" / "final.mdl").write_bytes(b"not a model")
    return SpeechModels(directory, FALLBACKS)


@pytest.fixture(scope="module")
def server(app):
    with LiveServer(app) as live:
        yield live


@pytest.fixture()
def pool(app, models, config, monkeypatch):
    """Speech on, the module's models, and a fresh pool of 2 workers and 2 streams."""
    config(SPEECH_INPUT="auto", SPEECH_MODELS_DIR=str(models.directory))
    monkeypatch.setitem(app.extensions, "speech_models", models)
    fresh = RecognitionPool(app, workers=2, max_streams=2)
    monkeypatch.setitem(app.extensions, "recognition_pool", fresh)
    return fresh


def live_call(app, sid: str, language: str = "fr", ended: bool = False) -> str:
    with app.app_context():
        db.session.add(Call(call_sid=sid, language=language, step="agent",
                            ended_at=utcnow() if ended else None))
        db.session.commit()
    return sid


@pytest.fixture()
def open_stream(pool):
    """open_stream(server) -> a TwilioStream; all closed, and the server done with them,
    at the end of the test."""
    opened = []

    def open_one(server, **kwargs) -> TwilioStream:
        opened.append(TwilioStream(websocket_url(server.base_url), PUBLIC_STREAM_URL,
                                   TEST_AUTH_TOKEN, **kwargs))
        return opened[-1]
    yield open_one
    for stream in opened:
        stream.close()
    wait_until(lambda: media_stream.open_readers() == 0 and pool.stats()["active_streams"] == 0)


def token(app, call_sid: str) -> str:
    with app.app_context():
        return stream_token(call_sid)


def listening_console(app, call_sid: str):
    """A logged-in Socket.IO client of this process, in the room of `call_sid`'s transcript."""
    console = logged_in_socket(app)
    sid = socketio.server.manager.sid_from_eio_sid(console.eio_sid, "/")
    join_call_room(sid, call_sid)
    return console


def speech_yes(after: float = 0.8) -> bytes:
    """"네" as Twilio would carry it (mu-law); half a second of silence before it keeps
    vosk's reading of the mu-law audio to "네" (with less it may hear "네여")."""
    return mulaw.from_pcm16(korean_speech(YES, before=0.5, after=after))


def wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("still waiting after %s s" % seconds)
        time.sleep(0.02)


def wait_done(pool: RecognitionPool, transcribed: int = 1) -> None:
    """Until `transcribed` streams were opened and all closed their listeners."""
    wait_until(lambda: pool.stats()["streams_transcribed"] >= transcribed
               and pool.stats()["active_streams"] == 0)


def transcript_events(console) -> list[dict]:
    return [event["args"][0] for event in console.get_received() if event["name"] == EVENT]


def closed_by_server(stream: TwilioStream) -> bool:
    """True once the server closed the socket; False if it is still open after 10 s."""
    try:
        while stream.receive(timeout=10) is not None:
            pass
    except ConnectionClosed:
        return True
    return False


def stored(app, sid: str) -> list[TranscriptSegment]:
    with app.app_context():
        call = db.session.scalar(db.select(Call).where(Call.call_sid == sid))
        return list(db.session.scalars(db.select(TranscriptSegment).where(
            TranscriptSegment.call_id == call.id).order_by(TranscriptSegment.seq)))


# -- the live transcript --------------------------------------------------------------------
def test_partials_then_the_final_reach_that_calls_room_only_and_the_final_is_stored(
        app, server, pool, open_stream):
    speaking, quiet = live_call(app, "CA" + "1" * 32), live_call(app, "CA" + "2" * 32)
    console, other_console = listening_console(app, speaking), listening_console(app, quiet)
    other = open_stream(server, stream_sid="MZ" + "2" * 32)
    other.start(quiet, token(app, quiet))
    stream = open_stream(server)
    stream.start(speaking, token(app, speaking))
    stream.play(speech_yes())
    stream.mark("prompt-played")
    stream.stop()
    other.stop()
    wait_done(pool, transcribed=2)

    events = transcript_events(console)
    finals = [event for event in events if event["final"]]
    assert [event["final"] for event in events] == [False] * (len(events) - 1) + [True]
    assert len(events) >= 2 and heard_yes(finals[0]["text"])
    assert all(event["seq"] == 1 and event["call_sid"] == speaking for event in events)
    assert finals[0]["end"] > finals[0]["start"] > 0 and 0 < finals[0]["confidence"] <= 1
    assert transcript_events(other_console) == []
    rows = stored(app, speaking)
    assert [(row.seq, row.text) for row in rows] == [(1, finals[0]["text"])]  # as heard live
    assert rows[0].confidence == pytest.approx(finals[0]["confidence"])
    assert stored(app, quiet) == []


def test_a_stream_dropped_mid_call_flushes_its_final_and_frees_its_place(
        app, server, pool, open_stream):
    sid = live_call(app, "CA" + "3" * 32)
    console = listening_console(app, sid)
    stream = open_stream(server)
    stream.start(sid, token(app, sid))
    stream.play(speech_yes(after=0.1))  # no silence after: no final until the flush
    stream.close()  # no `stop`: the socket just went away
    wait_done(pool)
    finals = [event["text"] for event in transcript_events(console) if event["final"]]
    assert [row.text for row in stored(app, sid)] == finals
    assert len(finals) == 1 and finals[0].startswith(YES)
    assert pool.stats()["active_streams"] == 0


def test_a_second_stream_of_the_call_numbers_its_segments_after_the_first(
        app, server, pool, open_stream):
    sid = live_call(app, "CA" + "4" * 32)
    for streams in (1, 2):
        stream = open_stream(server)
        stream.start(sid, token(app, sid))
        stream.play(speech_yes())
        stream.stop()
        wait_done(pool, transcribed=streams)
    rows = stored(app, sid)
    assert [row.seq for row in rows] == [1, 2]  # the rule: the second stream goes on from 1
    assert all(heard_yes(row.text) for row in rows), [row.text for row in rows]


# -- fallbacks: the call goes on without a transcript -----------------------------------------
@pytest.mark.parametrize("language", ["ary", "ar", "xx"])  # broken (via fallback), broken, none
def test_no_model_or_a_broken_one_no_transcript(app, server, pool, caplog, language,
                                                open_stream):
    sid = live_call(app, "CA" + "5" * 32, language=language)
    console = listening_console(app, sid)
    stream = open_stream(server)
    with caplog.at_level(logging.INFO, logger="ivr.speech.transcript"):
        stream.start(sid, token(app, sid))
        stream.play(speech_yes())
        stream.stop()
        wait_done(pool)
    assert transcript_events(console) == [] and stored(app, sid) == []
    assert f"no live transcript for call {sid}: no usable speech model" in caplog.text


def test_speech_off_no_transcript(app, server, pool, config, open_stream):
    config(SPEECH_INPUT="off")
    sid = live_call(app, "CA" + "6" * 32)
    stream = open_stream(server)
    stream.start(sid, token(app, sid))
    stream.play(speech_yes())
    stream.stop()
    wait_done(pool)
    assert stored(app, sid) == []


def test_a_full_pool_accepts_the_stream_without_transcribing_it(
        app, server, pool, caplog, open_stream):
    busy = [live_call(app, f"CA{n}" + "7" * 31) for n in range(2)]
    late = live_call(app, "CA" + "8" * 32)
    streams = [open_stream(server) for _ in busy]
    for stream, sid in zip(streams, busy):
        stream.start(sid, token(app, sid))
    wait_until(lambda: pool.stats()["active_streams"] == 2)
    extra = open_stream(server)
    with caplog.at_level(logging.WARNING, logger="ivr.speech.pipeline"):
        extra.start(late, token(app, late))
        extra.play(speech_yes())  # still read: Twilio sees a healthy stream
        extra.stop()
        assert closed_by_server(extra)
    assert pool.stats()["streams_not_transcribed"] == 1
    assert f"media stream {late} not transcribed" in caplog.text
    health = app.test_client().get("/healthz").get_json()["media_streams"]
    assert health["streams_not_transcribed"] == 1 and health["active_streams"] == 2
    for stream in streams:
        stream.stop()
    wait_done(pool, transcribed=2)
    assert stored(app, late) == []


# -- refusals -------------------------------------------------------------------------------
FORGERIES = {
    "unsigned": None,
    "garbage": "bm90IGEgc2lnbmF0dXJl",
    "signed by another token": sign("another-auth-token", PUBLIC_STREAM_URL),
    "signed for another URL": sign(TEST_AUTH_TOKEN, PUBLIC_STREAM_URL + "?other=1"),
    "signed over https://": sign(TEST_AUTH_TOKEN, PUBLIC_BASE_URL + "/ivr/media"),
}


def upgrade_status(server, signature: str | None) -> int:
    """The answer to a websocket upgrade request (the socket closed right after)."""
    connection = http.client.HTTPConnection(urlsplit(server.base_url).netloc, timeout=10)
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode()}
    if signature:
        headers["X-Twilio-Signature"] = signature
    try:
        connection.request("GET", "/ivr/media", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("forgery", FORGERIES)
def test_an_unsigned_or_forged_upgrade_is_refused_before_the_websocket(server, pool,
                                                                       forgery):
    assert upgrade_status(server, FORGERIES[forgery]) == 403
    assert pool.stats()["streams_transcribed"] == 0


def test_without_an_auth_token_every_upgrade_is_refused(server, pool, config):
    config(TWILIO_AUTH_TOKEN="")
    assert upgrade_status(server, sign("", PUBLIC_STREAM_URL)) == 403


def test_a_signed_upgrade_is_accepted(server, pool):
    assert upgrade_status(server, sign(TEST_AUTH_TOKEN, PUBLIC_STREAM_URL)) == 101
    wait_until(lambda: media_stream.open_readers() == 0)


def test_plain_http_is_not_a_stream(client):
    assert client.get("/ivr/media").status_code == 400


@pytest.mark.parametrize("case", ["forged", "another call's", "ended call", "unknown call",
                                  "no token"])
def test_a_bad_or_stale_token_closes_the_stream_before_any_recogniser(app, server, pool,
                                                                      caplog, case, open_stream):
    sid = live_call(app, "CA" + "9" * 32, ended=case == "ended call")
    other = live_call(app, "CA" + "a" * 32)
    unknown = "CA" + "b" * 32
    given = {"forged": "0" * 64, "another call's": token(app, other),
             "unknown call": token(app, unknown), "no token": ""}.get(case, token(app, sid))
    stream = open_stream(server)
    with caplog.at_level(logging.WARNING, logger="ivr.media_stream"):
        stream.start(unknown if case == "unknown call" else sid, given)
        assert closed_by_server(stream)
    assert pool.stats()["streams_transcribed"] == 0
    assert "media stream closed" in caplog.text


def test_an_oversized_message_closes_the_stream_and_the_server_keeps_serving(
        app, server, pool, caplog, open_stream):
    sid = live_call(app, "CA" + "c" * 32)
    stream = open_stream(server)
    stream.start(sid, token(app, sid))
    with caplog.at_level(logging.WARNING, logger="ivr.media_stream"):
        stream.media(b"\xff" * (media_stream.MAX_MESSAGE_BYTES + 1))
        assert closed_by_server(stream)
        wait_done(pool)
    assert "a message over 65536 bytes" in caplog.text
    assert_a_good_stream_is_transcribed(app, server, pool, open_stream)


def assert_a_good_stream_is_transcribed(app, server, pool, open_stream):
    """The server keeps serving: a good stream after a refused one is transcribed."""
    sid = live_call(app, "CA" + "d" * 32)
    before = pool.stats()["streams_transcribed"]
    stream = open_stream(server)
    stream.start(sid, token(app, sid))
    stream.play(speech_yes())
    stream.stop()
    wait_done(pool, transcribed=before + 1)
    [row] = stored(app, sid)
    assert heard_yes(row.text)


def test_a_flood_closes_the_stream(app, server, pool, monkeypatch, caplog, open_stream):
    twilio_pace = media_stream.MAX_MESSAGES_PER_SECOND
    monkeypatch.setattr(media_stream, "MAX_MESSAGES_PER_SECOND", 20)
    sid = live_call(app, "CA" + "e" * 32)
    stream = open_stream(server)
    stream.start(sid, token(app, sid))
    with caplog.at_level(logging.WARNING, logger="ivr.media_stream"):
        # The server closed the socket (seen mid-send, wsproto refuses to send into a
        # connection the other side is closing: LocalProtocolError).
        with pytest.raises((ConnectionClosed, OSError, LocalProtocolError)):
            for _ in range(2000):
                stream.mark("flood")
            stream.receive(timeout=10)
        wait_done(pool)
    assert "more than 20 messages a second" in caplog.text
    monkeypatch.setattr(media_stream, "MAX_MESSAGES_PER_SECOND", twilio_pace)
    assert_a_good_stream_is_transcribed(app, server, pool, open_stream)


@pytest.mark.parametrize("message", ["not json", "[1, 2]",
                                     '{"event": "media", "media": {"payload": "%%%"}}'])
def test_a_malformed_message_closes_the_stream(app, server, pool, message, open_stream):
    sid = live_call(app, "CA" + "f" * 32)
    stream = open_stream(server)
    stream.start(sid, token(app, sid))
    stream.ws.send(message)
    assert closed_by_server(stream)
    wait_done(pool)


def test_audio_before_start_closes_the_stream(server, pool, open_stream):
    stream = open_stream(server)
    stream.media(b"\xff" * 160)
    assert closed_by_server(stream)
    assert pool.stats()["streams_transcribed"] == 0


def test_the_reader_never_recognises(app, server, pool, monkeypatch, open_stream):
    """Listeners are opened and fed on the pool's workers, not on the websocket's thread."""
    threads = []

    class Spy:
        def feed(self, pcm):
            threads.append(threading.current_thread().name)

        def close(self):
            threads.append(threading.current_thread().name)

    monkeypatch.setitem(app.extensions, "stream_listeners",
                        [lambda app, sid, language: threads.append(
                            threading.current_thread().name) or Spy()])
    sid = live_call(app, "CA" + "0" * 32)
    stream = open_stream(server)
    stream.start(sid, token(app, sid))
    stream.play(speech_yes())
    stream.stop()
    wait_done(pool)
    assert len(threads) > 3 and all(name.startswith("recogniser-") for name in threads)


@pytest.mark.parametrize("started", [False, True])
def test_a_silent_socket_is_closed(app, server, pool, monkeypatch, open_stream, started):
    monkeypatch.setattr(media_stream, "START_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(media_stream, "IDLE_TIMEOUT_SECONDS", 0.5)
    sid = live_call(app, "CA" + "c" * 32)
    stream = open_stream(server)
    if started:
        stream.start(sid, token(app, sid))
    assert closed_by_server(stream)
    wait_done(pool, transcribed=int(started))
