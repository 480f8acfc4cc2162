"""The `flask` commands operators use."""
import datetime as dt

import pytest
from sqlalchemy import select

from shared.apikeys import hash_key
from shared.models import ApiKey
from shared.models import User


@pytest.fixture()
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=list(args), input=input)
    return invoke


def test_release_is_idempotent(run):
    for _ in range(2):
        result = run("release")
        assert result.exit_code == 0 and "release done" in result.output


def test_reloading_the_administrations_says_how_many(run):
    result = run("data", "load-administrations")
    assert result.exit_code == 0 and "active" in result.output


def test_an_api_key_is_printed_once_and_only_its_hash_is_kept(run, session):
    result = run("apikeys", "create", "portail-web", "--channel", "web")
    key = result.output.strip()
    assert result.exit_code == 0 and len(key) >= 40
    stored = session.scalar(select(ApiKey).where(ApiKey.name == "portail-web"))
    assert stored.key_hash == hash_key(key) and key not in stored.key_hash
    assert stored.scopes == {"file", "read_own"} and stored.expires_at is None
    assert run("apikeys", "create", "portail-web").exit_code != 0
    assert run("apikeys", "revoke", "portail-web").exit_code == 0
    session.expire_all()
    assert stored.revoked_at is not None
    assert run("apikeys", "revoke", "nobody").exit_code != 0


def test_an_api_key_gets_the_scopes_and_expiry_asked_for(run, session):
    result = run("apikeys", "create", "observatoire", "--scope", "read_all",
                 "--scope", "read_own", "--expires-days", "30")
    assert result.exit_code == 0, result.output
    stored = session.scalar(select(ApiKey).where(ApiKey.name == "observatoire"))
    assert stored.scope == "read_own read_all" and stored.channel.value == "api"
    left = stored.expires_at - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(days=29) < left <= dt.timedelta(days=30)
    for bad in (["--scope", "admin"], ["--expires-days", "0"], ["--channel", "phone_ivr"]):
        assert run("apikeys", "create", "other", *bad).exit_code != 0
    assert session.scalar(select(ApiKey).where(ApiKey.name == "other")) is None


def test_users_are_created_with_a_hashed_password(run, session):
    result = run("users", "create", "salma", "--role", "agent", input="s3cret!\ns3cret!\n")
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "salma"))
    assert user.check_password("s3cret!") and user.password_hash != "s3cret!"


def test_an_officer_needs_an_administration(run):
    result = run("users", "create", "officer", "--role", "officer", input="pw\npw\n")
    assert result.exit_code != 0 and "--administration" in result.output


def test_demo_data_is_refused_in_production(run, config):
    config(APP_ENV="production")
    result = run("data", "demo")
    assert result.exit_code != 0 and "production" in result.output


def test_the_worker_command_runs_due_jobs_once(run):
    result = run("jobs", "work", "--once")
    assert result.exit_code == 0 and "jobs run" in result.output


def test_failed_jobs_are_listed_masked_and_can_be_run_again(run, session):
    from shared.jobs import enqueue
    from shared.models import Job
    from shared.references import new_reference
    from shared.types import JobState
    references = [new_reference() for _ in range(3)]
    failed = [enqueue(session, "send_filed_sms", reference=ref) for ref in references[:2]]
    pending = enqueue(session, "send_filed_sms", reference=references[2])
    for item in failed:
        item.state, item.attempts = JobState.FAILED, 1
        item.last_error = "Twilio answered 400 (code 21211): The 'To' number +212612345678 ..."
    session.commit()
    listed = run("jobs", "failed")
    assert listed.exit_code == 0 and "2 failed jobs" in listed.output
    assert "code 21211" in listed.output and "612345678" not in listed.output
    assert f"#{failed[0].id} send_filed_sms(reference={references[0]})" in listed.output

    assert run("jobs", "retry").exit_code != 0  # ids or --all
    again = run("jobs", "retry", str(failed[0].id))
    assert again.exit_code == 0 and "1 jobs due again" in again.output
    refused = run("jobs", "retry", str(pending.id))
    assert refused.exit_code == 1 and f"#{pending.id}" in refused.output
    assert run("jobs", "retry", "--all").exit_code == 0
    session.expire_all()
    states = {item.id: item.state for item in session.scalars(select(Job))}
    assert set(states.values()) == {JobState.PENDING}
    assert "0 failed jobs" in run("jobs", "failed").output
