from datetime import date

import click

from partnerships.agreements import bp
from partnerships.agreements.expiry import run_daily
from partnerships.audit.cli import sign_checkpoint
from partnerships.core.actor import acting_as
from partnerships.core.formatting import office_today


@bp.cli.command("daily")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this day (YYYY-MM-DD); default: today at the office.",
)
def daily_command(today) -> None:
    """Expire agreements past their end, e-mail 90/60/30-day expiry notices, then verify the
    audit trail and sign a checkpoint of it (run from cron)."""
    day: date = today.date() if today else office_today()
    with acting_as("cli:agreements-daily"):
        report = run_daily(day)
    click.echo(
        f"{len(report.expired)} expired, {len(report.notified)} notices sent, "
        f"{len(report.failed)} failed"
    )
    for agreement_id, error in report.failed:
        click.echo(f"  agreement {agreement_id}: {error}", err=True)
    # After the day's changes, so that the checkpoint covers them; even if some mail failed.
    signed = sign_checkpoint()
    if report.failed or not signed:
        raise SystemExit(1)
