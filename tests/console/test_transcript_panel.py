"""The transcript room of a call: joined by its agent or a supervisor through `watch_call`
(with the segments said so far), refused to any other agent and to anonymous clients."""
import pytest

from ivr.speech.recognizer import ScriptedRecognizer
from ivr.speech.recognizer import Segment
from ivr.speech.transcript import EVENT
from ivr.speech.transcript import TranscriptListener
from shared.extensions import db
from shared.extensions import socketio
from shared.models import Call
from shared.models import TranscriptSegment
from shared.types import Role

SID = "CA" + "3" * 32


@pytest.fixture()
def call(app, make_user):
    """A call held by salma, with one final segment already said."""
    salma = make_user("salma", Role.AGENT)
    with app.app_context():
        row = Call(call_sid=SID, caller="+212661234567", language="fr", step="agent",
                   agent_id=salma.id)
        db.session.add(row)
        db.session.flush()
        db.session.add(TranscriptSegment(call_id=row.id, seq=1, text="bonjour",
                                         start_seconds=0.2, end_seconds=0.9, confidence=0.9))
        db.session.commit()
        call_id = row.id
    return salma, call_id


def console(logged_in, socket_client, user):
    client = socket_client(logged_in(user))
    assert client.is_connected()
    client.get_received()
    return client


def speak(app, call_id, *segments):
    """The caller speaks: segments go through the real listener (stored, then emitted)."""
    with app.app_context():
        listener = TranscriptListener(call_id, SID, ScriptedRecognizer(
            [(0, segment) for segment in segments]), next_seq=2)
        listener.feed(b"\x00" * 320)
        db.session.remove()


def heard(client):
    return [(e["args"][0]["seq"], e["args"][0]["final"], e["args"][0]["text"])
            for e in client.get_received() if e["name"] == EVENT]


def test_the_holder_gets_the_segments_so_far_then_the_live_ones(app, call, logged_in,
                                                                socket_client):
    salma, call_id = call
    client = console(logged_in, socket_client, salma)
    answer = client.emit("watch_call", {"call_sid": SID}, callback=True)
    assert answer["ok"] and [(s["seq"], s["text"], s["final"]) for s in answer["segments"]] \
        == [(1, "bonjour", True)]
    speak(app, call_id, Segment("mon dossier", final=False),
          Segment("mon dossier de retraite", final=True, start=1.0, end=2.0, confidence=0.8))
    assert heard(client) == [(2, False, "mon dossier"), (2, True, "mon dossier de retraite")]


def test_a_supervisor_may_watch_any_held_call(app, call, make_user, logged_in, socket_client):
    _salma, call_id = call
    client = console(logged_in, socket_client, make_user("nadia", Role.SUPERVISOR))
    assert client.emit("watch_call", {"call_sid": SID}, callback=True)["ok"]
    speak(app, call_id, Segment("allo", final=True))
    assert heard(client) == [(2, True, "allo")]


def test_another_agent_is_refused_and_hears_nothing(app, call, make_user, logged_in,
                                                    socket_client):
    _salma, call_id = call
    client = console(logged_in, socket_client, make_user("karim", Role.AGENT))
    answer = client.emit("watch_call", {"call_sid": SID}, callback=True)
    assert answer == {"error": "not_found"}
    speak(app, call_id, Segment("ma CIN", final=True))
    assert heard(client) == []


@pytest.mark.parametrize("payload", [None, "CA1", {}, {"call_sid": 5},
                                     {"call_sid": "CA" + "9" * 32}, {"call_sid": "x" * 500}])
def test_odd_requests_are_refused(call, logged_in, socket_client, payload):
    salma, _call_id = call
    client = console(logged_in, socket_client, salma)
    assert client.emit("watch_call", payload, callback=True) == {"error": "not_found"}


def test_an_anonymous_client_cannot_even_connect(app, call):
    client = socketio.test_client(app)
    assert not client.is_connected()
