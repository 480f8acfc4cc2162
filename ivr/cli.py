"""`flask ivr call`: walk the 3737 line from a terminal (see ivr/simulator.py)."""
import secrets
import shutil
import subprocess
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from .prompts import catalogue
from .simulator import PROMPT_PATH
from .simulator import Caller
from .simulator import FlaskTransport
from .simulator import HttpTransport

cli = AppGroup("ivr", help="The voice line.")
EVENTS = {"Record": "beep: recording", "Enqueue": "queued for an agent",
          "Hangup": "the line hangs up"}


def show(turn, play: bool) -> None:
    """Print (and play) what the caller hears and what the line does, in order."""
    prompts = catalogue()
    for element in turn.root.iter() if turn.root is not None else []:
        if element.tag == "Play" and element.text:
            match = PROMPT_PATH.search(urlsplit(element.text.strip()).path)
            if match:
                language, key = match["language"], match["key"]
                click.echo(f"  [{language}] {prompts.text(key, language)}")
                path = prompts.audio_path(key, language)
                if play and path and shutil.which("play"):
                    subprocess.run(["play", "-q", str(path)], check=False)
        elif element.tag == "Say":
            click.echo(f"  [{element.get('language')}] {element.text}")
        elif element.tag in EVENTS:
            click.echo(f"  ({EVENTS[element.tag]})")


@cli.command("call")
@click.option("--url", default=None, help="A running server; default: this app in-process.")
@click.option("--from", "caller", default="+212612345678", show_default=True)
@click.option("--play", is_flag=True, help="Play the prompts' audio (needs sox's `play`).")
def call(url, caller, play):
    """Call the line: type keys at each prompt, Enter alone for silence, q to hang up."""
    config = current_app.config
    if not url and not config["TWILIO_AUTH_TOKEN"]:
        # In-process, this command plays Twilio: a token of its own lets it sign requests.
        config["TWILIO_AUTH_TOKEN"] = secrets.token_hex(16)
    transport = HttpTransport(url) if url else FlaskTransport(current_app.test_client())
    phone = Caller(transport, config["PUBLIC_BASE_URL"], config["TWILIO_AUTH_TOKEN"],
                   caller=caller)
    turn = phone.dial()
    while True:
        if turn.status != 200:
            raise click.ClickException(f"the server answered {turn.status}: {turn.xml[:200]}")
        show(turn, play)
        if turn.find("Hangup") is not None:
            break
        if turn.find("Enqueue") is not None:
            result = click.prompt("queue result (bridged, leave, queue-full)", default="bridged")
            turn = phone.queue_result(result)
            continue
        if turn.find("Record") is not None:
            answer = click.prompt("Enter to speak, 'silence', or q", default="",
                                  show_default=False)
            if answer == "q":
                break
            turn = phone.silence() if answer == "silence" else phone.record()
            continue
        answer = click.prompt("keys (Enter: silence, 's:words' to speak, q: hang up)",
                              default="", show_default=False)
        if answer == "q":
            break
        if answer.startswith("s:"):
            turn = phone.speak(answer[2:])
        else:
            turn = phone.press(answer.rstrip("#")) if answer else phone.silence()
    phone.hang_up()
    click.echo("call ended")


retention_cli = AppGroup("retention", help="Limited retention of personal data (law 09-08).")


def _apply_retention():
    from shared.extensions import db
    from .retention import purge
    done = purge(db.session, current_app.config)
    db.session.commit()
    for what, count in done.items():
        click.echo(f"{what}: {count}")


@retention_cli.command("run")
def run_retention():
    """Apply the retention periods now: recordings and transcripts deleted, calls
    anonymised, closed cases pseudonymised... (see ivr/retention.py); says what it did."""
    _apply_retention()


@cli.command("purge-recordings")
def purge_recordings():
    """The same as `flask retention run` (its former name)."""
    _apply_retention()


@cli.command("setup-twilio")
@click.option("--number", required=True, help="The line's number, E.164 (e.g. +212537373737).")
def setup_twilio(number):
    """Configure the Twilio number's webhooks and the agents' queue (idempotent)."""
    from .provisioning import configure_number
    from .provisioning import configure_queue
    if not current_app.config["PUBLIC_BASE_URL"].startswith("https://"):
        click.echo("warning: PUBLIC_BASE_URL is not https: Twilio needs a public HTTPS address",
                   err=True)
    try:
        click.echo(configure_number(number))
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(configure_queue())
