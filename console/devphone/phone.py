"""The dev phone's simulated calls: each one a `Caller` (ivr/simulator.py) driving this same
app the way Twilio does (signed webhooks, TwiML followed), plus what Twilio would do on its
own: follow redirects, fetch the queue's wait URL, hang up at the end of a document, and
obey live call updates (a claim, a read-back) sent to the dev Twilio API.

The calls live in this process's memory (`make run` serves one process), a bounded few."""
from __future__ import annotations

import contextvars
import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict

from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from ivr.simulator import Turn
from ivr.simulator import parse

from .screen import digits_heard
from .screen import heard
from .screen import stream_of
from .screen import waiting_for
from .twilio_store import TwilioStore
from .voice import CallerVoice

MAX_CALLS = 50  # calls kept (ended ones go first)
MAX_RECORDINGS = 100  # recordings waiting to be fetched by the IVR's job
MAX_MESSAGES = 500
MAX_HOPS = 10  # redirects followed in a row before giving up (a loop)
WAIT_REFRESH_SECONDS = 20  # how often a queued call fetches the wait URL again
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32


class NotNow(Exception):
    """The line is not waiting for that now (e.g. keys while recording)."""


class FreshContextTransport(FlaskTransport):
    """Posts to this app in-process, as a request of its own: run in an empty context, so
    it gets its own app context and database session, not those of the page's request."""

    def __init__(self, app):
        self.app = app

    def post(self, url: str, form: dict, headers: dict) -> tuple[int, str]:
        client = self.app.test_client()
        return contextvars.Context().run(FlaskTransport(client).post, url, form, headers)


class DevCall:
    """One simulated call and what its screen shows."""

    def __init__(self, phone: "DevPhone", caller: Caller, owner_id: int, server_base: str):
        self.phone, self.caller, self.owner_id = phone, caller, owner_id
        self.server_base = server_base  # where this server is reached (its media streams)
        self.fork: dict | None = None  # the <Stream> the line forked the call's audio to
        self.voice: CallerVoice | None = None
        self.lock = threading.Lock()
        self.started_at = dt.datetime.now(dt.timezone.utc)
        self.heard: list[dict] = []
        self.waiting: dict = {}
        self.step = 0  # grows with every new answer heard (the page plays it once)
        self.queued_at: float | None = None
        self.last_wait: float | None = None
        self.queue: dict | None = None
        self.pending: dict | None = None  # a live call update not obeyed yet
        self.ended = False
        self.error: dict | None = None  # {"code": "line", "status": 403} or {"code": "loop"}

    @property
    def sid(self) -> str:
        return self.caller.call_sid

    @property
    def number(self) -> str:
        return self.caller.params["From"]

    # -- what the caller does ------------------------------------------------------------
    def dial(self) -> None:
        with self.lock:
            self._advance(self.caller.dial())

    def press(self, digits: str) -> None:
        with self.lock:
            gather = self._expect("gather")
            if not digits and not gather["empty_result"]:
                self._time_out()  # '#' alone: as if nothing was keyed
            else:
                self._advance(self.caller.press(digits))

    def silence(self) -> None:
        """Key or say nothing: the line times out and moves on."""
        with self.lock:
            if not (self.waiting.keys() & {"gather", "record"}):
                raise NotNow("the line is not listening")
            self._time_out()

    def _speak(self, wav: bytes) -> None:
        if self.voice is None:  # signed with the token the call's webhooks are signed with
            self.voice = CallerVoice(self.server_base, self.fork,
                                     self.caller.validator.token.decode())
        self.voice.say(wav)

    def _time_out(self) -> None:
        """Twilio goes on with the document: its <Redirect>, or, without one, the end of
        the document, where it hangs up."""
        if self.caller.turn.find("Redirect") is None:
            return self._end()
        return self._advance(self.caller.silence())

    def record(self, wav: bytes, seconds: float) -> None:
        """Speak after the beep: the recording is kept at the dev Twilio API, then the
        action and the recording status callback are posted, as Twilio does. Queued or
        with an agent, what the caller says goes to the call's media stream instead."""
        with self.lock:
            if self.fork is not None and not self.ended and \
                    self.waiting.keys() & {"enqueue", "agent"}:
                return self._speak(wav)
            self._expect("record")
            sid = "RE" + secrets.token_hex(16)
            self.phone.keep_recording(sid, wav)
            turn = self.caller.record(max(1, round(seconds)), recording_sid=sid)
            self.caller.recording_ready(sid)
            self._advance(turn)

    def hang_up(self) -> None:
        with self.lock:
            if self.ended:
                return
            if self.caller.enqueue is not None:  # Twilio tells the queue's action first
                self.caller.queue_result("hangup")
            self._end()

    def poll(self) -> None:
        """What Twilio does meanwhile: obey a live update, fetch the wait URL again."""
        with self.lock:
            if self.ended:
                return
            update, self.pending = self.pending, None
            if update is not None:
                self._obey(update)
            elif self.caller.enqueue is not None and \
                    time.monotonic() - (self.last_wait or 0) >= WAIT_REFRESH_SECONDS:
                self._advance_waiting([])

    # -- what Twilio does --------------------------------------------------------------------
    def _obey(self, update: dict) -> None:
        """A live call modification: the call leaves its TwiML (and the queue) for new
        TwiML or a URL; Status=completed ends it."""
        self.caller.enqueue, self.queued_at, self.queue = None, None, None
        if update.get("Status") in ("completed", "canceled"):
            self._end()
        elif update.get("Twiml"):
            turn = parse(200, update["Twiml"])
            self.caller.turn = turn
            self._advance(turn)
        else:
            self._advance(self.caller.post(update["Url"]))

    def _advance(self, turn: Turn) -> None:
        """Play `turn` as Twilio would, following redirects, then wait for the caller."""
        items: list[dict] = []
        for _ in range(MAX_HOPS):
            if turn.status != 200 or turn.root is None or turn.root.tag != "Response":
                self.error = {"code": "line", "status": turn.status}
                self._show(items, {})
                return self._end()
            items += heard(turn)
            self.fork = stream_of(turn) or self.fork
            waiting = waiting_for(turn)
            if "redirect" in waiting:
                turn = self.caller.post(waiting["redirect"])
                continue
            if "enqueue" in waiting:
                self.queued_at = time.monotonic()
                return self._advance_waiting(items)
            self._show(items, waiting)
            if not waiting.keys() & {"gather", "record", "agent"}:
                self._end()  # <Hangup/>, or the document ended: Twilio hangs up
            return None
        self.error = {"code": "loop"}  # too many redirects in a row
        self._show(items, {})
        return self._end()

    def _advance_waiting(self, items: list[dict]) -> None:
        """In the queue: fetch the wait URL (position, time waited); a <Leave> there sends
        the caller to the Enqueue's action."""
        position, size = self.phone.queue_position(self)
        waited = int(time.monotonic() - self.queued_at)
        wait = self.caller.wait(position, waited)
        self.last_wait = time.monotonic()
        if "leave" in waiting_for(wait):
            self.queued_at, self.queue = None, None
            return self._advance(self.caller.queue_result("leave"))
        self.queue = {"position": position, "size": size, "waited": waited}
        self._show(items + heard(wait), {"enqueue": True})
        return None

    def _show(self, items: list[dict], waiting: dict) -> None:
        self.heard, self.waiting, self.step = items, waiting, self.step + 1

    def _expect(self, what: str) -> dict:
        if self.ended or what not in self.waiting:
            raise NotNow(f"the line is not waiting for {what} now")
        return self.waiting[what]

    def _end(self) -> None:
        if not self.ended:
            self.ended = True
            self.caller.enqueue, self.queue = None, None
            self.caller.hang_up()
            if self.voice is not None:
                self.voice.close()

    # -- the screen ----------------------------------------------------------------------
    def screen(self) -> dict:
        """What the page shows (no secret: the browser never signs anything)."""
        waiting = self.waiting
        state = ("ended" if self.ended else "queued" if "enqueue" in waiting
                 else "agent" if "agent" in waiting else "recording" if "record" in waiting
                 else "keys" if "gather" in waiting else "ringing")
        return {"sid": self.sid, "state": state, "step": self.step, "heard": self.heard,
                "digits": digits_heard(self.heard), "gather": waiting.get("gather"),
                "record": waiting.get("record"), "queue": self.queue,
                "agent": waiting.get("agent"), "error": self.error,
                "stream": self.fork is not None,  # what the caller says reaches the agent
                "sms": self.phone.messages_to(self.number, self.started_at)}


