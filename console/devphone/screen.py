"""What the dev phone shows of a TwiML answer: what the caller hears, in order (prompts with
their text and audio, said texts, pauses), and what the line waits for (keys, a recording,
the queue, an agent)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from ivr.prompts import catalogue
from ivr.simulator import PROMPT_PATH
from ivr.simulator import Turn

AGENT_CLIENT = re.compile(r"^agent-(?P<id>\d{1,9})$")
HOLD_PATH = "/ivr/hold.wav"


def heard(turn: Turn) -> list[dict]:
    """What the caller hears, in document order (inside <Gather> too). Audio URLs are
    given as paths of this server: the page fetches them from its own origin."""
    items: list[dict] = []
    prompts = catalogue()
    for element in [] if turn.root is None else turn.root.iter():
        if element.tag == "Play" and element.text:
            path = urlsplit(element.text.strip()).path
            match = PROMPT_PATH.search(path)
            if match:
                language, key = match["language"], match["key"]
                items.append({"kind": "prompt", "key": key, "language": language,
                              "text": prompts.text(key, language), "audio": path})
            elif path == HOLD_PATH:
                items.append({"kind": "music", "audio": path})
        elif element.tag == "Say" and element.text:
            items.append({"kind": "say", "language": element.get("language", ""),
                          "text": element.text.strip()})
        elif element.tag == "Pause":
            items.append({"kind": "pause", "seconds": int(element.get("length") or 1)})
    return items


def digits_heard(items: list[dict]) -> str:
    """The digits read out one by one (a reference, the end of a number)."""
    return "".join(item["key"].removeprefix("digit_") for item in items
                   if item["kind"] == "prompt" and item["key"].startswith("digit_"))


def waiting_for(turn: Turn) -> dict:
    """What the line waits for after this answer: {"gather": {...}} keys, {"record":
    {...}}, {"enqueue": True}, {"agent": id}, {"hangup": True}, {"leave": True}, or
    {"redirect": url} (a document that only moves on), or {} (it ends: Twilio hangs up)."""
    gather = turn.find("Gather")
    if gather is not None:
        return {"gather": {"num_digits": int(gather.get("numDigits") or 0),
                           "finish_on_key": gather.get("finishOnKey", "#"),
                           "timeout": int(gather.get("timeout") or 5),
                           "empty_result": gather.get("actionOnEmptyResult") == "true"}}
    record = turn.find("Record")
    if record is not None:
        return {"record": {"max_length": int(record.get("maxLength") or 3600)}}
    if turn.find("Enqueue") is not None:
        return {"enqueue": True}
    client = turn.find("Dial/Client") if turn.find("Dial") is not None else None
    if client is not None:
        match = AGENT_CLIENT.match((client.text or "").strip())
        return {"agent": int(match["id"]) if match else None}
    if turn.find("Leave") is not None:
        return {"leave": True}
    if turn.find("Hangup") is not None:
        return {"hangup": True}
    redirect = turn.find("Redirect")
    if redirect is not None and (redirect.text or "").strip():
        return {"redirect": redirect.text.strip()}
    return {}


def stream_of(turn: Turn) -> dict | None:
    """The <Start><Stream> of `turn`: its url (what Twilio signs) and its parameters."""
    stream = None if turn.root is None else turn.root.find(".//Start/Stream")
    if stream is None or not stream.get("url"):
        return None
    return {"url": stream.get("url"), "parameters": {
        p.get("name"): p.get("value") for p in stream.findall("Parameter") if p.get("name")}}
