"""The app served by werkzeug's threaded server on 127.0.0.1, inside the test process (so
a Socket.IO test client of the same process hears what the server's threads emit).

Werkzeug's threaded server is what `socketio.run` uses in development in Flask-SocketIO's
threading mode: it hands simple-websocket the raw socket (`werkzeug.socket`), so browsers
speak Socket.IO over a real websocket, one thread per connection. Gunicorn would need a
subprocess, hence a second app and database session to share: the tests could no longer make
users or calls with the model and see them live."""
import threading
import time
from contextlib import contextmanager

from werkzeug.serving import make_server


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name="live-server")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextmanager
def public_at(app, base_url: str):
    """The app's public address is `base_url` while this lasts: links and redirects point at
    it (PUBLIC_BASE_URL) and Socket.IO accepts its origin (a browser's websocket carries an
    Origin header, checked against the allowed origins). Only while: webhook signatures are
    checked against PUBLIC_BASE_URL, and the other tests sign for the usual one."""
    engineio = _engineio(app)
    saved = app.config["PUBLIC_BASE_URL"], engineio.cors_allowed_origins
    app.config["PUBLIC_BASE_URL"] = base_url
    engineio.cors_allowed_origins = [base_url]
    try:
        yield
    finally:
        app.config["PUBLIC_BASE_URL"], engineio.cors_allowed_origins = saved


@contextmanager
def sockets_closed_after(app, seconds: float = 10):
    """On leaving, wait until every Socket.IO connection opened meanwhile is closed, its
    disconnect handler run (an agent's last console going offline writes to the database:
    not after the next test has started)."""
    engineio = _engineio(app)
    before = set(engineio.sockets)
    yield
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [sid for sid, socket in list(engineio.sockets.items())
                if sid not in before and not socket.closed]
        if not left:
            return
        time.sleep(0.05)
    raise AssertionError(f"Socket.IO connections still open after {seconds} s: {left}")


def _engineio(app):
    """The Engine.IO server of the app's Socket.IO middleware."""
    return app.wsgi_app.engineio_app.eio
