"""A local stand-in for api.twilio.com: the edge of the system these machines cannot reach.
It answers the REST calls the app makes (Messages, Recordings) and records them."""
import base64
import io
import json
import re
import threading
import wave
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

RECORDING = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Recordings/(?P<sid>RE\w+?)"
                       r"(?P<ext>\.json|\.wav|\.mp3)?$")
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Messages\.json$")
LIST = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<kind>Queues|IncomingPhoneNumbers)"
                  r"\.json(?:\?(?P<query>.*))?$")
ITEM = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<kind>Queues|IncomingPhoneNumbers)"
                  r"/(?P<sid>\w+)\.json$")
LIST_KEYS = {"Queues": "queues", "IncomingPhoneNumbers": "incoming_phone_numbers"}


def silent_wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


class FakeTwilio:
    """Start with `with FakeTwilio(account_sid, auth_token) as fake:`; `fake.base_url`."""

    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.requests: list[dict] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer the next requests with
        self.deleted_recordings: set[str] = set()
        # Resources by kind and sid: {"Queues": {sid: {...}}, "IncomingPhoneNumbers": {...}}
        self.resources: dict[str, dict[str, dict]] = {"Queues": {}, "IncomingPhoneNumbers": {}}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def messages(self) -> list[dict]:
        """The SMS the fake accepted (failed attempts left out)."""
        return [r["form"] for r in self.requests
                if r["method"] == "POST" and MESSAGES.match(r["path"]) and r["status"] == 201]

    def _authorized(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def _handler(fake):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes = b"", kind="application/json"):
                fake.requests[-1]["status"] = status
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                fake.requests.append({"method": method, "path": self.path, "form": form,
                                      "auth_ok": fake._authorized(
                                          self.headers.get("Authorization", ""))})
                if not fake.requests[-1]["auth_ok"]:
                    return self._answer(401, b'{"code": 20003, "message": "Authenticate"}')
                if fake.fail_next:
                    return self._answer(fake.fail_next.pop(0), b'{"message": "failure"}')
                if method == "POST" and MESSAGES.match(self.path):
                    body = {"sid": "SM" + "%032d" % len(fake.requests), "status": "queued",
                            "to": form.get("To"), "from": form.get("From"),
                            "body": form.get("Body"), "account_sid": fake.account_sid}
                    return self._answer(201, json.dumps(body).encode())
                listed = LIST.match(self.path)
                if listed and method == "GET":
                    query = {k: v[0] for k, v in parse_qs(listed["query"] or "").items()}
                    items = [item for item in fake.resources[listed["kind"]].values()
                             if all(item.get(_snake(k)) == v for k, v in query.items()
                                    if k not in ("PageSize", "Page"))]
                    return self._answer(200, json.dumps({
                        LIST_KEYS[listed["kind"]]: items, "next_page_uri": None, "page": 0,
                        "page_size": 50, "uri": self.path}).encode())
                if listed and method == "POST":
                    sid = "QU%032d" % (len(fake.resources["Queues"]) + 1)
                    item = {"sid": sid, "account_sid": fake.account_sid,
                            **{_snake(k): _value(v) for k, v in form.items()}}
                    fake.resources[listed["kind"]][sid] = item
                    return self._answer(201, json.dumps(item).encode())
                item_match = ITEM.match(self.path)
                if item_match and method == "POST":
                    item = fake.resources[item_match["kind"]].get(item_match["sid"])
                    if item is None:
                        return self._answer(404, b'{"message": "not found"}')
                    item.update({_snake(k): _value(v) for k, v in form.items()})
                    return self._answer(200, json.dumps(item).encode())
                match = RECORDING.match(self.path)
                if match and method == "GET":
                    if match["sid"] in fake.deleted_recordings:
                        return self._answer(404, b'{"message": "not found"}')
                    return self._answer(200, silent_wav(), "audio/x-wav")
                if match and method == "DELETE":
                    fake.deleted_recordings.add(match["sid"])
                    return self._answer(204)
                return self._answer(404, b'{"message": "unknown resource"}')

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
