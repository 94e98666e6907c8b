import click
from flask_babel import gettext as _

from partnerships.documents import bp, certificates


@bp.cli.command("demo-ca")
def demo_ca_command() -> None:
    """Create a demo CA and a sealing certificate for every office that lacks one (in
    DOCUMENT_CERT_DIR, protected by DOCUMENT_CERT_PASSPHRASE); re-running adds only the
    missing ones. Production installs certificates from a real CA instead."""
    try:
        created = certificates.demo_ca()
    except certificates.NoCertificate as error:
        raise click.ClickException(str(error)) from error
    folder = certificates.cert_dir()
    if not created:
        click.echo(
            _("Every office already has a sealing certificate in %(folder)s.", folder=folder)
        )
        return
    for name in created:
        click.echo(_("Created: %(name)s", name=name))
    click.echo(
        _(
            "Certificates are in %(folder)s; verifiers trust %(ca)s.",
            folder=folder,
            ca=folder / "ca.pem",
        )
    )
