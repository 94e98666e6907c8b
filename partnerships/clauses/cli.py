import click

from partnerships.clauses import bp, services
from partnerships.core.actor import acting_as
from partnerships.extensions import db


@bp.cli.command("load-defaults")
def load_defaults_command() -> None:
    """Load the standard MoU, PKS, addendum and renewal sets (for kinds that have none yet)."""
    with acting_as("cli:clauses-load-defaults"):
        added = services.load_defaults()
        db.session.commit()
    click.echo(f"{added} clauses added.")
