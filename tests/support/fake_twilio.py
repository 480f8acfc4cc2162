"""A local stand-in for api.twilio.com: the edge of the system these machines cannot reach.
It answers the REST calls the app makes (Messages: create and list; Recordings; Queues;
IncomingPhoneNumbers; live call updates; outgoing calls created) and records them, and it misbehaves on demand:

- `fail_next = [500, 503]`: the next requests are answered with these statuses, not done;
- `stall_next = 1`: the next requests are done (a message is sent) but answered only after
  `stall_seconds`, later than the client's read timeout;
- `reject_messages = [21211]`: the next message creations are refused for good (400 with
  that Twilio error code, whose message quotes the number, as Twilio's do).
"""
import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

from console.devphone.twilio_store import MESSAGES
from console.devphone.twilio_store import TwilioStore
from console.devphone.twilio_store import silent_wav  # noqa: F401  (tests import it from here)

LIST = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<kind>Queues|IncomingPhoneNumbers)"
                  r"\.json(?:\?(?P<query>.*))?$")
ITEM = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<kind>Queues|IncomingPhoneNumbers)"
                  r"/(?P<sid>\w+)\.json$")
CALLS = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Calls\.json$")
LIST_KEYS = {"Queues": "queues", "IncomingPhoneNumbers": "incoming_phone_numbers"}
REJECTIONS = {21211: "The 'To' number {to} is not a valid phone number.",
              21610: "Attempt to send to unsubscribed recipient {to}",
              21614: "'To' number {to} is not a valid mobile number"}


class FakeTwilio(TwilioStore):
    """Start with `with FakeTwilio(account_sid, auth_token) as fake:`; `fake.base_url`.
    Messages, recordings (any SID not stored: 1 s of silence) and call updates are the
    dev phone's TwilioStore; the faults and the provisioning resources are this fake's."""

    def __init__(self, account_sid: str, auth_token: str):
        super().__init__(account_sid, unknown_recordings_silent=True)
        self.auth_token = auth_token
        self.requests: list[dict] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer the next requests with
        self.stall_next = 0  # how many next requests are done but answered too late
        self.stall_seconds = 3.0
        self.reject_messages: list[int] = []  # Twilio codes refusing the next messages
        self.created_calls: list[dict] = []  # outgoing calls: {"sid", "form"} as posted
        self.released = threading.Event()  # ends every stall at once (on exit)
        # Resources by kind and sid: {"Queues": {sid: {...}}, "IncomingPhoneNumbers": {...}}
        self.resources: dict[str, dict[str, dict]] = {"Queues": {}, "IncomingPhoneNumbers": {}}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def misbehave_next(self, failure: str) -> None:
        """The next request fails ("error": a 503) or is done but answered too late
        ("stall", 3 s: past a client's 1 s read timeout)."""
        if failure == "error":
            self.fail_next = [503]
        else:
            self.stall_next, self.stall_seconds = 1, 3

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def _authorized(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def create_call(self, form: dict) -> tuple[int, bytes, str]:
        """An outgoing call, queued as Twilio answers it (it rings nothing here: a test
        plays Twilio's webhooks of the call itself)."""
        with self.lock:
            sid = "CA%032x" % (0xca11 * 10**6 + len(self.created_calls) + 1)
            self.created_calls.append({"sid": sid, "form": form})
        return 201, json.dumps({"sid": sid, "account_sid": self.account_sid, "to": form.get("To"),
                                "from": form.get("From"), "status": "queued"}).encode(), \
            "application/json"

    def _handler(fake):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes = b"", kind="application/json"):
                self.record["status"] = status
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                self.record = {"method": method, "path": self.path, "form": form,
                               "auth_ok": fake._authorized(self.headers.get("Authorization", ""))}
                fake.requests.append(self.record)
                if not self.record["auth_ok"]:
                    return self._answer(401, b'{"code": 20003, "message": "Authenticate"}')
                if fake.fail_next:
                    return self._answer(fake.fail_next.pop(0), b'{"message": "failure"}')
                stall = fake.stall_next > 0
                fake.stall_next -= stall
                status, body, kind = self._resource(method, form)
                if stall:
                    fake.released.wait(fake.stall_seconds)
                try:
                    return self._answer(status, body, kind)
                except OSError:
                    pass  # the client gave up waiting

            def _resource(self, method, form) -> tuple[int, bytes, str]:
                """Do what the request asks; (status, body, content type) to answer."""
                json_type = "application/json"
                if method == "POST" and MESSAGES.match(self.path):
                    if fake.reject_messages:
                        code = fake.reject_messages.pop(0)
                        text = REJECTIONS.get(code, "Rejected").format(to=form.get("To"))
                        return 400, json.dumps({"code": code, "message": text, "status": 400,
                                                "more_info": ""}).encode(), json_type
                if method == "POST" and CALLS.match(self.path):
                    return fake.create_call(form)
                listed = LIST.match(self.path)
                if listed and method == "GET":
                    query = {k: v[0] for k, v in parse_qs(listed["query"] or "").items()}
                    items = [item for item in fake.resources[listed["kind"]].values()
                             if all(item.get(_snake(k)) == v for k, v in query.items()
                                    if k not in ("PageSize", "Page"))]
                    return 200, json.dumps({
                        LIST_KEYS[listed["kind"]]: items, "next_page_uri": None, "page": 0,
                        "page_size": 50, "uri": self.path}).encode(), json_type
                if listed and method == "POST":
                    sid = "QU%032d" % (len(fake.resources["Queues"]) + 1)
                    item = {"sid": sid, "account_sid": fake.account_sid,
                            **{_snake(k): _value(v) for k, v in form.items()}}
                    fake.resources[listed["kind"]][sid] = item
                    return 201, json.dumps(item).encode(), json_type
                item_match = ITEM.match(self.path)
                if item_match and method == "POST":
                    item = fake.resources[item_match["kind"]].get(item_match["sid"])
                    if item is None:
                        return 404, b'{"message": "not found"}', json_type
                    item.update({_snake(k): _value(v) for k, v in form.items()})
                    return 200, json.dumps(item).encode(), json_type
                answer = fake.answer(method, self.path, form)
                if answer is not None:
                    return answer
                return 404, b'{"message": "unknown resource"}', json_type

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_DELETE(self):
                self._handle("DELETE")
        return Handler


def _snake(name: str) -> str:
    """Twilio's request parameters are CamelCase, its resources snake_case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _value(text: str):
    return int(text) if text.isdigit() else text
