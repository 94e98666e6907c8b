import time
from pathlib import Path

import click

from partnerships.core.actor import acting_as
from partnerships.extensions import db
from partnerships.regions import boundaries, bp, services
from partnerships.regions.signals import regions_imported


@bp.cli.command("import")
@click.option(
    "--wilayah",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=services.WILAYAH_CSV,
    show_default=True,
)
@click.option(
    "--penduduk",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=services.PENDUDUK_CSV,
    show_default=True,
)
def import_command(wilayah: Path, penduduk: Path) -> None:
    """Load (or refresh) the Kemendagri regions; all or nothing."""
    started = time.perf_counter()
    with acting_as("cli:regions-import"):
        try:
            result = services.import_regions(wilayah, penduduk)
        except services.ImportProblem as problem:
            db.session.rollback()
            raise click.ClickException(f"nothing was imported:\n{problem}") from problem
        regions_imported.send(result, file=wilayah.name)  # the audit trail records it
        db.session.commit()
    click.echo(
        f"{result.total} regions ({result.inserted} new, {result.updated} refreshed, "
        f"{result.with_population} with population) in {time.perf_counter() - started:.1f}s"
    )


@bp.cli.command("simplify-boundaries")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--target",
    type=click.Path(dir_okay=False, path_type=Path),
    default=boundaries.BOUNDARIES,
    show_default=True,
)
def simplify_boundaries_command(source: Path, target: Path) -> None:
    """Simplify the regency and city boundaries (kabkota.geojson) for the maps, once."""
    count = boundaries.simplify(source, target)
    click.echo(
        f"{count} regencies and cities written to {target} ({target.stat().st_size:,} bytes)"
    )
