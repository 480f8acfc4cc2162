"""The caller's voice on the call's media stream, as Twilio forks it (<Start><Stream>): what
the caller says while queued or with an agent reaches the live transcript. The stream is
opened at the caller's first words (signed like Twilio's upgrade), fed 20 ms mu-law frames
in real time by a thread of its own, and stopped when the call ends."""
from __future__ import annotations

import io
import logging
import secrets
import threading

import numpy as np
import soundfile

from ivr.speech.mulaw import from_pcm16
from ivr.stream_simulator import TwilioStream
from ivr.stream_simulator import websocket_url

log = logging.getLogger(__name__)


class NoStream(Exception):
    """The call's media stream could not be opened."""


class CallerVoice:
    def __init__(self, server_base: str, fork: dict, auth_token: str):
        """`server_base`: where this server is reached (http://host:port); `fork`: the
        <Stream>'s url (what Twilio signs) and parameters."""
        try:
            self.stream = TwilioStream(websocket_url(server_base), fork["url"], auth_token,
                                       stream_sid="MZ" + secrets.token_hex(16))
            self.stream.start(**fork["parameters"])
        except (OSError, KeyError, TypeError, ConnectionError) as error:
            log.warning("dev phone: no media stream (%s)", error)
            raise NoStream(str(error)) from None
        self.lock = threading.Lock()  # one utterance at a time, in order
        self.closed = False

    def say(self, wav: bytes) -> threading.Thread:
        """Send `wav` (8 kHz mono PCM, as the dev phone makes it) in real time, in the
        background (the page's request does not wait for it)."""
        pcm, _ = soundfile.read(io.BytesIO(wav), dtype="int16")
        mulaw = from_pcm16(np.asarray(pcm, dtype="<i2").tobytes())
        thread = threading.Thread(target=self._play, args=(mulaw,), daemon=True,
                                  name="devphone-voice")
        thread.start()
        return thread

    def _play(self, mulaw: bytes) -> None:
        with self.lock:
            if self.closed:
                return
            try:
                self.stream.play(mulaw, paced=True)
            except Exception as error:  # noqa: BLE001 - the server closed it: nothing to do
                log.info("dev phone: media stream ended while speaking (%s)", error)

    def close(self) -> None:
        """Twilio's `stop`, then the socket closes (after what is being said)."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            try:
                self.stream.stop()
            except Exception:  # noqa: BLE001 - already closed by the server
                pass
            self.stream.close()
