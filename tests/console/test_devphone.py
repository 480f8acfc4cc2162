"""The dev phone: a simulated call against this same server, signed like Twilio, from the
keypad to a filed case (the audio uploaded as the name and the description, fetched by the
IVR's job from the dev Twilio API) and its reference read back; the queue; a claim's live
call update reaching the call; SMS; who may use it; bad input; never in production."""
import io
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy import update

from console.devphone import API_PREFIX
from console.devphone.audio import telephone_wav
from shared import jobs
from shared import twilio_rest
from shared.config import ConfigError
from shared.config import load_config
from shared.extensions import db
from shared.models import Call
from shared.types import Role
from tests.console.devphone_helpers import CALL_UPDATE
from tests.console.devphone_helpers import CALLS
from tests.console.devphone_helpers import NUMBER
from tests.console.devphone_helpers import TWILIO_AUTH
from tests.console.devphone_helpers import fresh_devphone
from tests.console.devphone_helpers import keys_heard
from tests.console.devphone_helpers import ok
from tests.console.devphone_helpers import place
from tests.console.devphone_helpers import poll
from tests.console.devphone_helpers import press
from tests.console.devphone_helpers import queued
from tests.console.devphone_helpers import speak
from tests.console.devphone_helpers import to_description
from tests.console.devphone_helpers import tone
from tests.ivr.helpers import call_row
from tests.ivr.helpers import cases


@pytest.fixture(autouse=True)
def devphone(app, monkeypatch):
    return fresh_devphone(app, monkeypatch)


