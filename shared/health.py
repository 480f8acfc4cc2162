"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can reach its
database), and what any request answers when the database is out of reach: 503 with a
reason and Retry-After, never a 500 or a hang (every wait is bounded, see database.py)."""
from __future__ import annotations

import logging

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import jsonify
from flask import request
from sqlalchemy import exc
from sqlalchemy import text
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
RETRY_AFTER_SECONDS = 5
# A lock or statement timeout, a connection refused or timed out, a full pool.
DATABASE_UNAVAILABLE = (exc.OperationalError, exc.TimeoutError)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers (a restart would not help a database that is down),
    with the facts packages added (e.g. which languages have speech); none may block."""
    facts = current_app.extensions.get("health_facts", {})
    return jsonify(status="ok", **{name: fact() for name, fact in facts.items()})


def add_fact(app: Flask, name: str, fact) -> None:
    """Show `fact()` under `name` in /healthz (cheap, and never touching the database)."""
    app.extensions.setdefault("health_facts", {})[name] = fact


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers within its timeouts; 503 otherwise."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DATABASE_UNAVAILABLE as error:
        log.warning("not ready: the database does not answer (%s)", type(error.orig or error)
                    .__name__ if isinstance(error, exc.DBAPIError) else type(error).__name__)
        response = jsonify(status="unavailable", database="does not answer")
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return jsonify(status="ready", database="ok")


def database_unavailable(error: Exception):
    """A request the database could not serve in time: 503, in the format of the part of
    the app it was for (the Open311 API answers its own error document)."""
    db.session.rollback()
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                type(error).__name__)
    unavailable = ServiceUnavailable(
        "the database is not answering right now; try again in a few seconds")
    response = current_app.make_response(current_app.handle_http_exception(unavailable))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)
