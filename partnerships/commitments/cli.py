from datetime import date

import click

from partnerships.commitments import bp, services
from partnerships.core.actor import acting_as
from partnerships.core.formatting import office_today
from partnerships.extensions import db


@bp.cli.command("daily")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this day (YYYY-MM-DD); default: today at the office.",
)
def daily_command(today) -> None:
    """Bring every commitment's status up to the day: a target lapses at midnight with nobody
    touching it (run from cron after `agreements daily`)."""
    day: date = today.date() if today else office_today()
    with acting_as("cli:commitments-daily"):
        changed = services.refresh_all(day)
        db.session.commit()
    click.echo(f"{changed} commitment statuses changed")
