"""The recogniser workers behind the media streams: a bounded pool of threads shared by
every stream of the process, so recognition never runs on a websocket reader (a slow
reader makes Twilio drop audio) and a burst of calls cannot start a thread each.

Each transcribed stream is a `StreamPipeline`: the reader `feed`s it 16-bit PCM chunks
(100 ms or more) and `close`s it; a worker opens the stream's listeners on first use
(loading a model takes seconds: never on the reader), feeds them the chunks in order and
closes them at the end. A stream is served by one worker at a time (its listeners are not
thread-safe) and goes back in line behind the others after each batch, so one busy
stream cannot starve the rest. When SPEECH_MAX_STREAMS streams are already transcribed a
new one is not (`open` answers None, counted): the call goes on without a transcript
rather than every stream falling behind.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections import deque
from typing import Callable
from typing import Iterable

from flask import Flask

from .runtime import StreamListener

log = logging.getLogger(__name__)
_END = object()  # the stream ended: close its listeners
MAX_BATCH_BYTES = 16000  # a second of 16-bit 8 kHz audio: a backlog is fed a second at a time

OpenListeners = Callable[[], Iterable[StreamListener]]


class RecognitionPool:
    """`workers` threads (started on first use) serving at most `max_streams` streams."""

    def __init__(self, app: Flask, workers: int, max_streams: int):
        self.app = app
        self.workers = workers
        self.max_streams = max_streams
        # streams transcribed / not (the pool was full), listeners that failed
        self.counters: Counter[str] = Counter(
            streams_transcribed=0, streams_not_transcribed=0, listener_errors=0)
        self._ready: queue.SimpleQueue[StreamPipeline] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._active = 0
        self._threads: list[threading.Thread] = []

    def open(self, label: str, open_listeners: OpenListeners) -> StreamPipeline | None:
        """A pipeline for a new stream, or None when the pool is full (not transcribed)."""
        with self._lock:
            if self._active >= self.max_streams:
                self.counters["streams_not_transcribed"] += 1
                log.warning("media stream %s not transcribed: %d streams already are "
                            "(SPEECH_MAX_STREAMS)", label, self._active)
                return None
            self._active += 1
            self.counters["streams_transcribed"] += 1
            self._start_threads()
        return StreamPipeline(self, label, open_listeners)

    def stats(self) -> dict[str, int]:
        """What an operator reads: the pool's size, its load, and what it turned away."""
        with self._lock:
            return {"workers": self.workers, "max_streams": self.max_streams,
                    "active_streams": self._active, "backlog": self._ready.qsize(),
                    **self.counters}

    def _start_threads(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._serve, daemon=True,
                                      name=f"recogniser-{len(self._threads) + 1}")
            self._threads.append(thread)
            thread.start()

    def _serve(self) -> None:
        while True:
            pipeline = self._ready.get()
            try:
                with self.app.app_context():
                    pipeline.work()
            except Exception:  # noqa: BLE001 - a worker must outlive any stream
                log.exception("recogniser worker failed on stream %s", pipeline.label)

    def _schedule(self, pipeline: StreamPipeline) -> None:
        self._ready.put(pipeline)

    def _release(self) -> None:
        with self._lock:
            self._active -= 1


class StreamPipeline:
    """One stream's chunks, served in order by one worker at a time."""

    def __init__(self, pool: RecognitionPool, label: str, open_listeners: OpenListeners):
        self.label = label
        self.finished = threading.Event()  # set once the listeners are closed
        self._pool = pool
        self._open_listeners = open_listeners
        self._listeners: list[StreamListener] | None = None
        self._pending: deque = deque()
        self._lock = threading.Lock()
        self._scheduled = False
        self._ending = False
        self._closed_at: float | None = None

    def feed(self, pcm: bytes) -> None:
        """Queue audio (called on the reader: never blocks on recognition)."""
        self._submit(pcm)

    def close(self) -> None:
        """The stream ended or dropped: the listeners flush and close (once)."""
        if self._closed_at is None:
            self._closed_at = time.monotonic()
        self._submit(_END)

    def _submit(self, item) -> None:
        with self._lock:
            if self._ending:
                return
            self._ending = item is _END
            self._pending.append(item)
            if self._scheduled:
                return
            self._scheduled = True
        self._pool._schedule(self)

    def work(self) -> None:
        """On a worker: handle what is queued, then give the worker back."""
        with self._lock:
            items = coalesce(self._pending)
            self._pending.clear()
        for item in items:
            if item is _END:
                self._end()
            else:
                self._feed(item)
        with self._lock:
            if not self._pending:
                self._scheduled = False
                return
        self._pool._schedule(self)  # more came meanwhile: back in line behind the others

    def _listeners_now(self) -> list[StreamListener]:
        if self._listeners is None:
            try:
                self._listeners = list(self._open_listeners())
            except Exception:  # noqa: BLE001 - no transcript, the call goes on
                log.exception("media stream %s: its listeners could not start", self.label)
                self._pool.counters["listener_errors"] += 1
                self._listeners = []
        return self._listeners

    def _feed(self, pcm: bytes) -> None:
        for listener in list(self._listeners_now()):
            try:
                listener.feed(pcm)
            except Exception:  # noqa: BLE001 - one failing listener must not stop the others
                log.exception("media stream %s: a listener failed and is dropped", self.label)
                self._pool.counters["listener_errors"] += 1
                self._listeners.remove(listener)
                _close_quietly(listener, self.label)

    def _end(self) -> None:
        try:
            for listener in self._listeners_now():
                _close_quietly(listener, self.label)
        finally:
            self._listeners = []
            self._pool._release()
            self.finished.set()
            # How far recognition was behind the audio when the stream ended: more than
            # a chunk or two means the workers do not keep up (bench/media_streams.py).
            log.info("media stream %s: recognition done %.2f s after the audio ended",
                     self.label, time.monotonic() - (self._closed_at or time.monotonic()))


def coalesce(items: Iterable, most: int = MAX_BATCH_BYTES) -> list:
    """Consecutive audio chunks joined (in order, up to `most` bytes each): a stream that
    fell behind catches up with fewer, longer calls into the recogniser."""
    joined: list = []
    for item in items:
        if item is not _END and joined and joined[-1] is not _END \
                and len(joined[-1]) + len(item) <= most:
            joined[-1] += item
        else:
            joined.append(item if item is _END else bytearray(item))
    return [bytes(item) if item is not _END else item for item in joined]


def _close_quietly(listener: StreamListener, label: str) -> None:
    try:
        listener.close()
    except Exception:  # noqa: BLE001
        log.exception("media stream %s: a listener failed to close", label)


def recognition_pool(app: Flask) -> RecognitionPool:
    """This app's pool (SPEECH_WORKERS threads, SPEECH_MAX_STREAMS streams)."""
    pool = app.extensions.get("recognition_pool")
    if pool is None:
        pool = app.extensions.setdefault("recognition_pool", RecognitionPool(
            app, app.config["SPEECH_WORKERS"], app.config["SPEECH_MAX_STREAMS"]))
    return pool
