"""The composition root: `create_app` builds the whole app (IVR, console, Open311 API)."""
import logging
import os
from pathlib import Path

from flask import Flask

from . import health
from . import logs
from . import request_limits
from .config import load_config
from .database import Limits
from .database import engine_options
from .database import tune_engine
from .extensions import babel
from .extensions import csrf
from .extensions import db
from .extensions import login_manager
from .extensions import socketio
from .i18n import select_locale
from .notify import set_emitter

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, environ=None) -> Flask:
    """Build the app from the environment, then `overrides` (tests)."""
    environ = os.environ if environ is None else environ
    instance_path = Path(environ.get("INSTANCE_PATH") or ROOT / "instance")
    app = Flask("shared", instance_path=str(instance_path), root_path=str(Path(__file__).parent))
    app.config.from_mapping(load_config(instance_path, environ))
    app.config.update(overrides or {})
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        **engine_options(app.config["SQLALCHEMY_DATABASE_URI"], Limits.from_config(app.config))}
    logs.configure(app.config["LOG_LEVEL"])

    request_limits.init_app(app)  # first: before anything reads a request body
    _init_extensions(app)
    _register_blueprints(app)
    health.init_app(app)
    _register_cli(app)
    _report_speech_models(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine, Limits.from_config(app.config))
    socketio.init_app(
        app, async_mode="threading", message_queue=app.config["REDIS_URL"] or None,
        cors_allowed_origins=[app.config["PUBLIC_BASE_URL"]], logger=False,
        engineio_logger=False)
    set_emitter(socketio.emit)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)
    csrf.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from console import bp as console_bp
    from ivr import bp as ivr_bp
    from .open311 import bp as open311_bp

    # Twilio and API clients cannot send a CSRF token: they are authenticated otherwise
    # (request signature, API key).
    csrf.exempt(ivr_bp)
    csrf.exempt(open311_bp)
    app.register_blueprint(ivr_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(console_bp)


def _register_cli(app: Flask) -> None:
    from .cli import register
    register(app)


def _report_speech_models(app: Flask) -> None:
    """Say which languages have an offline speech model installed (none is ever downloaded)."""
    from .i18n import language_codes
    models = Path(app.config["SPEECH_MODELS_DIR"])
    found = [code for code in language_codes() if (models / code).is_dir()]
    logging.getLogger(__name__).info(
        "offline speech models in %s: %s", models,
        ", ".join(found) or "none (keypad, and Twilio's recogniser where SPEECH_INPUT=twilio)")


def start_background_work(app: Flask):
    """Start the in-process job workers unless JOB_WORKER says another process runs jobs."""
    if app.config["JOB_WORKER"] != "thread":
        return None
    from . import tasks  # noqa: F401  (registers the job handlers)
    from .jobs import Worker
    # Several threads: jobs mostly wait on Twilio, and one slow download must not hold
    # every SMS behind it.
    workers = [Worker(app) for _ in range(app.config["JOB_THREADS"])]
    for worker in workers:
        worker.start()
    logging.getLogger(__name__).info("%d in-process job worker threads started", len(workers))
    return workers
