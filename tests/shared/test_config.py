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


def test_the_health_check_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize("environ", [{"OPENING_HOURS": "lundi 8h-16h"},
                                     {"TIMEZONE": "Mars/Olympus"}])
def test_unreadable_opening_hours_refuse_to_start(tmp_path, environ):
    with pytest.raises(ConfigError, match="OPENING_HOURS"):
        load_config(tmp_path, environ)
