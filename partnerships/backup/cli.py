from pathlib import Path

import click

from partnerships.backup import bp, services


@bp.cli.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(archive: Path) -> None:
    """Write the database, uploads, stored documents and audit checkpoints to ARCHIVE (.tar),
    with the SHA-256 of every file (`tar xf ARCHIVE; cd backup; sha256sum -c MANIFEST.sha256`)."""
    try:
        description = services.backup(archive)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(description["rows"].values())
    click.echo(
        f"{archive}: {description['database']}, {rows} rows in {len(description['rows'])} "
        f"tables, audit trail to entry {description['audit']['head_seq']}"
    )


@bp.cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a database that already holds data.")
def restore_command(archive: Path, replace: bool) -> None:
    """Restore ARCHIVE (from `flask backup`) and check it: rows per table, stored files'
    hashes and the audit trail against its checkpoints. Exits non-zero on any difference."""
    try:
        found = services.restore(archive, replace=replace)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from error
    for problem in found.problems:
        click.echo(problem, err=True)
    if not found.ok:
        raise SystemExit(1)
    click.echo(
        f"restored and checked: {found.rows} rows, {found.files} stored files, "
        f"{found.audit_entries} audit entries verified"
    )
