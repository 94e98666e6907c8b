from datetime import date

import click

from partnerships.commitments import bp, services
from partnerships.core import jobs
from partnerships.core.actor import acting_as
from partnerships.core.commands import office_day, today_option
from partnerships.extensions import db


@bp.cli.command("daily")
@today_option
def daily_command(today) -> None:
    """Bring every commitment's status up to the day: a target lapses at midnight with nobody
    touching it (run from cron after `agreements daily`)."""
    changed = run_day(office_day(today))
    click.echo(f"{changed} commitment statuses changed")


@jobs.daily(order=20)  # after the agreements' day: an expired agreement's targets follow it
def run_day(day: date) -> int:
    """Every commitment's status brought up to `day`; how many changed."""
    with acting_as("cli:commitments-daily"):
        changed = services.refresh_all(day)
        db.session.commit()
    return changed
