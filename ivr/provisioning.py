"""Setting up the Twilio side of the line through the REST API: the number's webhooks and
the agents' queue with its maximum size (a full queue then rejects the call, which the
Enqueue action turns into voicemail or a callback)."""
from __future__ import annotations

from flask import current_app

from shared import twilio_rest
from shared.urls import public_url

TWILIO_MAX_QUEUE_SIZE = 5000
# The two URLs Twilio is configured with (the contract's); every other one is in the TwiML.
VOICE_PATH, STATUS_PATH = "/ivr/voice", "/ivr/status"


def configure_queue() -> str:
    """Create the queue, or update its maximum size; returns what was done."""
    config = current_app.config
    client = twilio_rest.client()
    size = max(1, min(config["QUEUE_MAX_SIZE"], TWILIO_MAX_QUEUE_SIZE))
    queue = next((q for q in client.queues.list() if q.friendly_name == config["QUEUE_NAME"]),
                 None)
    if queue is None:
        queue = client.queues.create(friendly_name=config["QUEUE_NAME"], max_size=size)
        return f"queue {queue.friendly_name} created ({queue.sid}, at most {size} callers)"
    client.queues(queue.sid).update(max_size=size)
    return f"queue {queue.friendly_name} ({queue.sid}) now takes at most {size} callers"


def configure_number(phone_number: str) -> str:
    """Point the number's Voice URL and status callback at this deployment."""
    client = twilio_rest.client()
    numbers = client.incoming_phone_numbers.list(phone_number=phone_number)
    if not numbers:
        raise LookupError(f"the account has no number {phone_number}")
    voice_url, status_url = public_url(VOICE_PATH), public_url(STATUS_PATH)
    client.incoming_phone_numbers(numbers[0].sid).update(
        voice_url=voice_url, voice_method="POST", status_callback=status_url,
        status_callback_method="POST")
    return f"{phone_number}: calls to {voice_url}, status to {status_url}"