def test_the_page_offers_the_keypad_to_an_agent(logged_in, agent, devphone):
    page = logged_in(agent).get("/console/devphone/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="devphone-call"' in html and html.count('data-testid="devphone-key"') == 12
    assert "devphone.js" in html and "<script>" not in html and " style=" not in html


def test_a_call_plays_the_prompts_with_their_text_and_audio(logged_in, agent, devphone):
    screen = place(logged_in(agent))
    assert screen["state"] == "keys" and screen["gather"]["num_digits"] == 1
    welcome = screen["heard"][0]
    assert welcome["key"] == "welcome" and welcome["text"]
    assert welcome["audio"] == f"/ivr/prompts/{welcome['language']}/welcome.wav"


def test_a_call_files_a_case_with_the_uploaded_audio_and_hears_its_reference(
        app, live, logged_in, agent, devphone, config):
    # The IVR's job fetches the recordings from the dev Twilio API, over HTTP, as make run does.
    config(TWILIO_API_BASE=live.base_url + "/dev/twilio")
    client = logged_in(agent)
    screen = to_description(client)
    description = tone(3.0, rate=44100, channels=1, kind="FLAC", frequency=300)
    screen = speak(client, screen, description, "description.flac")

    [case] = cases(app)
    assert "case_filed" in keys_heard(screen)
    assert screen["digits"] == case.reference  # read back digit by digit
    assert case.citizen_phone == NUMBER and case.administration.code == "201"
    assert case.citizen_cin == "123456"
    assert jobs.run_pending(app) >= 2
    [case] = cases(app)
    stored_name = Path(case.name_recording_path).read_bytes()
    assert stored_name == telephone_wav(tone(2.0), 15)[0]
    assert Path(case.recording_path).read_bytes() == telephone_wav(description, 120)[0]
    assert not devphone.store.recordings  # deleted at the (dev) Twilio once stored
    assert len(devphone.store.deleted_recordings) == 2
    # The filing SMS reaches the dev phone's number.
    screen = poll(client, screen)
    assert any(case.reference in message["body"] for message in screen["sms"]), screen["sms"]


def test_what_the_line_receives_is_an_8khz_mono_pcm_wav(devphone):
    import soundfile
    wav, seconds = telephone_wav(tone(2.0, rate=44100, channels=2), 15)
    info = soundfile.info(io.BytesIO(wav))
    assert (info.samplerate, info.channels, info.subtype, info.format) == (
        8000, 1, "PCM_16", "WAV")
    assert seconds == 2.0
    assert telephone_wav(tone(30.0), 15)[1] == 15.0  # cut at the Record's maxLength


def test_a_queued_call_waits_then_a_claim_connects_it_to_the_agent(
        app, live, logged_in, agent, devphone, config):
    config(TWILIO_API_BASE=live.base_url + "/dev/twilio")
    client = logged_in(agent)
    first = queued(client)
    second = queued(client, "+212612345679")
    assert first["queue"]["position"] == 1 and second["queue"]["position"] == 2
    assert "queue_position" in keys_heard(second)
    assert any(item["kind"] == "music" for item in second["heard"])
    assert call_row(app, first["sid"]).step == "agent"
    # The agent claims it on the console: a live call update through Twilio's REST API
    # (here the dev one).
    claimed = client.post(f"/console/calls/{first['sid']}/claim",
                          headers={"Accept": "application/json"})
    assert claimed.status_code in (200, 303), claimed.text
    assert call_row(app, first["sid"]).agent_id == agent.id
    screen = poll(client, first)
    assert screen["state"] == "agent" and screen["agent"] == agent.id
    assert poll(client, second)["state"] == "queued"  # the other caller still waits


def test_a_read_back_sent_as_twiml_plays_then_returns_the_caller_to_the_agent(
        app, client, logged_in, agent, devphone):
    phone = logged_in(agent)
    screen = queued(phone)
    with app.app_context():  # the agent holds the call (their claim)
        db.session.execute(update(Call).where(Call.call_sid == screen["sid"])
                           .values(agent_id=agent.id))
        db.session.commit()
    back = f"{app.config['PUBLIC_BASE_URL']}/ivr/agent/connect?agent={agent.id}"
    twiml = (f'<Response><Say language="fr-FR">votre référence</Say>'
             f'<Play>https://x.test/ivr/prompts/fr/digit_4.wav</Play>'
             f'<Redirect method="POST">{back}</Redirect></Response>')
    ok(client.post(CALL_UPDATE.format(sid=screen["sid"]), data={"Twiml": twiml},
                   headers=TWILIO_AUTH))
    screen = poll(phone, screen)
    assert screen["digits"] == "4" and screen["heard"][0]["text"] == "votre référence"
    assert screen["state"] == "agent" and screen["agent"] == agent.id


def test_a_live_update_of_a_call_not_on_the_dev_phone_is_a_404(client, devphone):
    response = client.post(CALL_UPDATE.format(sid="CA" + "1" * 32),
                           data={"Url": "https://ivr.example.test/ivr/agent/connect?agent=1"},
                           headers=TWILIO_AUTH)
    assert response.status_code == 404 and response.get_json()["code"] == 20404


def test_the_dev_twilio_api_wants_the_account_credentials(client, logged_in, agent, devphone):
    screen = queued(logged_in(agent))
    url = CALL_UPDATE.format(sid=screen["sid"])
    form = {"Url": "https://ivr.example.test/ivr/agent/connect?agent=1"}
    assert client.post(url, data=form).status_code == 401
    assert client.post(url, data=form, headers={"Authorization": "Basic eDp5"}).status_code == 401
    other = url.replace("AC" + "0" * 32, "AC" + "1" * 32)
    assert client.post(other, data=form, headers=TWILIO_AUTH).status_code == 404
    assert client.post(url, data={"Url": "/relative"}, headers=TWILIO_AUTH).status_code == 400
    assert devphone.calls[screen["sid"]].pending is None


def test_a_message_sent_to_the_dev_twilio_api_appears_on_the_phone(
        app, live, logged_in, agent, devphone, config):
    config(TWILIO_API_BASE=live.base_url + "/dev/twilio")
    client = logged_in(agent)
    screen = queued(client)
    with app.app_context():
        twilio_rest.client().messages.create(to=NUMBER, from_="3737", body="Bonjour 3737")
        twilio_rest.client().messages.create(to="+212699999999", from_="3737", body="other")
        assert [m.body for m in twilio_rest.client().messages.list(to=NUMBER)] == [
            "Bonjour 3737"]
    assert [m["body"] for m in poll(client, screen)["sms"]] == ["Bonjour 3737"]


def test_the_queue_sends_a_caller_waiting_too_long_to_voicemail_or_callback(
        logged_in, agent, devphone, config):
    config(QUEUE_MAX_WAIT_SECONDS=-1)
    client = logged_in(agent)
    screen = place(client)
    screen = press(client, press(client, screen, "3"), "0")
    assert screen["state"] == "keys" and screen["queue"] is None
    assert "agent_unavailable" in keys_heard(screen) or "leave_message" in " ".join(
        keys_heard(screen)), keys_heard(screen)


def test_hanging_up_ends_the_call_at_the_ivr(app, logged_in, agent, devphone):
    client = logged_in(agent)
    screen = queued(client)
    screen = ok(client.post(f"{CALLS}/{screen['sid']}/hangup"))
    assert screen["state"] == "ended"
    row = call_row(app, screen["sid"])
    assert row.ended_at is not None and row.outcome == "abandoned_in_queue"
    assert client.post(f"{CALLS}/{screen['sid']}/keys", data={"digits": "1"}).status_code == 409


def test_silence_lets_the_menu_time_out(logged_in, agent, devphone):
    client = logged_in(agent)
    screen = place(client)
    again = ok(client.post(f"{CALLS}/{screen['sid']}/silence"))
    assert again["state"] == "keys" and again["step"] > screen["step"]


def test_agents_supervisors_and_admins_may_use_it_not_officers(
        client, make_user, logged_in, officer_admin_id, devphone):
    for role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        user = make_user(f"user-{role.value}", role)
        assert logged_in(user).get("/console/devphone/").status_code == 200
    officer = make_user("omar", Role.OFFICER, administration_id=officer_admin_id)
    assert logged_in(officer).get("/console/devphone/").status_code == 403
    assert logged_in(officer).post(CALLS, data={"number": NUMBER}).status_code == 403
    anonymous = client.get("/console/devphone/")
    assert anonymous.status_code == 302 and "/console/login" in anonymous.location
    assert client.post(CALLS, data={"number": NUMBER}).status_code == 401


def test_a_user_sees_only_their_own_calls(logged_in, make_user, agent, devphone):
    screen = place(logged_in(agent))
    other = logged_in(make_user("karim", Role.AGENT))
    for action in ("keys", "poll", "hangup", "silence"):
        assert other.post(f"{CALLS}/{screen['sid']}/{action}",
                          data={"digits": "1"}).status_code == 404


def test_bad_input_is_refused_with_a_reason(logged_in, agent, devphone):
    client = logged_in(agent)
    for number in ("", "123", "not a number", "+1" + "9" * 40):
        response = client.post(CALLS, data={"number": number})
        assert response.status_code == 400 and response.get_json()["error"]
    screen = place(client)
    url = f"{CALLS}/{screen['sid']}"
    assert client.post(f"{url}/keys", data={"digits": "12a"}).status_code == 400
    assert client.post(f"{url}/keys", data={"digits": "1" * 40}).status_code == 400
    assert client.post(f"{url}/recording").status_code == 400  # no file
    response = client.post(f"{url}/recording", data={"audio": (io.BytesIO(b"x" * 100), "a.wav")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"]
    big = client.post(f"{url}/recording", data=b"\0" * (9 << 20),
                      content_type="multipart/form-data; boundary=x")
    assert big.status_code == 413
    # Audio while the line waits for keys: not now.
    assert client.post(f"{url}/recording", data={"audio": (io.BytesIO(tone(1)), "a.wav")},
                       content_type="multipart/form-data").status_code == 409
    assert client.post(f"{CALLS}/CAnope/poll").status_code == 404


def test_the_line_is_signed_like_twilio_and_refuses_a_wrong_token(
        app, logged_in, agent, devphone, config):
    """The dev phone signs with the configured token; the IVR checks it as for Twilio."""
    client = logged_in(agent)
    screen = place(client)
    config(TWILIO_AUTH_TOKEN="another-token")
    screen = press(client, screen, "3")
    assert screen["state"] == "ended" and screen["error"] == {"code": "line", "status": 403}


def test_no_dev_phone_in_production(app, client, logged_in, agent, devphone, config):
    user = logged_in(agent)
    assert 'data-testid="devphone-link"' in client.get("/").get_data(as_text=True)
    screen = place(user)
    config(APP_ENV="production")
    assert user.get("/console/devphone/").status_code == 404
    assert user.post(CALLS, data={"number": NUMBER}).status_code == 404
    assert user.post(f"{CALLS}/{screen['sid']}/poll").status_code == 404
    assert client.post(CALL_UPDATE.format(sid=screen["sid"]), headers=TWILIO_AUTH,
                       data={"Url": "https://ivr.example.test/ivr/agent/connect?agent=1"}
                       ).status_code == 404
    assert client.get(f"/dev/twilio/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'0' * 32}",
                      headers=TWILIO_AUTH).status_code == 404
    assert 'data-testid="devphone-link"' not in client.get("/").get_data(as_text=True)


def test_a_dev_phone_call_is_an_ordinary_call_row(app, logged_in, agent, devphone):
    screen = place(logged_in(agent))
    with app.app_context():
        row = db.session.scalar(select(Call).where(Call.call_sid == screen["sid"]))
        assert row is not None and row.ended_at is None


def make_run_environment() -> dict[str, str]:
    """The variables `make run` sets (its DEV_ENV), with nothing of them set beforehand."""
    root = Path(__file__).resolve().parents[2]
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("TWILIO_", "PUBLIC_BASE_URL", "MAKE"))}
    result = subprocess.run(["make", "-s", "--no-print-directory", "--eval",
                             "devenv: ; @$(DEV_ENV) env", "devenv"],
                            cwd=root, env=environ, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_make_run_points_twilio_at_the_dev_phones_stand_in_and_production_refuses_it(
        tmp_path):
    environ = make_run_environment()
    assert environ["TWILIO_API_BASE"] == "http://127.0.0.1:5000" + API_PREFIX
    assert environ["TWILIO_ACCOUNT_SID"].startswith("AC") and environ["TWILIO_AUTH_TOKEN"]
    production = {**environ, "APP_ENV": "production", "SECRET_KEY": "s",
                  "DATABASE_URL": "postgresql://db/x"}
    with pytest.raises(ConfigError, match="TWILIO_API_BASE"):
        load_config(tmp_path, production)
    load_config(tmp_path, {**production, "TWILIO_API_BASE": "https://api.twilio.com"})


def test_the_call_ends_when_the_line_hangs_up(app, logged_in, agent, devphone):
    """After the read-back, silence: the post-call survey is asked (twice: silence gets one
    more try), then the line says goodbye and hangs up; the dev phone tells the IVR the call
    is over, as Twilio's status callback does."""
    client = logged_in(agent)
    screen = speak(client, to_description(client), tone(1.0))
    assert screen["state"] == "keys" and "case_filed" in keys_heard(screen)
    for _ in range(2):
        screen = ok(client.post(f"{CALLS}/{screen['sid']}/silence"))
        assert screen["state"] == "keys" and "ask_survey" in keys_heard(screen), screen
    screen = ok(client.post(f"{CALLS}/{screen['sid']}/silence"))
    assert screen["state"] == "ended" and screen["error"] is None, screen
    assert call_row(app, screen["sid"]).ended_at is not None


def test_a_menu_without_a_redirect_ends_the_call_when_it_times_out(
        client, logged_in, agent, devphone):
    phone = logged_in(agent)
    screen = queued(phone)
    twiml = '<Response><Gather numDigits="1" action="/ivr/step/x"><Say>1?</Say></Gather></Response>'
    ok(client.post(CALL_UPDATE.format(sid=screen["sid"]), data={"Twiml": twiml},
                   headers=TWILIO_AUTH))
    assert poll(phone, screen)["state"] == "keys"
    assert ok(phone.post(f"{CALLS}/{screen['sid']}/silence"))["state"] == "ended"
