"""`flask backup` and `flask restore` on the suite's database (SQLite here, PostgreSQL under
DATABASE_URL), with the files outside it: an upload, a document in the store's folder, the
audit checkpoint file. The drill: back up, wipe everything, restore; then the rows per table,
the stored files' hashes and the audit chain with its checkpoints all check out, and the
archive checks offline with `sha256sum -c`. A damaged archive, one of the other database, or
a restore over data is refused before anything is touched."""

import hashlib
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from partnerships.audit.models import AuditCheckpoint
from partnerships.audit.services import acting_as
from partnerships.commitments import letters
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import OFFICE_DAY, ON_POSTGRES
from tests.helpers import forget_demo_letters

SESETAN = "Kelurahan Sesetan"


def snapshot(app) -> dict[str, int]:
    with app.app_context():
        return {
            name: db.session.scalar(select(func.count()).select_from(table))
            for name, table in sorted(db.metadata.tables.items())
        }


def files_under(*folders: Path) -> dict[str, str]:
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def wipe(app) -> None:
    """Everything gone: the database emptied of its tables, the folders and file removed."""
    with app.app_context():
        db.session.remove()
        if ON_POSTGRES:
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            db.engine.dispose()
            Path(db.engine.url.database).unlink()
        db.engine.dispose()
    for folder in (app.config["UPLOAD_DIR"], app.config["DOCUMENT_STORE_DIR"]):
        shutil.rmtree(folder, ignore_errors=True)
    Path(app.config["AUDIT_ANCHOR_FILE"]).unlink()


@pytest.fixture
def installation(app, tmp_path, runner):
    """The demo plus what lives outside the database: a letter in the store's folder, an
    upload, and a signed checkpoint in the checkpoint file."""
    app.config["DOCUMENT_STORE_DIR"] = str(tmp_path / "store")
    forget_demo_letters(app)  # Sesetan's October letter is written again, into the folder
    uploads = Path(app.config["UPLOAD_DIR"])
    (uploads / "agreements").mkdir(parents=True)
    (uploads / "agreements" / "scan.pdf").write_bytes(b"%PDF-1.7 uploaded scan")
    with app.test_request_context(), acting_as("test"):
        partner = db.session.scalar(select(Partner).where(Partner.name == SESETAN))
        letters.issue_letter(partner, letters.parse_period("2026-10"), OFFICE_DAY)
        db.session.commit()
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    assert any((tmp_path / "store").rglob("*"))  # the letter's bytes are in the folder
    return app


def test_back_up_wipe_restore_and_everything_checks_out(installation, runner, tmp_path):
    app = installation
    folders = (Path(app.config["UPLOAD_DIR"]), Path(app.config["DOCUMENT_STORE_DIR"]))
    rows, files = snapshot(app), files_under(*folders)
    anchors = Path(app.config["AUDIT_ANCHOR_FILE"]).read_bytes()
    archive = tmp_path / "backups" / "kemitraan.tar"

    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert f"audit trail to entry {rows['audit_entries']}" in made.output

    # Offline, with stock tools: every file of the archive against its SHA-256.
    unpacked = tmp_path / "offline"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    offline = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"],  # noqa: S607
        cwd=unpacked / "backup",
        capture_output=True,
        text=True,
        check=False,
    )
    assert offline.returncode == 0, offline.stdout + offline.stderr

    wipe(app)
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "restored and checked" in restored.output
    assert snapshot(app) == rows
    assert files_under(*folders) == files
    assert Path(app.config["AUDIT_ANCHOR_FILE"]).read_bytes() == anchors
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) >= 1

    # The restored installation works on: a new entry extends the chain, which verifies.
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    assert snapshot(app)["audit_checkpoints"] == rows["audit_checkpoints"] + 1


def test_a_restore_over_data_is_refused_unless_replacing(installation, runner, tmp_path):
    app = installation
    archive = tmp_path / "kemitraan.tar"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    rows = snapshot(app)
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0
    assert "already holds data" in refused.output and snapshot(app) == rows
    replaced = runner.invoke(args=["restore", "--replace", str(archive)])
    assert replaced.exit_code == 0, replaced.output
    assert snapshot(app) == rows


def damaged(archive: Path, into: Path, change) -> Path:
    """A copy of `archive` with `change(root)` applied to its unpacked files."""
    work = into / "work"
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    change(work / "backup")
    copy = into / "damaged.tar"
    with tarfile.open(copy, "w") as tar:
        tar.add(work / "backup", arcname="backup")
    return copy


def flip_a_byte(root: Path) -> None:
    database = next(p for p in root.iterdir() if p.name.startswith("database."))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))


def slip_in_a_file(root: Path) -> None:
    (root / "files" / "uploads" / "extra.txt").write_text("not in the manifest")


@pytest.mark.parametrize(
    ("change", "message"),
    [(flip_a_byte, "is damaged"), (slip_in_a_file, "does not match its manifest")],
)
def test_a_damaged_archive_is_refused_and_nothing_is_touched(
    installation, runner, tmp_path, change, message
):
    app = installation
    archive = tmp_path / "kemitraan.tar"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    rows = snapshot(app)
    refused = runner.invoke(args=["restore", "--replace", str(damaged(archive, tmp_path, change))])
    assert refused.exit_code != 0 and message in refused.output, refused.output
    assert snapshot(app) == rows


def test_what_is_not_a_backup_is_refused(runner, tmp_path):
    junk = tmp_path / "not-a-backup.tar"
    junk.write_bytes(b"this is no tar archive")
    refused = runner.invoke(args=["restore", str(junk)])
    assert refused.exit_code != 0 and "not a readable backup archive" in refused.output
    foreign = tmp_path / "foreign.tar"
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "readme.txt").write_text("hello")
    with tarfile.open(foreign, "w") as tar:
        tar.add(tmp_path / "backup", arcname="backup")
    refused = runner.invoke(args=["restore", str(foreign)])
    assert refused.exit_code != 0 and "not a backup of this application" in refused.output


def test_the_archive_is_its_owners_alone(installation, runner, tmp_path):
    archive = tmp_path / "kemitraan.tar"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    assert archive.stat().st_mode & 0o777 == 0o600


def test_a_restore_keeps_newer_checkpoints_and_needs_the_store_folder(
    installation, runner, tmp_path
):
    app = installation
    archive = tmp_path / "kemitraan.tar"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    anchors = Path(app.config["AUDIT_ANCHOR_FILE"])
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0  # after the backup
    newer = anchors.read_text().splitlines()

    store = app.config["DOCUMENT_STORE_DIR"]
    app.config["DOCUMENT_STORE_DIR"] = ""  # an installation set up without the folder
    refused = runner.invoke(args=["restore", "--replace", str(archive)])
    assert refused.exit_code != 0 and "DOCUMENT_STORE_DIR" in refused.output
    app.config["DOCUMENT_STORE_DIR"] = store

    # Restored, the trail ends before the newer checkpoint the file still holds: a restore
    # of an older backup is told apart from a trail that was never cut, and says so.
    restored = runner.invoke(args=["restore", "--replace", str(archive)])
    assert restored.exit_code == 1
    assert "the audit trail does not verify" in restored.output
    assert anchors.read_text().splitlines() == newer  # nothing taken away, nothing doubled
