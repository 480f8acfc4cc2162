"""Simulated callers for the console's tests: signed like Twilio, driving the real IVR
until they wait in the agents' queue."""
from sqlalchemy import select

from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from ivr.speech.recognizer import ScriptedRecognizer
from ivr.speech.recognizer import Segment
from ivr.speech.transcript import TranscriptListener
from shared.extensions import db
from shared.models import Call
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.ivr.helpers import to_main_menu

MOBILE = "+212612345678"


def new_caller(app, number: str = MOBILE, transport=None) -> Caller:
    return Caller(transport or FlaskTransport(app.test_client()), PUBLIC_BASE_URL,
                  TEST_AUTH_TOKEN, caller=number, account_sid=TEST_ACCOUNT_SID)


def queue_at_once(caller: Caller, language: str = "fr") -> Caller:
    """The caller presses 0 at the main menu: queued with no kind or administration."""
    to_main_menu(caller, language)
    turn = caller.press("0")
    assert turn.find("Enqueue") is not None, turn.xml
    return caller


def queue_after_choosing(caller: Caller, language: str = "fr", kind_key: str = "1",
                         code: str = "201") -> Caller:
    """The caller chooses a kind and an administration, then fails the phone question
    three times: the IVR hands them to an agent with those answers."""
    to_main_menu(caller, language)
    caller.press(kind_key)
    caller.press(code)
    caller.press("1")  # confirms the administration
    for _ in range(3):
        turn = caller.press("7")  # not an answer of "keep this number?"
    assert turn.find("Enqueue") is not None, turn.xml
    return caller


def stored_call(app, call_sid: str) -> Call:
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
        db.session.expunge_all()
        return call


def events(socket, name: str) -> list[dict]:
    return [event["args"][0] for event in socket.get_received() if event["name"] == name]


def caller_says(app, call_id: int, call_sid: str, seq: int, *segments: Segment) -> None:
    """Through the live transcript's own listener (the media stream's): stored, then
    emitted to the call's room."""
    with app.app_context():
        listener = TranscriptListener(call_id, call_sid, ScriptedRecognizer(
            [(0, segment) for segment in segments]), next_seq=seq)
        listener.feed(b"\x00" * 320)
        db.session.remove()
