"""Talking to an agent: the queue in hours, voicemail and callback otherwise."""
from sqlalchemy import select

from shared.extensions import db
from shared.models import CallbackRequest
from tests.ivr.helpers import call_row
from tests.ivr.helpers import to_main_menu

CLOSED_HOURS = "mon-sun 00:00-00:01"


def test_inside_opening_hours_the_call_is_streamed_then_queued(app, caller):
    to_main_menu(caller, "fr")
    turn = caller.press("0")
    assert turn.keys == ["agent_connecting"]
    children = [child.tag for child in turn.root]
    assert children.index("Start") < children.index("Enqueue")
    stream = turn.find("Start/Stream")
    assert stream.get("url") == "wss://ivr.example.test/ivr/media"
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert parameters["call_sid"] == caller.call_sid and len(parameters["token"]) == 64
    enqueue = turn.find("Enqueue")
    assert enqueue.text == "agents"
    assert enqueue.get("waitUrl") == "https://ivr.example.test/ivr/queue/wait"
    assert call_row(app, caller.call_sid).outcome == "agent"


def test_the_wait_url_says_the_position_then_plays_hold_music(app, caller):
    to_main_menu(caller, "ar")
    caller.press("0")
    turn = caller.wait(position=3, seconds=40)
    assert turn.prompts == [("ar", "queue_position"), ("ar", "number_3")]
    assert turn.find("Play").text.endswith("/ivr/prompts/ar/queue_position.wav")
    assert turn.root[-1].tag == "Play" and turn.root[-1].text.endswith("/ivr/hold.wav")


def test_too_long_a_wait_leaves_the_queue_for_voicemail_or_callback(app, caller, config):
    config(QUEUE_MAX_WAIT_SECONDS=300)
    to_main_menu(caller, "fr")
    caller.press("0")
    wait = caller.wait(position=2, seconds=301)
    assert wait.find("Leave") is not None
    turn = caller.queue_result("leave")
    assert turn.keys == ["agent_unavailable", "offer_voicemail_or_callback"]
    assert call_row(app, caller.call_sid).outcome is None


def test_a_full_queue_at_twilio_offers_voicemail(app, caller):
    to_main_menu(caller, "fr")
    caller.press("0")
    assert caller.queue_result("queue-full").keys[0] == "agent_unavailable"


def test_a_bridged_call_simply_ends(app, caller):
    to_main_menu(caller, "fr")
    caller.press("0")
    assert caller.queue_result("bridged").find("Hangup") is not None
    caller.hang_up()
    assert call_row(app, caller.call_sid).outcome == "agent"


def test_a_caller_who_gives_up_waiting_is_counted_as_abandoned_in_the_queue(app, caller):
    to_main_menu(caller, "fr")
    caller.press("0")
    caller.queue_result("hangup")
    caller.hang_up()
    assert call_row(app, caller.call_sid).outcome == "abandoned_in_queue"


def test_after_hours_a_callback_keeps_the_number_and_language(app, caller, config):
    config(OPENING_HOURS=CLOSED_HOURS)
    to_main_menu(caller, "fr")
    caller.press("0")
    turn = caller.press("2")
    assert turn.keys == ["callback_saved", "goodbye"]
    caller.post(caller.history[-2].find("Gather").get("action"), {"Digits": "2"})  # replayed
    with app.app_context():
        requests = list(db.session.scalars(select(CallbackRequest)))
        assert [(r.phone, r.language) for r in requests] == [("+212612345678", "fr")]
    assert call_row(app, caller.call_sid).outcome == "callback"


def test_a_callback_without_caller_id_becomes_a_voicemail(app, make_caller, config):
    config(OPENING_HOURS=CLOSED_HOURS)
    caller = make_caller(caller="anonymous")
    to_main_menu(caller, "fr")
    caller.press("0")
    assert caller.press("2").keys == ["ask_voicemail"]


def test_a_full_queue_is_never_entered(app, caller, config):
    config(QUEUE_MAX_SIZE=0)
    to_main_menu(caller, "fr")
    assert caller.press("0").keys == ["agent_unavailable", "offer_voicemail_or_callback"]


def test_no_choice_after_hours_ends_politely(app, caller, config):
    config(OPENING_HOURS=CLOSED_HOURS)
    to_main_menu(caller, "fr")
    caller.press("0")
    caller.silence()
    caller.silence()
    turn = caller.silence()
    assert turn.keys == ["goodbye"] and turn.find("Hangup") is not None
