"""What the daily commands share: the day they run for, the office's today unless given."""

from datetime import date, datetime

import click

from partnerships.core.formatting import office_today

today_option = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this day (YYYY-MM-DD); default: today at the office.",
)


def office_day(today: datetime | None) -> date:
    """The --today given, or the calendar day at the office now."""
    return today.date() if today else office_today()
