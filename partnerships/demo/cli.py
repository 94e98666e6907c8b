import click
from flask_babel import force_locale

from partnerships.core import mail
from partnerships.core.actor import acting_as
from partnerships.demo import bp, services
from partnerships.extensions import db


@bp.cli.command("load")
def load_command() -> None:
    """Load the seed stories' offices, partners, officials and demo users."""
    with acting_as("cli:demo-load"), force_locale("en"), mail.quiet():
        try:
            loaded = services.load_demo()
        except services.DemoError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
    click.echo("Demo loaded." if loaded else "Demo already loaded; nothing changed.")
    click.echo(f"Demo logins (password: {services.DEMO_PASSWORD}):")
    for email, _name, role, office, partner in services.USERS:
        click.echo(f"  {email:34} {role:8} {office or partner or 'national'}")
