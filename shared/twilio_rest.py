"""Twilio's REST API through the official client, pointed at TWILIO_API_BASE so tests (and
the call simulator) can stand a local fake in for api.twilio.com."""
import requests
from flask import current_app
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
TIMEOUT_SECONDS = 15


class RebasedHttpClient(TwilioHttpClient):
    """Sends what the client addresses to api.twilio.com to another base URL."""

    def __init__(self, base_url: str):
        super().__init__(timeout=TIMEOUT_SECONDS)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


def client() -> Client:
    """A REST client for the configured account."""
    config = current_app.config
    return Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                  http_client=RebasedHttpClient(config["TWILIO_API_BASE"]))


def rebase(url: str) -> str:
    """A Twilio resource URL (e.g. a RecordingUrl) moved to TWILIO_API_BASE."""
    if url.startswith(TWILIO_API):
        return current_app.config["TWILIO_API_BASE"] + url[len(TWILIO_API):]
    return url


def download(url: str) -> bytes:
    """GET a Twilio media URL with the account credentials (HTTP basic auth)."""
    config = current_app.config
    response = requests.get(rebase(url), timeout=TIMEOUT_SECONDS,
                            auth=(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]))
    response.raise_for_status()
    return response.content
