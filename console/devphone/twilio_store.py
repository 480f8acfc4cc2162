"""The Twilio REST resources this app uses, kept in memory and answered as Twilio does:
messages (SMS: create, list), recordings (fetch, delete) and live call updates.

Two front ends share it: the dev phone's stand-in for api.twilio.com inside the app
(console/devphone/twilio_api.py, outside production only) and the tests' fake Twilio
(tests/support/fake_twilio.py, which adds its faults and provisioning resources around it).
"""
from __future__ import annotations

import datetime as dt
import email.utils
import io
import json
import re
import threading
import wave
from collections.abc import Callable
from urllib.parse import parse_qs
from urllib.parse import urlsplit

ACCOUNT = r"^/2010-04-01/Accounts/(?P<account>AC\w+)"
RECORDING = re.compile(ACCOUNT + r"/Recordings/(?P<sid>RE\w+?)(?P<ext>\.json|\.wav|\.mp3)?$")
MESSAGES = re.compile(ACCOUNT + r"/Messages\.json(?:\?.*)?$")
CALL = re.compile(ACCOUNT + r"/Calls/(?P<sid>CA\w+)\.json$")
JSON = "application/json"
NOT_FOUND = 404, b'{"code": 20404, "message": "The requested resource was not found"}', JSON
Answer = tuple[int, bytes, str]  # status, body, content type


def silent_wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


class TwilioStore:
    """Messages, recordings and call updates of one account. `unknown_recordings_silent`:
    a recording never stored is one second of silence (tests) rather than a 404 (Twilio).
    `on_call_update(sid, form)` decides whether a live call update reaches a call (False:
    Twilio's 404 for a call it does not know)."""

    def __init__(self, account_sid: str = "", unknown_recordings_silent: bool = False,
                 on_call_update: Callable[[str, dict], bool] | None = None,
                 max_messages: int | None = None):
        self.account_sid = account_sid
        self.unknown_recordings_silent = unknown_recordings_silent
        self.on_call_update = on_call_update
        self.max_messages = max_messages
        self.lock = threading.Lock()
        self.sent: list[dict] = []  # the messages created, oldest first
        self.recordings: dict[str, bytes] = {}
        self.deleted_recordings: set[str] = set()
        self.call_updates: list[dict] = []  # live call modifications: {"sid", "form"}

    # -- messages ----------------------------------------------------------------------
    def send(self, form: dict) -> dict:
        """Create a message as Twilio does on a POST to Messages.json."""
        now = dt.datetime.now(dt.timezone.utc)
        with self.lock:
            message = {"sid": "SM%032x" % (len(self.sent) + 1), "status": "queued",
                       "to": form.get("To"), "from": form.get("From"), "body": form.get("Body"),
                       "account_sid": self.account_sid,
                       "date_created": email.utils.format_datetime(now, usegmt=True),
                       "date_sent": None, "form": form, "created": now}
            self.sent.append(message)
            if self.max_messages is not None:
                del self.sent[:-self.max_messages]
        return message

    def messages(self) -> list[dict]:
        """The SMS accepted, as posted."""
        return [message["form"] for message in self.sent]

    def list_messages(self, query: dict) -> list[dict]:
        """Messages.json's list, newest first, filtered by To, From and DateSent (a message
        still queued has no DateSent, as at Twilio)."""
        def wanted(message):
            if any(query.get(key) not in (None, message[key.lower()]) for key in ("To", "From")):
                return False
            for key, keep in (("DateSent>", lambda d, day: d >= day),
                              ("DateSent<", lambda d, day: d <= day),
                              ("DateSent", lambda d, day: d == day)):
                if key in query:
                    sent = message["date_sent"]
                    day = dt.date.fromisoformat(query[key][:10])
                    if sent is None or not keep(sent.date(), day):
                        return False
            return True
        return [visible(m) for m in reversed(list(self.sent)) if wanted(m)]

    # -- the REST API --------------------------------------------------------------------
    def answer(self, method: str, path: str, form: dict) -> Answer | None:
        """Do what the request asks; None for a resource this store does not keep."""
        if MESSAGES.match(path):
            if method == "POST":
                return 201, json.dumps(visible(self.send(form))).encode(), JSON
            if method == "GET":
                query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
                return 200, json.dumps({
                    "messages": self.list_messages(query), "next_page_uri": None, "page": 0,
                    "page_size": 50, "uri": path}).encode(), JSON
        call = CALL.match(path)
        if call and method == "POST":
            return self._update_call(call["sid"], form)
        recording = RECORDING.match(path)
        if recording and method == "GET":
            return self._recording(recording["sid"])
        if recording and method == "DELETE":
            with self.lock:
                self.deleted_recordings.add(recording["sid"])
                self.recordings.pop(recording["sid"], None)
            return 204, b"", JSON
        return None

    def _update_call(self, sid: str, form: dict) -> Answer:
        if self.on_call_update is not None and not self.on_call_update(sid, form):
            return NOT_FOUND
        self.call_updates.append({"sid": sid, "form": form})
        return 200, json.dumps({"sid": sid, "account_sid": self.account_sid,
                                "status": "in-progress"}).encode(), JSON

    def _recording(self, sid: str) -> Answer:
        if sid in self.deleted_recordings:
            return NOT_FOUND
        audio = self.recordings.get(sid)
        if audio is None and self.unknown_recordings_silent:
            audio = silent_wav()
        return NOT_FOUND if audio is None else (200, audio, "audio/x-wav")


def visible(message: dict) -> dict:
    """A message as Twilio shows it (without what the store keeps for itself)."""
    return {k: v for k, v in message.items() if k not in ("form", "created")}
