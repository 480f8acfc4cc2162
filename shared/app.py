"""The composition root: `create_app` builds the whole app (IVR, console, Open311 API)."""
import logging
import os
from pathlib import Path

from flask import Flask

from . import administrations
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
from .extensions import limiter
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
    _register_jobs(app)
    _register_cli(app)
    _report_speech_models(app)
    health.add_fact(app, "speech_input", lambda: app.config["SPEECH_INPUT"])
    health.add_fact(app, "speech", lambda: _speech_states(app))
    health.add_fact(app, "media_streams", lambda: _media_streams(app))
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
    # The catalogues compiled at start-up into the instance folder (the repository keeps
    # only the .po files).
    from console.catalogues import compile_catalogues
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(
        compile_catalogues(Path(app.instance_path) / "translations")))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from console import bp as console_bp
    from console import init_app as init_console
    from ivr import bp as ivr_bp
    from .open311 import bp as open311_bp

    # Twilio and API clients cannot send a CSRF token: they are authenticated otherwise
    # (request signature, API key).
    csrf.exempt(ivr_bp)
    csrf.exempt(open311_bp)
    app.register_blueprint(ivr_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(console_bp)
    init_console(app)  # the landing page, security headers, login view


def _register_jobs(app: Flask) -> None:
    """Each package names the job handlers it brings (the only place shared/ meets ivr/)."""
    from ivr.recordings import register_jobs as register_recording_jobs
    from ivr.retention import register_jobs as register_retention_jobs
    from .deadlines import register_jobs as register_deadline_jobs
    from .sms import register_jobs as register_sms_jobs
    register_sms_jobs(app)
    register_recording_jobs(app)
    register_retention_jobs(app)
    register_deadline_jobs(app)


def _register_cli(app: Flask) -> None:
    from ivr.cli import cli as ivr_cli
    from ivr.cli import retention_cli
    from ivr.prompt_audio import cli as prompts_cli
    from ivr.speech.cli import cli as speech_cli
    from ivr.speech.cli import write_grammars
    from .cli import add_release_step
    from .cli import register
    register(app)
    app.cli.add_command(retention_cli)
    add_release_step(app, write_grammars)
    administrations.on_change(app, write_grammars)  # the grammars follow an admin's edit
    app.cli.add_command(prompts_cli)
    app.cli.add_command(ivr_cli)
    app.cli.add_command(speech_cli)


def _speech_states(app: Flask) -> dict[str, str]:
    """{language: missing | installed | loaded | broken}, from the disk: nothing is loaded."""
    from ivr.speech.runtime import speech_models
    return {status.language: status.state for status in speech_models(app).status()}


def _media_streams(app: Flask) -> dict[str, int]:
    """The recogniser pool's load and what it turned away (no pool before the first stream)."""
    pool = app.extensions.get("recognition_pool")
    return pool.stats() if pool is not None else {"active_streams": 0}


def _described(status) -> str:
    """e.g. "fr installed", "ary installed (ar's)" (Darija on the Arabic model)."""
    borrowed = status.path is not None and status.path.name != status.language
    return f"{status.language} {status.state}" + (f" ({status.path.name}'s)" if borrowed else "")


def _report_speech_models(app: Flask) -> None:
    """Say which languages have offline speech (no model is ever downloaded or loaded here);
    under SPEECH_INPUT=vosk a language without a model is an error (it uses the keypad)."""
    from ivr.speech.runtime import speech_models
    log = logging.getLogger(__name__)
    mode = app.config["SPEECH_INPUT"]
    statuses = speech_models(app).status()
    log.info("speech input %s; offline models in %s: %s", mode, app.config["SPEECH_MODELS_DIR"],
             ", ".join(map(_described, statuses)))
    if mode == "vosk":
        for status in statuses:
            if status.path is None:
                log.error("SPEECH_INPUT=vosk but %s has no model in %s: %s uses the keypad "
                          "(flask speech install ... --lang %s)", status.language,
                          app.config["SPEECH_MODELS_DIR"], status.language, status.language)


def start_background_work(app: Flask):
    """Start the in-process job workers unless JOB_WORKER says another process runs jobs."""
    if app.config["JOB_WORKER"] != "thread":
        return None
    from .jobs import Worker
    # Several threads: jobs mostly wait on Twilio, and one slow download must not hold
    # every SMS behind it.
    workers = [Worker(app, schedule=True) for _ in range(app.config["JOB_THREADS"])]
    for worker in workers:
        worker.start()
    logging.getLogger(__name__).info("%d in-process job worker threads started", len(workers))
    return workers
