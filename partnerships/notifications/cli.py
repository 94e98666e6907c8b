from datetime import date

import click

from partnerships.core import jobs
from partnerships.core.actor import acting_as
from partnerships.core.commands import office_day, today_option
from partnerships.notifications import bp, reminders


@bp.cli.command("remind")
@today_option
def remind_command(today) -> None:
    """E-mail each assignee its overdue follow-ups, at most once per follow-up per day (run
    daily from cron; running it again the same day sends nothing new)."""
    report = run_day(office_day(today))
    click.echo(
        f"{len(report.sent)} reminders sent for {len(report.reminded)} follow-ups, "
        f"{len(report.failed)} failed"
    )
    for who, error in report.failed:
        click.echo(f"  {who}: {error}", err=True)
    if report.failed:
        raise SystemExit(1)


def run_day(day: date) -> reminders.ReminderReport:
    with acting_as("cli:notifications-remind"):
        return reminders.run(day)


@jobs.daily(order=30)
def scheduled(day: date) -> None:
    report = run_day(day)
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} reminders could not be sent")
