"""The server of bench/console_events.py: the Procfile's entry point (shared.wsgi:app, its
job workers included), unchanged, with the commit clock of bench/commit_clock.py on its
live events.

    gunicorn ... bench.console_wsgi:app
"""
from bench.commit_clock import install
from shared.extensions import socketio
from shared.wsgi import app  # noqa: F401 - what gunicorn serves
from shared.wsgi import workers  # noqa: F401 - the job workers it started

install(socketio.emit)
