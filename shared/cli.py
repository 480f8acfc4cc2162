"""`flask` commands: schema, reference data, demo data, API keys, users, jobs."""
import datetime as dt
import time
from typing import Callable

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from . import administrations
from .agent_phones import agent_client
from . import apikeys
from . import demo
from . import migrate
from . import users
from .errors import DomainError
from .extensions import db
from .models import Administration
from .models import utcnow
from .types import Channel
from .types import Role

db_cli = AppGroup("db", help="Database schema (Alembic).")
data_cli = AppGroup("data", help="Reference and demo data.")
keys_cli = AppGroup("apikeys", help="Open311 API keys.")
users_cli = AppGroup("users", help="Console users.")
jobs_cli = AppGroup("jobs", help="Background jobs.")


@db_cli.command("upgrade")
def db_upgrade():
    """Apply the schema migrations."""
    migrate.upgrade()
    click.echo("schema up to date")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """Write a migration from the models (developers)."""
    migrate.revision(message)


@data_cli.command("load-administrations")
def load_administrations():
    """Load or refresh the administrations (idempotent)."""
    counts = administrations.load(db.session)
    db.session.commit()
    total = db.session.query(Administration).filter_by(active=True).count()
    click.echo(f"administrations: {total} active ({counts})")


@data_cli.command("demo")
def load_demo():
    """Add demo users and cases in every status (development only)."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("demo data is refused in production")
    for line in demo.load(db.session):
        click.echo(line)
    db.session.commit()


def add_release_step(app: Flask, step: Callable[[], object]) -> None:
    """A package's own step of `release`, run after the administrations are loaded (e.g. the
    IVR's speech grammars, made from them)."""
    app.extensions.setdefault("release_steps", []).append(step)


def release():
    """What the Procfile's release step runs: migrations, reference data, then the steps
    the packages added (the speech grammars of the administrations)."""
    migrate.upgrade()
    administrations.load(db.session)
    db.session.commit()
    for step in current_app.extensions.get("release_steps", []):
        step()


@click.command("release")
@with_appcontext
def release_command():
    """Migrations + administrations + grammars: idempotent, run before each deployment."""
    release()
    click.echo("release done")


@keys_cli.command("create")
@click.argument("name")
@click.option("--channel", type=click.Choice([c.value for c in apikeys.KEY_CHANNELS]),
              default="api", help="The channel the key's requests are filed under.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(apikeys.SCOPES),
              help="What the key may do (repeat for several; default: file and read_own).")
@click.option("--expires-days", type=click.IntRange(min=1), default=None,
              help="The key stops working after this many days (default: never).")
def create_api_key(name, channel, scopes, expires_days):
    """Create an API key; it is printed once and only its hash is kept."""
    expires_at = utcnow() + dt.timedelta(days=expires_days) if expires_days else None
    try:
        _key, raw = apikeys.create(db.session, name, Channel(channel),
                                   scopes or apikeys.DEFAULT_SCOPES, expires_at)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(raw)


@keys_cli.command("revoke")
@click.argument("name")
def revoke_api_key(name):
    """Revoke an API key by name."""
    try:
        apikeys.revoke(db.session, name)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"revoked {name}")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="agent")
@click.option("--name", "display_name", default=None)
@click.option("--administration", "administration_code", default=None)
@click.option("--email", default=None, help="Where deadline alerts are mailed.")
@click.password_option()
def create_user(username, role, display_name, administration_code, email, password):
    """Create a console user."""
    admin = administrations.by_code(db.session, administration_code) \
        if administration_code else None
    try:
        user = users.create(db.session, username, display_name, Role(role), admin, password,
                            strict=False)
    except users.UserRefused as error:
        raise click.ClickException("an officer needs --administration CODE"
                                   if error.reason == "officer_needs_administration"
                                   else error.message) from None
    user.email = email
    db.session.commit()
    click.echo(f"user {username} ({role}) created")
    if user.role is Role.AGENT:
        click.echo(f"its calls ring the Twilio Client identity {agent_client(user.id)}")


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Run the due jobs, then stop.")
def work(once):
    """Run background jobs (the Procfile's optional worker process)."""
    from .jobs import run_pending
    from .schedule import ticker
    app = current_app._get_current_object()
    while True:
        ticker(app).tick()  # the recurring jobs due (deadlines, retention)
        ran = run_pending(app)
        if once:
            click.echo(f"{ran} jobs run")
            return
        if not ran:
            time.sleep(1)


@jobs_cli.command("failed")
def list_failed():
    """List the jobs given up, newest first (personal data masked)."""
    from .jobs import failed
    from .logs import mask_personal_data
    items = failed(db.session)
    for item in items:
        finished = item.finished_at.strftime("%Y-%m-%d %H:%M") if item.finished_at else "-"
        args = ", ".join(f"{name}={value}" for name, value in sorted((item.args or {}).items()))
        click.echo(mask_personal_data(
            f"#{item.id} {item.name}({args}) failed {finished} after {item.attempts} "
            f"attempts: {item.last_error or '-'}"))
    click.echo(f"{len(items)} failed jobs")


@jobs_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every failed job.")
def retry_failed(ids, every):
    """Run failed jobs again (by id, or --all), with fresh attempts."""
    from .jobs import retry
    if bool(ids) == every:
        raise click.UsageError("give job ids or --all (not both)")
    items = retry(db.session, None if every else list(ids))
    db.session.commit()
    missing = sorted(set(ids) - {item.id for item in items})
    if missing:
        click.echo("not failed jobs, left alone: " + ", ".join(f"#{i}" for i in missing))
    click.echo(f"{len(items)} jobs due again")
    if missing:
        raise click.exceptions.Exit(1)


def register(app: Flask) -> None:
    from .ops_cli import audit_cli
    from .ops_cli import deadlines_cli
    for group in (db_cli, data_cli, keys_cli, users_cli, jobs_cli, deadlines_cli, audit_cli):
        app.cli.add_command(group)
    app.cli.add_command(release_command)
