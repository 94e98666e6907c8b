"""Backup and restore of a whole installation: the database (SQLite's online backup API, or
pg_dump's custom format for PostgreSQL), the files outside it (uploads, the document store's
folder when DOCUMENT_STORE_DIR is set, the audit checkpoint file) and a manifest: the SHA-256
of every file in the archive (`MANIFEST.sha256`, `sha256sum -c` reads it) and what the
database held (rows per table, the audit trail's head) in `backup.json`.

A restore checks every hash before it touches anything, refuses a database that already holds
data unless told to replace it, and afterwards checks the result against the manifest: the
same rows per table, every stored file under its own hash, and an audit trail that verifies
against its signed checkpoints.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from partnerships.audit import services as audit
from partnerships.audit.anchors import anchor_file
from partnerships.core import uploads
from partnerships.core.errors import DomainError
from partnerships.core.models import utcnow
from partnerships.documents import store
from partnerships.documents.models import Blob
from partnerships.extensions import db

FORMAT = 1
MANIFEST = "MANIFEST.sha256"
DESCRIPTION = "backup.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(DomainError):
    """The archive cannot be made or restored; the message says why."""


@dataclass
class Check:
    """What a restore found, held against the manifest."""

    problems: list[str] = field(default_factory=list)
    rows: int = 0
    files: int = 0
    audit_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


# ---- the places -------------------------------------------------------------------------


def _folders() -> dict[str, Path]:
    """The folders a backup carries, by their name in the archive (files/<name>/...)."""
    found = {"uploads": Path(current_app.config["UPLOAD_DIR"])}
    if current_app.config.get("DOCUMENT_STORE_DIR"):
        found["store"] = Path(current_app.config["DOCUMENT_STORE_DIR"])
    return found


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _libpq() -> tuple[str, dict[str, str]]:
    """DATABASE_URL as pg_dump and pg_restore take it (no SQLAlchemy driver name), and their
    environment: the password goes in PGPASSWORD, never on a command line others can read."""
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sqlite_path() -> Path:
    return Path(db.engine.url.database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _describe(connection) -> dict:
    """What a copy of the database holds, read through `connection` (on the copy itself, or
    in the snapshot pg_dump copies): rows per table and the audit trail's head."""
    existing = set(inspect(connection).get_table_names())
    rows = {
        name: connection.scalar(select(func.count()).select_from(table))
        for name, table in sorted(db.metadata.tables.items())
        if name in existing
    }
    head = connection.execute(
        text("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
    ).first()
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {
        "format": FORMAT,
        "made_at": utcnow().isoformat(),
        "revision": revision,
        "database": connection.dialect.name,
        "rows": rows,
        "audit": {"head_seq": head[0] if head else 0, "head_hash": head[1] if head else None},
    }


# ---- backup -----------------------------------------------------------------------------


def backup(target: Path) -> dict:
    """Write the installation's archive to `target` (a .tar file, written whole or not at
    all) while the installation keeps running; returns its description."""
    db.session.remove()  # this process holds no transaction while the copy is taken
    with tempfile.TemporaryDirectory(prefix="backup-") as work:
        root = Path(work) / "backup"
        root.mkdir()
        if _is_postgres():
            description = _pg_dump(root / PG_FILE)
        else:
            description = _sqlite_copy(root / SQLITE_FILE)
        # The files after the database: a document row copied has its file by now (the file
        # is written before its row is committed); a newer file without a row is harmless.
        for name, folder in _folders().items():
            if folder.is_dir():
                shutil.copytree(folder, root / "files" / name, ignore=_incoming)
        anchors = anchor_file()
        if anchors is not None and anchors.exists():
            shutil.copy2(anchors, root / "audit-anchors.jsonl")
        (root / DESCRIPTION).write_text(json.dumps(description, indent=2, sort_keys=True))
        files = sorted(p for p in root.rglob("*") if p.is_file())
        (root / MANIFEST).write_text(
            "".join(f"{_sha256(p)}  {p.relative_to(root).as_posix()}\n" for p in files)
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        # readable by its owner alone: it holds password hashes and attendance lists
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w") as tar:
            tar.add(root, arcname="backup")
        os.replace(partial, target)
    return description


def _incoming(_folder: str, names: list[str]) -> list[str]:
    """A store file still being written (its temporary name) is not part of the backup."""
    return [name for name in names if name.startswith(".incoming-")]


def _sqlite_copy(target: Path) -> dict:
    """SQLite's online backup: a consistent copy while others keep reading and writing;
    described from the copy itself."""
    raw = db.engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(destination)
        finally:
            destination.close()
    finally:
        raw.close()
    copy = create_engine(f"sqlite:///{target}")
    try:
        with copy.connect() as connection:
            return _describe(connection)
    finally:
        copy.dispose()


def _pg_dump(target: Path) -> dict:
    """pg_dump of a snapshot this transaction exports and describes: the dump and its
    description see the same rows, however busy the database is meanwhile."""
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            description = _describe(connection)
            url, env = _libpq()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    url,
                ],
                env,
            )
    return description


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed programs, our own arguments
            command, capture_output=True, text=True, check=False, env=env
        )
    except FileNotFoundError as missing:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)") from missing
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


# ---- restore ----------------------------------------------------------------------------


