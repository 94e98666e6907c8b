from datetime import date

import click

from partnerships.core.actor import acting_as
from partnerships.core.formatting import office_today
from partnerships.notifications import bp, reminders


@bp.cli.command("remind")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this day (YYYY-MM-DD); default: today at the office.",
)
def remind_command(today) -> None:
    """E-mail each assignee its overdue follow-ups, at most once per follow-up per day (run
    daily from cron; running it again the same day sends nothing new)."""
    day: date = today.date() if today else office_today()
    with acting_as("cli:notifications-remind"):
        report = reminders.run(day)
    click.echo(
        f"{len(report.sent)} reminders sent for {len(report.reminded)} follow-ups, "
        f"{len(report.failed)} failed"
    )
    for who, error in report.failed:
        click.echo(f"  {who}: {error}", err=True)
    if report.failed:
        raise SystemExit(1)
