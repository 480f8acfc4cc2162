"""Users made by the contract's command, and `make run`'s demo users, can log in."""
from sqlalchemy import select

from shared import demo
from shared.extensions import db
from shared.models import User
from tests.console.conftest import login


def test_the_contracts_command_makes_a_user_who_logs_in(app, client):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "karim", "--role", "supervisor", "--password", "s3cret-3737"])
    assert result.exit_code == 0, result.output
    assert login(client, "karim", "s3cret-3737").headers["Location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_an_agents_creation_names_the_twilio_client_identity_its_calls_ring(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "salma", "--role", "agent", "--password", "s3cret-3737"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "salma"))
    assert f"Twilio Client identity agent-{user_id}\n" in result.output


def test_an_officer_needs_an_administration(app):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "create", "o", "--role", "officer",
                                  "--password", "pw"])
    assert refused.exit_code != 0 and "--administration" in refused.output
    made = runner.invoke(args=["users", "create", "o", "--role", "officer", "--password", "pw",
                               "--administration", "201"])
    assert made.exit_code == 0, made.output


def test_demo_users_log_in(app, client):
    with app.app_context():
        lines = demo.load(db.session)
        db.session.commit()
        db.session.remove()
    assert any(demo.DEMO_PASSWORD in line for line in lines)
    assert login(client, "agent", demo.DEMO_PASSWORD).status_code == 302
    assert client.get("/console/").status_code == 200
