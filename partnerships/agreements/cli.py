from datetime import date

import click

from partnerships.agreements import bp
from partnerships.agreements.expiry import run_daily
from partnerships.audit.cli import sign_checkpoint
from partnerships.core import jobs
from partnerships.core.actor import acting_as
from partnerships.core.commands import office_day, today_option


@bp.cli.command("daily")
@today_option
def daily_command(today) -> None:
    """Expire agreements past their end, e-mail 90/60/30-day expiry notices, then verify the
    audit trail and sign a checkpoint of it (run from cron)."""
    report = expire_and_notify(office_day(today))
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


def expire_and_notify(day: date):
    with acting_as("cli:agreements-daily"):
        return run_daily(day)


@jobs.daily(order=10)
def scheduled(day: date) -> None:
    """The day's expiries and notices, then a checkpoint that covers them."""
    report = expire_and_notify(day)
    signed = sign_checkpoint()
    if report.failed or not signed:
        raise RuntimeError(f"{len(report.failed)} notices failed, checkpoint signed: {signed}")
