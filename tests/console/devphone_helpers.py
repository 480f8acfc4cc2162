"""Driving the dev phone's JSON API as its page does, for the dev phone's tests."""
import base64
import io

import numpy as np
import soundfile

from console.devphone import EXTENSION
from console.devphone.phone import DevPhone
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN

NUMBER = "+212612345678"
CALLS = "/console/devphone/calls"
CALL_UPDATE = f"/dev/twilio/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Calls/{{sid}}.json"
TWILIO_AUTH = {"Authorization": "Basic " + base64.b64encode(
    f"{TEST_ACCOUNT_SID}:{TEST_AUTH_TOKEN}".encode()).decode()}


def fresh_devphone(app, monkeypatch) -> DevPhone:
    """For a test: a dev phone with no call yet (its calls live in the app's memory)."""
    phone = DevPhone(TEST_ACCOUNT_SID)
    monkeypatch.setitem(app.extensions, EXTENSION, phone)
    return phone


def tone(seconds=2.0, rate=16000, channels=2, kind="WAV", frequency=440.0) -> bytes:
    """A sine tone as an audio file (not yet the line's 8 kHz mono)."""
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * frequency * t)
    out = io.BytesIO()
    soundfile.write(out, np.column_stack([wave] * channels), rate, format=kind)
    return out.getvalue()


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def place(client, number=NUMBER) -> dict:
    return ok(client.post(CALLS, data={"number": number}), 201)


def press(client, screen, digits) -> dict:
    return ok(client.post(f"{CALLS}/{screen['sid']}/keys", data={"digits": digits}))


def speak(client, screen, audio: bytes, name="speech.wav") -> dict:
    return ok(client.post(f"{CALLS}/{screen['sid']}/recording",
                          data={"audio": (io.BytesIO(audio), name)},
                          content_type="multipart/form-data"))


def poll(client, screen) -> dict:
    return ok(client.post(f"{CALLS}/{screen['sid']}/poll"))


def keys_heard(screen) -> list[str]:
    return [item["key"] for item in screen["heard"] if item["kind"] == "prompt"]


def to_description(client, kind="1", code="201") -> dict:
    """A French caller files (kind 1: a complaint) up to the description's beep, the name
    said in a 16 kHz stereo WAV; returns the last screen."""
    screen = place(client)
    for digits in ("3", kind, code, "1", "1"):
        screen = press(client, screen, digits)
    assert screen["state"] == "recording", screen
    screen = speak(client, screen, tone(2.0))
    if kind == "1":
        screen = press(client, screen, "123456")
    assert screen["state"] == "recording" and "ask_description" in keys_heard(screen), screen
    return screen


def queued(client, number=NUMBER) -> dict:
    """A French caller presses 0: queued for an agent."""
    screen = place(client, number)
    screen = press(client, screen, "3")
    screen = press(client, screen, "0")
    assert screen["state"] == "queued", screen
    return screen
