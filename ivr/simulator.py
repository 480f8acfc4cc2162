"""A caller simulator: plays a phone call against the IVR the way Twilio does (signed
form posts, following the TwiML's action and redirect URLs), so anyone can walk the line
without a Twilio account. The tests drive calls with the same `Caller`.

    flask ivr call                         # in-process, against this app's database
    flask ivr call --url http://127.0.0.1:5000   # against a running server
"""
from __future__ import annotations

import itertools
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

PROMPT_PATH = re.compile(r"/ivr/prompts/(?P<language>[^/]+)/(?P<key>[^/]+)\.wav$")
_recording_numbers = itertools.count(1)


class FlaskTransport:
    """Posts through a Flask test client (in-process)."""

    def __init__(self, client):
        self.client = client

    def post(self, url: str, form: dict, headers: dict) -> tuple[int, str]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.post(path, data=form, headers=headers)
        return response.status_code, response.get_data(as_text=True)


class HttpTransport:
    """Posts over HTTP to a running server at `base_url` (PUBLIC_BASE_URL is only signed)."""

    def __init__(self, base_url: str, timeout: float = 20):
        import requests
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout

    def post(self, url: str, form: dict, headers: dict) -> tuple[int, str]:
        parts = urlsplit(url)
        target = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.session.post(target, data=form, headers=headers, timeout=self.timeout)
        return response.status_code, response.text


@dataclass
class Turn:
    """One TwiML answer of the IVR, parsed."""
    status: int
    xml: str
    root: ET.Element | None = None
    prompts: list[tuple[str, str]] = field(default_factory=list)  # (language, key) played
    says: list[tuple[str, str]] = field(default_factory=list)     # (language, text) said

    @property
    def keys(self) -> list[str]:
        return [key for _, key in self.prompts]

    def find(self, tag: str) -> ET.Element | None:
        return None if self.root is None else self.root.find(f".//{tag}")


class Caller:
    """One simulated caller; each method posts what Twilio would and returns the new Turn."""

    def __init__(self, transport, public_base_url: str, auth_token: str,
                 caller: str = "+212612345678", called: str = "+2125373737",
                 call_sid: str | None = None, account_sid: str = "AC" + "0" * 32):
        self.transport = transport
        self.base = public_base_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self.params = {"CallSid": self.call_sid, "AccountSid": account_sid, "From": caller,
                       "To": called, "Direction": "inbound", "CallStatus": "in-progress",
                       "ApiVersion": "2010-04-01"}
        self.turn: Turn | None = None
        self.history: list[Turn] = []
        self.enqueue = None  # the <Enqueue> the caller waits in, if any

    # -- transport ---------------------------------------------------------------------------
    def post(self, url: str, extra: dict | None = None, sign: bool = True,
             keep: bool = True) -> Turn:
        url = url if url.startswith("http") else self.base + url
        form = {**self.params, **(extra or {})}
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, form)} \
            if sign else {}
        status, text = self.transport.post(url, form, headers)
        turn = parse(status, text)
        if keep and status == 200 and turn.root is not None and turn.root.tag == "Response":
            self.turn = turn
            self.history.append(turn)
            enqueue = turn.find("Enqueue")
            if enqueue is not None:
                self.enqueue = enqueue
        return turn

    # -- what a caller does ------------------------------------------------------------------
    def dial(self) -> Turn:
        return self.post("/ivr/voice", {"CallStatus": "ringing"})

    def press(self, digits: str) -> Turn:
        """Key `digits` into the current <Gather> (its finishOnKey already stripped)."""
        return self.post(self._gather().get("action"), {"Digits": digits})

    def speak(self, text: str, confidence: float = 0.9) -> Turn:
        return self.post(self._gather().get("action"),
                         {"SpeechResult": text, "Confidence": str(confidence)})

    def silence(self) -> Turn:
        """Say and key nothing: Twilio follows the <Redirect> after the Gather/Record."""
        redirect = self.turn.find("Redirect")
        if redirect is None:
            raise AssertionError("the IVR is not waiting for anything:\n" + self.turn.xml)
        return self.post(redirect.text.strip())

    def record(self, seconds: int = 8, recording_sid: str | None = None) -> Turn:
        """Speak after the beep for `seconds`; Twilio posts the recording to the action URL."""
        element = self.turn.find("Record")
        if element is None:
            raise AssertionError("the IVR is not recording:\n" + self.turn.xml)
        self.last_recording_sid = recording_sid or "RE%032d" % next(_recording_numbers)
        return self.post(element.get("action"), {
            "RecordingSid": self.last_recording_sid, "RecordingDuration": str(seconds),
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/"
                            f"{self.params['AccountSid']}/Recordings/{self.last_recording_sid}"})

    def recording_ready(self, recording_sid: str) -> Turn:
        """Twilio's recordingStatusCallback for a finished recording."""
        return self.post("/ivr/recording", {
            "RecordingSid": recording_sid, "RecordingStatus": "completed",
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/"
                            f"{self.params['AccountSid']}/Recordings/{recording_sid}"},
            keep=False)

    def hang_up(self, status: str = "completed", duration: int = 60) -> Turn:
        return self.post("/ivr/status", {"CallStatus": status, "CallDuration": str(duration)},
                         keep=False)

    def wait(self, position: int, seconds: int) -> Turn:
        """Twilio fetching the queue's wait URL (its TwiML plays while the caller waits)."""
        if self.enqueue is None:
            raise AssertionError("the caller is not queued")
        return self.post(self.enqueue.get("waitUrl"), {
            "QueuePosition": str(position), "QueueTime": str(seconds),
            "CurrentQueueSize": str(position), "AvgQueueTime": "60"}, keep=False)

    def queue_result(self, result: str) -> Turn:
        """The caller leaves the queue (bridged, leave, queue-full, hangup, error)."""
        if self.enqueue is None:
            raise AssertionError("the caller is not queued:\n" + self.turn.xml)
        action, self.enqueue = self.enqueue.get("action"), None
        return self.post(action, {"QueueResult": result})

    def _gather(self) -> ET.Element:
        element = self.turn.find("Gather") if self.turn else None
        if element is None:
            raise AssertionError("the IVR is not listening for keys:\n" +
                                 (self.turn.xml if self.turn else "(no call)"))
        return element


def parse(status: int, text: str) -> Turn:
    turn = Turn(status, text)
    try:
        turn.root = ET.fromstring(text)
    except ET.ParseError:
        return turn
    for element in turn.root.iter():
        if element.tag == "Play" and element.text:
            match = PROMPT_PATH.search(urlsplit(element.text.strip()).path)
            if match:
                turn.prompts.append((match["language"], match["key"]))
        elif element.tag == "Say":
            turn.says.append((element.get("language", ""), element.text or ""))
    return turn
