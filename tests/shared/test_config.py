"""Configuration from the environment, and the refusal to run production unsafely."""
from pathlib import Path

import pytest

from shared.app import create_app
from shared.config import ConfigError
from shared.config import load_config

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "s" * 32, "TWILIO_AUTH_TOKEN": "t",
              "PUBLIC_BASE_URL": "https://3737.example.ma/", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
              "DATABASE_URL": "postgres://u@h/db"}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL",
                                     "DATABASE_URL", "TWILIO_ACCOUNT_SID"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        create_app(environ={**environ, "INSTANCE_PATH": str(tmp_path)})


def test_production_configuration_is_taken_from_the_environment(tmp_path):
    config = load_config(tmp_path, {**PRODUCTION, "QUEUE_MAX_SIZE": "7"})
    assert config["PUBLIC_BASE_URL"] == "https://3737.example.ma"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["QUEUE_MAX_SIZE"] == 7 and config["SECRET_KEY"] == "s" * 32


def test_development_defaults_are_safe(tmp_path):
    config = load_config(tmp_path, {})
    assert config["APP_ENV"] == "development"
    assert len(config["SECRET_KEY"]) == 64 and config["TWILIO_AUTH_TOKEN"] == ""
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{Path(tmp_path) / 'allo3737.db'}"


def test_a_malformed_number_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="QUEUE_MAX_SIZE"):
        load_config(tmp_path, {"QUEUE_MAX_SIZE": "lots"})


@pytest.mark.parametrize("value", ["high", "1.5", "-0.1"])
def test_a_confidence_outside_0_to_1_is_a_clear_error(tmp_path, value):
    with pytest.raises(ConfigError, match="SPEECH_MIN_CONFIDENCE"):
        load_config(tmp_path, {"SPEECH_MIN_CONFIDENCE": value})
    assert load_config(tmp_path, {"SPEECH_MIN_CONFIDENCE": "0.8"})["SPEECH_MIN_CONFIDENCE"] \
        == 0.8


def test_the_health_check_answers(client):
    assert client.get("/healthz").get_json()["status"] == "ok"


@pytest.mark.parametrize("environ", [{"OPENING_HOURS": "lundi 8h-16h"},
                                     {"TIMEZONE": "Mars/Olympus"}])
def test_unreadable_opening_hours_refuse_to_start(tmp_path, environ):
    with pytest.raises(ConfigError, match="OPENING_HOURS"):
        load_config(tmp_path, environ)


def test_the_pool_has_a_connection_for_every_thread_that_uses_it(tmp_path):
    app = create_app(environ={**PRODUCTION, "INSTANCE_PATH": str(tmp_path),
                              "WEB_THREADS": "20", "JOB_THREADS": "3"})
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 20 + 3 + 1
    assert options["pool_timeout"] == 3 and options["hide_parameters"] is True
    assert load_config(tmp_path, {"WEB_THREADS": "20", "JOB_WORKER": "none"})[
        "DB_POOL_SIZE"] == 20 + 1
    assert load_config(tmp_path, {"WEB_THREADS": "32", "DB_POOL_SIZE": "50"})[
        "DB_POOL_SIZE"] == 50


def test_a_pool_smaller_than_its_threads_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DB_POOL_SIZE"):
        load_config(tmp_path, {"WEB_THREADS": "32", "JOB_THREADS": "4", "DB_POOL_SIZE": "10"})


def test_database_waits_are_bounded_and_configurable(tmp_path):
    config = load_config(tmp_path, {"DB_LOCK_TIMEOUT": "1.5", "DB_STATEMENT_TIMEOUT": "4"})
    assert (config["DB_LOCK_TIMEOUT"], config["DB_STATEMENT_TIMEOUT"]) == (1.5, 4)
    defaults = load_config(tmp_path, {})
    waits = ("DB_LOCK_TIMEOUT", "DB_STATEMENT_TIMEOUT", "DB_CONNECT_TIMEOUT", "DB_POOL_TIMEOUT")
    # Twilio gives a webhook 15 s in all; a webhook may meet a few of these in a row.
    assert all(0 < defaults[name] <= 5 for name in waits)


@pytest.mark.parametrize("value", ["soon", "0", "-1"])
def test_a_wait_must_be_a_positive_number_of_seconds(tmp_path, value):
    with pytest.raises(ConfigError, match="DB_LOCK_TIMEOUT"):
        load_config(tmp_path, {"DB_LOCK_TIMEOUT": value})
