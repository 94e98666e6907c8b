import click

from partnerships.audit import bp, services


@bp.cli.command("verify")
def verify_command() -> None:
    """Recompute the audit chain; exit 1 and name the first broken entry if it was tampered with."""
    result = services.verify()
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} entries verified")
        return
    click.echo(
        f"audit chain BROKEN at entry {result.broken_seq}: {result.reason} "
        f"({result.checked} entries before it verified)",
        err=True,
    )
    raise SystemExit(1)
