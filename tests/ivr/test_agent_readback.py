"""An agent plays a filed case's reference to the caller: the IVR reads that case's digits
and reply date (as after an IVR filing), 1 repeats, then back to the agent or goodbye."""
from shared.extensions import db
from shared.models import Call
from shared.types import Channel
from tests.ivr.helpers import digits_read
from tests.shared.helpers import file_case

AGENT_ID = 7


def held_call_with_case(app, caller, admin_code="201", language="ar"):
    """A call held by agent 7 whose case was filed by the agent; returns the reference."""
    with app.app_context():
        from shared import administrations
        admin = administrations.by_code(db.session, admin_code)
        case = file_case(db.session, admin, channel=Channel.PHONE_AGENT, language=language)
        call = Call(call_sid=caller.call_sid, caller="+212612345678", language=language,
                    step="agent", case_id=case.id)
        db.session.add(call)
        db.session.commit()
        return case.reference, case.reply_due_on


def test_the_read_back_speaks_the_calls_case_reference_then_returns_to_the_agent(
        app, caller):
    reference, due = held_call_with_case(app, caller)
    turn = caller.post(f"/ivr/agent/readback?agent={AGENT_ID}&then=agent")
    assert turn.status == 200
    assert digits_read(turn) == reference
    assert turn.keys[turn.keys.index("reply_due") + 1:][:2] == [f"number_{due.day}",
                                                                 f"month_{due.month}"]
    assert all(language == "ar" for language, _ in turn.prompts)
    gather = turn.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    redirect = turn.find("Redirect")
    assert redirect.text.strip().endswith(f"/ivr/agent/connect?agent={AGENT_ID}")
    assert turn.find("Hangup") is None


def test_one_repeats_it_another_key_goes_on(app, caller):
    reference, _ = held_call_with_case(app, caller)
    caller.post(f"/ivr/agent/readback?agent={AGENT_ID}&then=agent")
    assert digits_read(caller.press("1")) == reference
    turn = caller.press("5")
    assert "case_filed" not in turn.keys
    assert turn.find("Redirect").text.strip().endswith(f"agent={AGENT_ID}")


def test_hang_up_after_it_when_the_agent_chose_so(app, caller):
    reference, _ = held_call_with_case(app, caller)
    turn = caller.post(f"/ivr/agent/readback?agent={AGENT_ID}&then=hangup")
    assert digits_read(turn) == reference
    assert "goodbye" in turn.keys and turn.find("Hangup") is not None
    assert turn.find("Redirect") is None


def test_a_call_without_a_case_goes_back_to_the_agent_without_a_read_back(app, caller):
    with app.app_context():
        db.session.add(Call(call_sid=caller.call_sid, language="fr", step="agent"))
        db.session.commit()
    turn = caller.post(f"/ivr/agent/readback?agent={AGENT_ID}&then=agent")
    assert turn.status == 200 and "case_filed" not in turn.keys
    assert turn.find("Redirect") is not None


def test_unsigned_or_odd_requests_are_refused(caller):
    assert caller.post(f"/ivr/agent/readback?agent={AGENT_ID}&then=agent",
                       sign=False).status == 403
    for query in ("?then=agent", "?agent=7", "?agent=7&then=later", "?agent=x&then=agent"):
        assert caller.post(f"/ivr/agent/readback{query}").status == 400, query