def unpack(archive: Path, into: Path) -> Path:
    """Unpack `archive` into `into` and check every file against the manifest; the unpacked
    root. Refuses an archive that is not ours, or is damaged, before anything is restored."""
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")  # no absolute paths, links out, devices
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error})") from error
    root = into / "backup"
    manifest = root / MANIFEST
    if not manifest.is_file() or not (root / DESCRIPTION).is_file():
        raise BackupError(f"{archive} is not a backup of this application (no manifest)")
    listed = {}
    for line in manifest.read_text().splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    present.discard(MANIFEST)
    if present != set(listed):
        extra, missing = sorted(present - set(listed)), sorted(set(listed) - present)
        raise BackupError(
            f"the archive does not match its manifest: extra {extra}, missing {missing}"
        )
    for name, digest in listed.items():
        if _sha256(root / name) != digest:
            raise BackupError(f"{name} in the archive is damaged (its SHA-256 differs)")
    return root


def holds_data() -> bool:
    """Whether the configured database already holds an installation."""
    existing = set(inspect(db.session.connection()).get_table_names())
    if "audit_entries" not in existing:
        return False
    return bool(db.session.scalar(text("SELECT EXISTS (SELECT 1 FROM audit_entries)")))


def _code_revision() -> str:
    """The schema revision this code runs on (the newest migration)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()


def _refusals(root: Path, description: dict) -> None:
    """Everything that would make the restore fail or lose something, found before anything
    is touched."""
    kind = "postgresql" if _is_postgres() else "sqlite"
    if description.get("format") != FORMAT or description.get("database") != kind:
        raise BackupError(
            f"the archive holds a {description.get('database')} database; this "
            f"installation runs on {kind}"
        )
    if description.get("revision") != _code_revision():
        raise BackupError(
            f"the archive's schema is revision {description.get('revision')}; this code runs "
            f"on {_code_revision()}: restore it with the version of the application that made it"
        )
    if (root / "files" / "store").is_dir() and "store" not in _folders():
        raise BackupError(
            "the archive keeps documents in a store folder: set DOCUMENT_STORE_DIR first"
        )


def restore(archive: Path, *, replace: bool = False) -> Check:
    """Restore `archive` into the configured database and folders, then check the result."""
    with tempfile.TemporaryDirectory(prefix="restore-") as work:
        root = unpack(archive, Path(work))
        description = json.loads((root / DESCRIPTION).read_text())
        _refusals(root, description)
        if holds_data() and not replace:
            raise BackupError("the database already holds data: restore with --replace")
        db.session.remove()
        if _is_postgres():
            _pg_restore(root / PG_FILE)
        else:
            _sqlite_restore(root / SQLITE_FILE)
        db.engine.dispose()
        for name, folder in _folders().items():
            if replace:
                _empty(folder)  # its contents: the folder may be a mount point
            source = root / "files" / name
            if source.is_dir():
                shutil.copytree(source, folder, dirs_exist_ok=True)
        _append_anchors(root / "audit-anchors.jsonl")
        return check(description)


def _empty(folder: Path) -> None:
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _append_anchors(source: Path) -> None:
    """The archive's checkpoints the checkpoint file lacks, appended: the file is the record
    a cut-off trail is checked against, so a restore adds to it and never takes away."""
    anchors = anchor_file()
    if anchors is None or not source.is_file():
        return
    kept = set(anchors.read_text().splitlines()) if anchors.exists() else set()
    missing = [line for line in source.read_text().splitlines() if line and line not in kept]
    if missing:
        anchors.parent.mkdir(parents=True, exist_ok=True)
        with anchors.open("a") as stream:
            stream.write("".join(f"{line}\n" for line in missing))


def _sqlite_restore(source: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        origin = sqlite3.connect(source)
        try:
            origin.backup(raw.driver_connection)  # replaces the whole database, page by page
        finally:
            origin.close()
    finally:
        raw.close()


def _pg_restore(source: Path) -> None:
    """In one transaction: what was there is dropped and the dump loaded, or nothing changes."""
    url, env = _libpq()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url}",
            str(source),
        ],
        env,
    )


def check(description: dict) -> Check:
    """The restored installation held against the backup's description."""
    found = Check()
    rows = _describe(db.session.connection())["rows"]
    for name, count in description["rows"].items():
        if rows.get(name) != count:
            found.problems.append(f"{name}: {rows.get(name)} rows, the backup had {count}")
    found.rows = sum(rows.values())
    result = check_files_and_trail(found)
    expected = description["audit"]
    if (result.head_seq, result.head_hash) != (expected["head_seq"], expected["head_hash"]):
        found.problems.append("the audit trail's head differs from the backup's")
    db.session.rollback()
    return found


def check_files_and_trail(found: Check) -> audit.Verification:
    """What any installation must hold, restored or after a crash: every stored document and
    every uploaded file a row names, under its own hash, and an audit trail that verifies
    against its checkpoints. Problems are added to `found`; returns the trail's verification."""
    # Every stored document, from the database or the store's folder, under its own hash.
    for sha256 in db.session.scalars(select(Blob.sha256)).all():
        found.files += 1
        try:
            store.get(sha256)
        except store.StoreError as error:
            found.problems.append(str(error))
        db.session.expire_all()  # one document's bytes in memory at a time
    # Every uploaded file a row names (attachments, evidence, photos), under its hash.
    for table in db.metadata.sorted_tables:
        if not {"stored_name", "sha256"} <= set(table.c.keys()):
            continue
        for stored_name, sha256 in db.session.execute(select(table.c.stored_name, table.c.sha256)):
            found.files += 1
            path = uploads.path_of(stored_name)
            if not path.is_file() or _sha256(path) != sha256:
                found.problems.append(f"uploaded file {stored_name} is missing or changed")
    result = audit.verify()
    found.audit_entries = result.checked
    if not result.ok:
        found.problems.append(f"the audit trail does not verify: {result.reason}")
    return result
