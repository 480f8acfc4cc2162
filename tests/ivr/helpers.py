"""Walking the common paths of a call, for the IVR tests."""
from shared.extensions import db
from shared.models import Call
from shared.models import Case
from sqlalchemy import select
from sqlalchemy.orm import selectinload

LANGUAGE_KEYS = {"ary": "1", "ar": "2", "fr": "3"}
KIND_KEYS = {"complaint": "1", "observation": "2", "suggestion": "3"}


def to_main_menu(caller, language="ary"):
    caller.dial()
    return caller.press(LANGUAGE_KEYS[language])


def file_by_phone(caller, language="ary", kind="complaint", code="201", cin="123456"):
    """A whole filing call up to the read-back; returns the read-back turn."""
    to_main_menu(caller, language)
    caller.press(KIND_KEYS[kind])
    caller.press(code)
    caller.press("1")          # confirm the administration
    caller.press("1")          # keep the caller-ID number
    turn = caller.record(3)    # the name
    if kind == "complaint":
        assert "ask_cin" in turn.keys, turn.xml
        caller.press(cin)
    return caller.record(20)   # the description: filed, read back


def call_row(app, call_sid):
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
        db.session.expunge_all()
        return call


def cases(app):
    """Every case, with its trail and administration loaded, detached from the session."""
    with app.app_context():
        found = list(db.session.scalars(select(Case).order_by(Case.id).options(
            selectinload(Case.events), selectinload(Case.administration))))
        db.session.expunge_all()
        return found


def digits_read(turn, after="case_filed"):
    """The digits read one by one after the prompt `after`."""
    keys = turn.keys[turn.keys.index(after) + 1:]
    digits = []
    for key in keys:
        if not key.startswith("digit_"):
            break
        digits.append(key.removeprefix("digit_"))
    return "".join(digits)


def record_name_mid_call(caller) -> str:
    """The caller files an observation up to their name, recorded and ready at Twilio,
    while the call goes on (nothing filed yet); returns the recording's SID."""
    to_main_menu(caller)
    for keys in ("2", "201", "1", "1"):
        caller.press(keys)
    caller.record(3)
    sid = caller.last_recording_sid
    caller.recording_ready(sid)
    return sid
