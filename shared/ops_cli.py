"""`flask deadlines run` and `flask audit verify`."""
import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db

deadlines_cli = AppGroup("deadlines", help="Alerts of cases near or past their legal dates.")
audit_cli = AppGroup("audit", help="The hash-chained access and change log.")


@deadlines_cli.command("run")
def run_deadlines():
    """Alert now the cases that reached a threshold (as the recurring job does)."""
    from .deadlines import check
    for threshold, count in check(db.session, current_app.config).items():
        click.echo(f"{threshold}: {count} new alerts")


@audit_cli.command("verify")
def verify_log():
    """Walk the access log's hash chain; exit 1 at the first row that breaks it."""
    from .access_log import head
    from .access_log import verify
    checked, broken = verify(db.session)
    if broken is not None:
        where = f"row seq {broken.seq}" + (f" (id {broken.row_id})" if broken.row_id else "")
        click.echo(f"BROKEN at {where}: {broken.reason}; {checked} rows before it are intact",
                   err=True)
        raise click.exceptions.Exit(1)
    seq, digest = head(db.session)
    click.echo(f"chain intact: {checked} rows; last seq {seq}, hash {digest} "
               "(note it elsewhere: rows cut off the end are found against it)")
