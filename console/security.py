"""Security headers on every response the server sends (pages, API, webhooks)."""
from flask import Flask
from flask import request

# No inline script or style anywhere: the pages load console.js and console.css only.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "connect-src 'self' {websockets}",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response):
    """The browser may run only this server's scripts, never frame the pages, never guess
    a type, and tells other sites no more than this origin."""
    host = request.host
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(
        websockets=f"ws://{host} wss://{host}"))  # Socket.IO (older browsers' 'self' lacks ws)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
