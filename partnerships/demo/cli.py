import click
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from partnerships.core import mail
from partnerships.core.actor import acting_as
from partnerships.core.commands import office_day, today_option
from partnerships.demo import bp, national, services
from partnerships.extensions import db
from partnerships.regions.models import Region
from partnerships.regions.services import import_regions


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


@bp.cli.command("national")
@click.option("--seed", type=int, default=2025, show_default=True, help="Same seed, same rows.")
@click.option(
    "--provinces",
    type=click.IntRange(min=1),
    default=None,
    help="Only this many provinces (a small national-shaped dataset); default: all.",
)
@click.option(
    "--villages",
    type=click.IntRange(min=1, max=50),
    default=national.NATIONAL.villages_per_regency,
    show_default=True,
    help="Village governments per regency or city.",
)
@click.option(
    "--letters",
    type=click.IntRange(min=0),
    default=national.NATIONAL.letters,
    show_default=True,
    help="Progress letters to render and seal.",
)
@today_option
def national_command(seed: int, provinces: int | None, villages: int, letters: int, today) -> None:
    """Generate a national-scale dataset (all regions, the demo, ~330 offices, every
    government, 17,000+ agreements in every state, 1,000,000+ figures, 34,000+ events,
    sealed letters and their audit trail) into this database."""
    if current_app.config["ENV_NAME"] == "production":  # before anything is written
        raise click.ClickException(
            "refused in production: the national dataset adds demo logins (with the published "
            "password) and tens of thousands of sample rows the audit trail keeps forever; run "
            "it with PARTNERSHIPS_ENV=development on a database of its own"
        )
    scale = national.scale_of(provinces, letters=letters, villages_per_regency=villages)
    with acting_as("cli:demo-national"), force_locale("id"), mail.quiet():
        if not db.session.scalar(select(Region.code).limit(1)):
            click.echo("Regions ...")
            import_regions()
            db.session.commit()
        try:
            services.load_demo()
        except services.DemoError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        with click.progressbar(length=national.planned(scale), label="Generating") as bar:
            try:
                counts = national.generate(
                    office_day(today), seed, scale, lambda _what, n: bar.update(n)
                )
            except national.NationalError as error:
                raise click.ClickException(str(error)) from error
    for table, n in sorted(counts.rows.items()):
        click.echo(f"  {table:22} {n:>10,}")
