import click
from flask_babel import force_locale

from partnerships.auth import bp, services
from partnerships.core.actor import acting_as
from partnerships.core.roles import Role
from partnerships.extensions import db


@bp.cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create the first administrator (or another one)."""
    with acting_as("cli:create-admin"), force_locale("en"):
        try:
            user = services.create_user(email=email, name=name, role=Role.ADMIN, password=password)
        except services.AccountError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
    click.echo(f"Administrator {user.email} created.")
