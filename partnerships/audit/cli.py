import click
from flask_babel import gettext as _

from partnerships.audit import bp, services
from partnerships.core.formatting import long_datetime, number
from partnerships.extensions import db


@bp.cli.command("verify")
def verify_command() -> None:
    """Recompute the audit chain and hold it against the signed checkpoints; exit 1 and say
    what is wrong if it was tampered with."""
    result = services.verify()
    for line in result.summary():
        click.echo(line, err=not result.ok)
    if not result.ok:
        raise SystemExit(1)


def sign_checkpoint() -> bool:
    """Verify, sign a checkpoint and commit it, and say so; False if the trail does not
    verify (nothing is signed then). The daily job calls it too."""
    result, anchor = services.checkpoint()
    if anchor is None:
        db.session.rollback()
        for line in result.summary():
            click.echo(line, err=True)
        click.echo(_("No checkpoint signed: the audit trail does not verify."), err=True)
        return False
    db.session.commit()
    click.echo(
        _(
            "Checkpoint signed: entry %(seq)s, %(count)s entries, %(time)s.",
            seq=number(anchor.seq),
            count=number(anchor.count),
            time=long_datetime(anchor.signed_at),
        )
    )
    return True


@bp.cli.command("checkpoint")
def checkpoint_command() -> None:
    """Verify the audit chain and sign a checkpoint of its head, to the table and the
    checkpoint file (run from cron; `flask agreements daily` runs it too)."""
    if not sign_checkpoint():
        raise SystemExit(1)
