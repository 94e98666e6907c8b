import time

import click

from partnerships.core.actor import acting_as
from partnerships.dashboard import bp, facts
from partnerships.extensions import db


@bp.cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute the dashboard's facts and rollups from every commitment and its figures (in
    batches; safe to run again). The signals keep them current otherwise."""
    started = time.perf_counter()
    with acting_as("cli:dashboard-rebuild"):
        written = facts.rebuild()
        db.session.commit()
    click.echo(f"{written} commitment facts in {time.perf_counter() - started:.1f}s")