class DevPhone:
    """The simulated calls of this process, and the dev Twilio API's resources."""

    def __init__(self, account_sid: str = ""):
        self.lock = threading.Lock()
        self.calls: OrderedDict[str, DevCall] = OrderedDict()
        self.store = TwilioStore(account_sid or DEFAULT_ACCOUNT_SID,
                                 on_call_update=self.update_call, max_messages=MAX_MESSAGES)

    def start(self, app, owner_id: int, number: str, server_base: str) -> DevCall:
        config = app.config
        caller = Caller(FreshContextTransport(app), config["PUBLIC_BASE_URL"],
                        config["TWILIO_AUTH_TOKEN"], caller=number,
                        account_sid=config["TWILIO_ACCOUNT_SID"] or DEFAULT_ACCOUNT_SID)
        call = DevCall(self, caller, owner_id, server_base)
        with self.lock:
            self.calls[call.sid] = call
            while len(self.calls) > MAX_CALLS:
                oldest = next((sid for sid, c in self.calls.items() if c.ended),
                              next(iter(self.calls)))
                del self.calls[oldest]
        call.dial()
        return call

    def find(self, sid: str, owner_id: int) -> DevCall | None:
        """A call of this user's (another's is as good as unknown)."""
        call = self.calls.get(sid)
        return call if call is not None and call.owner_id == owner_id else None

    def update_call(self, sid: str, form: dict) -> bool:
        """A live call update reaching the dev Twilio API: kept for the call to obey at
        its next poll. False for a call not on the dev phone (Twilio's 404)."""
        call = self.calls.get(sid)
        if call is None or call.ended:
            return False
        call.pending = dict(form)
        return True

    def queue_position(self, call: DevCall) -> tuple[int, int]:
        """(1-based position, size) among the dev phone's queued calls."""
        queued = sorted((c for c in list(self.calls.values())
                         if c.queued_at is not None and not c.ended),
                        key=lambda c: c.queued_at)
        return (queued.index(call) + 1 if call in queued else len(queued) + 1), len(queued)

    def keep_recording(self, sid: str, wav: bytes) -> None:
        with self.store.lock:
            self.store.recordings[sid] = wav
            for old in list(self.store.recordings)[:-MAX_RECORDINGS]:
                del self.store.recordings[old]

    def messages_to(self, number: str, since: dt.datetime) -> list[dict]:
        return [{"body": m["body"], "at": m["created"].isoformat(timespec="seconds")}
                for m in list(self.store.sent) if m["to"] == number and m["created"] >= since]
