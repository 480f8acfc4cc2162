"""Public URLs: everything outside reaches this app under PUBLIC_BASE_URL. Behind a TLS
proxy the URL this process sees says http://, so links, TwiML actions and signature checks
are all built from the configured base, here and only here."""
from urllib.parse import urlsplit

from flask import current_app
from flask import request
from flask import url_for


def public_url(path: str) -> str:
    """`path` (starting with /) on the public base URL."""
    return current_app.config["PUBLIC_BASE_URL"] + path


def public_endpoint(endpoint: str, **values) -> str:
    """The public URL of a Flask endpoint (what Twilio calls and signs)."""
    return public_url(url_for(endpoint, **values))


def public_websocket(endpoint: str, **values) -> str:
    """The public wss:// (ws:// in development) URL of a websocket endpoint."""
    # A websocket route builds as an absolute ws:// URL of this host: keep its path only.
    built = urlsplit(url_for(endpoint, **values))
    url = public_url(built.path + (f"?{built.query}" if built.query else ""))
    return url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def requested_public_url() -> str:
    """The URL the client requested, as it sees it: public base, path and query string."""
    url = public_url(request.path)
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url
