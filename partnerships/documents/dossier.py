"""Auditors' dossiers: one zip an auditor checks offline with stock tools, without the app.

An `Archive` takes every file under a safe, deterministic name and hashes it as it is written.
`finish` then adds the README, a manifest PDF listing every file with its SHA-256 (sealed and
registered like any document this domain issues) and `SHA256SUMS` for `sha256sum -c`. The
domains that own the records (agreements, commitments, audit) decide what goes in.

The zip is built in a temporary file that stays in memory while small and spills to disk when
large, so a big dossier costs disk, not memory; stored files are read one batch at a time.
"""

import hashlib
import io
import json
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import IO, Any

from flask import current_app
from flask_babel import get_timezone, gettext
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import defaultload

from partnerships.core.errors import DomainError
from partnerships.core.exports import csv_value
from partnerships.core.uploads import size_label
from partnerships.documents import rendering, services, store
from partnerships.documents.models import Blob, DocKind, Document
from partnerships.documents.rendering import RenderRefused
from partnerships.extensions import db

MANIFEST = "manifest.pdf"
SUMS = "SHA256SUMS"
README = "README.txt"
SPOOL_BYTES = 32 * 1024 * 1024  # kept in memory up to this size, on disk beyond it
BATCH_BYTES = 64 * 1024 * 1024  # stored files read from the database per query, at most
SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# What each kind of registered document is, in the dossier's own (formal Indonesian) words.
KIND_NAMES = {
    DocKind.AGREEMENT: "naskah perjanjian",
    DocKind.SIGNED_UPLOAD: "naskah bertanda tangan elektronik mitra",
    DocKind.WET_INK_SCAN: "pindaian naskah bertanda tangan basah",
    DocKind.SIGNING_RECORD: "berita acara penandatanganan",
    DocKind.PROGRESS_LETTER: "surat perkembangan",
    DocKind.DOSSIER_MANIFEST: "manifes berkas audit",
    DocKind.BULK_ARCHIVE: "arsip surat massal",
    DocKind.EVENT_MINUTES: "notulen kegiatan",
}


class DossierTooLarge(DomainError):
    """The files would exceed DOSSIER_MAX_BYTES (the message says so, for the person)."""


# Why a dossier could not be made, each with a message for the person who asked: too large, an
# office without a sealing certificate, a manifest too long to render.
REFUSALS = (DomainError, RenderRefused)


def too_large_message() -> str:
    return gettext(
        "The dossier would be larger than %(size)s. Choose a shorter period, or ask the "
        "administrator to raise DOSSIER_MAX_BYTES.",
        size=size_label(current_app.config["DOSSIER_MAX_BYTES"]),
    )


def safe_name(text: str | None, fallback: str = "file", limit: int = 80) -> str:
    """One path segment from a name someone typed or uploaded: ASCII letters, digits, `._-`,
    never a dot first (no `..`, no hidden file), no separators, at most `limit` characters, the
    extension kept. Whatever the input, the result cannot leave its folder."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.split(r"[/\\]", text)[-1]
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    text = re.sub(r"\.{2,}", ".", text).strip("._-")
    if not text:
        return fallback
    if len(text) > limit:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 8:
            text = stem[: limit - len(extension) - 1].rstrip("._-") + "." + extension
        else:
            text = text[:limit].rstrip("._-")
    return text


def extension_of(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")


def _checked_path(name: str) -> str:
    """`name` as given, once every segment is known to be safe: the callers build names from
    `safe_name` and ids, and this is the check that they did."""
    parts = name.split("/")
    if not all(SEGMENT.fullmatch(part) for part in parts):
        raise ValueError(f"unsafe name in a dossier: {name!r}")
    return name


@dataclass(frozen=True)
class Listed:
    """A file in the archive: its path inside the dossier's folder, size, hash, what it is."""

    name: str
    size: int
    sha256: str
    description: str


@dataclass(frozen=True)
class Missing:
    """A stored file that could not be put in: gone, or no longer matching its hash."""

    name: str
    sha256: str
    reason: str


class _HashingWriter(io.RawIOBase):
    """Writes into a zip member and hashes what passes."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


class Archive:
    """A zip under construction. Every file lives in one top folder (`root`), so extracting
    the zip gives one folder in which `sha256sum -c SHA256SUMS` runs."""

    def __init__(self, root: str, created: datetime, max_bytes: int | None = None) -> None:
        self.root = _checked_path(root)
        self.created = created
        self.max_bytes = max_bytes
        self.files: list[Listed] = []
        self.missing: list[Missing] = []
        self._names: set[str] = set()
        self._written = 0
        local = created.astimezone(get_timezone())
        self._stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second)
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self._zip = zipfile.ZipFile(self._file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)

    def _info(self, name: str) -> zipfile.ZipInfo:
        if name in self._names:
            raise ValueError(f"{name!r} is already in the dossier")
        self._names.add(name)
        # The same time on every member: the moment the dossier was made, in office time.
        info = zipfile.ZipInfo(f"{self.root}/{_checked_path(name)}", date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def _count(self, size: int) -> None:
        self._written += size
        if self.max_bytes is not None and self._written > self.max_bytes:
            raise DossierTooLarge(too_large_message())

    @contextmanager
    def open(self, name: str, description: str = "") -> Iterator[_HashingWriter]:
        """Write a member piece by piece (a long audit segment), hashing as it goes."""
        with self._zip.open(self._info(name), "w", force_zip64=True) as member:
            writer = _HashingWriter(member)
            yield writer
        self._count(writer.size)
        self.files.append(Listed(name, writer.size, writer.digest.hexdigest(), description))

    def add(self, name: str, data: bytes, description: str = "") -> Listed:
        self._count(len(data))
        self._zip.writestr(self._info(name), data)
        listed = Listed(name, len(data), hashlib.sha256(data).hexdigest(), description)
        self.files.append(listed)
        return listed

    def add_text(self, name: str, text: str, description: str = "") -> Listed:
        return self.add(name, text.encode(), description)

    def add_json(self, name: str, value: Any, description: str = "") -> Listed:
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_plain)
        return self.add_text(name, text + "\n", description)

    def add_csv(
        self, name: str, header: list[str], rows: Iterable[Iterable], description: str = ""
    ) -> Listed:
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_value(_plain(v) if not isinstance(v, str) else v) for v in row])
        return self.add_text(name, buffer.getvalue(), description)

    def note_missing(self, name: str, sha256: str, reason: str) -> None:
        self._names.add(name)
        self.missing.append(Missing(name, sha256, reason))

    def sums(self) -> str:
        """`sha256sum` lines for every file so far, sorted by name (byte order)."""
        return "".join(f"{f.sha256}  {f.name}\n" for f in sorted(self.files, key=_byte_order))

    def close(self) -> IO[bytes]:
        self._zip.close()
        self._file.seek(0)
        return self._file

    @contextmanager
    def building(self) -> Iterator["Archive"]:
        """Drop the temporary file if the dossier cannot be finished (too large, a failed
        render): nothing half-made stays behind."""
        try:
            yield self
        except BaseException:
            self._zip.close()
            self._file.close()
            raise


def _byte_order(listed: Listed) -> bytes:
    return listed.name.encode()


def _plain(value: Any) -> Any:
    """JSON and CSV cells for the values records hold."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# ---- stored files -------------------------------------------------------------------------


def stored_documents(documents: list[Document]) -> Iterator[tuple[Document, bytes | None]]:
    """Each document with its bytes (None when the store lost it or it no longer matches its
    hash), reading the blobs a batch at a time: one query per BATCH_BYTES, not one per file,
    and never every file in memory at once."""
    batch: list[Document] = []
    size = 0
    for document in documents:
        batch.append(document)
        size += document.blob.size
        if size >= BATCH_BYTES:
            yield from _read_batch(batch)
            batch, size = [], 0
    if batch:
        yield from _read_batch(batch)


def _read_batch(batch: list[Document]) -> Iterator[tuple[Document, bytes | None]]:
    hashes = sorted({d.sha256 for d in batch})
    blobs = list(db.session.scalars(select(Blob).where(Blob.sha256.in_(hashes))))
    for document in batch:
        try:
            data = store.get(document.sha256)  # the blob is in the session now: no query
        except store.StoreError:
            data = None
        yield document, data
    for blob in blobs:  # let the bytes go before the next batch is read
        db.session.expire(blob, ["data"])


def documents_of(subject_type: str, subject_ids: Iterable[int]) -> list[Document]:
    """The registered documents of many subjects in one query (`services.documents_of` asks
    about one), in a fixed order; earlier dossier manifests are left out: they describe other
    downloads, not the subject."""
    ids = sorted(set(subject_ids))
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Document)
            .where(
                Document.subject_type == subject_type,
                Document.subject_id.in_(ids),
                Document.kind.not_in([DocKind.DOSSIER_MANIFEST, DocKind.BULK_ARCHIVE]),
            )
            # the bytes come in batches (stored_documents), not with every row
            .options(defaultload(Document.blob).defer(Blob.data))
            .order_by(Document.subject_id, Document.kind, Document.version, Document.id)
        )
    )


def describe(document: Document) -> str:
    """'Dokumen terdaftar (naskah perjanjian, versi 2): <title>' for the manifest."""
    kind = KIND_NAMES.get(document.kind, document.kind)
    return f"Dokumen terdaftar ({kind}, versi {document.version}): {document.title}"


def document_name(document: Document) -> str:
    """`agreement-v02-17.pdf`: kind, version and id, never the stored file name's text."""
    extension = extension_of(document.blob.content_type)
    return f"{document.kind}-v{document.version:02d}-{document.id}.{extension}"


# ---- finishing: README, manifest, SHA256SUMS ------------------------------------------------


@lru_cache(maxsize=1)
def _text_environment() -> Environment:
    """Plain-text templates (the README): not HTML, so nothing is escaped."""
    return Environment(
        loader=FileSystemLoader(str(rendering.PDF_TEMPLATES)),
        autoescape=False,  # noqa: S701 (plain text in a zip, never served as HTML)
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def readme(data: Mapping) -> str:
    return _text_environment().get_template("dossier_README.txt").render(**data)


@dataclass(frozen=True)
class Issuer:
    """Who the manifest is issued for: its subject, the office that seals it, the reader."""

    subject: tuple[str, int]
    office_id: int
    office_name: str
    title: str  # what the dossier is about, in words
    details: list[tuple[str, str]]  # label, value lines shown under the title
    requested_by: str
    user_id: int | None
    filename: str  # the manifest's name in the document register
    issued_on: date


def finish(archive: Archive, issuer: Issuer, readme_text: str) -> tuple[IO[bytes], Document]:
    """Add the README, the sealed manifest (registered, flushed) and SHA256SUMS; return the
    finished zip (at its start) and the manifest's document."""
    archive.add_text(README, readme_text, "Petunjuk pemeriksaan")
    listing = archive.sums()
    digest = hashlib.sha256(listing.encode()).hexdigest()
    created = archive.created.astimezone(get_timezone())
    from babel.dates import format_datetime

    data = {
        "title": issuer.title,
        "details": issuer.details,
        "root": archive.root,
        "created": format_datetime(created, "d MMMM y HH.mm zzz", locale="id_ID"),
        "issued_on": issuer.issued_on,
        "office_name": issuer.office_name,
        "requested_by": issuer.requested_by,
        "files": [
            {"name": f.name, "size": f.size, "sha256": f.sha256, "description": f.description}
            for f in sorted(archive.files, key=_byte_order)
        ],
        "total_size": sum(f.size for f in archive.files),
        "missing": [
            {"name": m.name, "sha256": m.sha256, "reason": m.reason} for m in archive.missing
        ],
        "digest": digest,
        "manifest": MANIFEST,
        "sums": SUMS,
    }
    document = services.issue(
        "dossier_manifest.html",
        data,
        kind=DocKind.DOSSIER_MANIFEST,
        subject=issuer.subject,
        title=issuer.title[:500],
        filename=issuer.filename,
        office_id=issuer.office_id,
        issued_on=issuer.issued_on,
        user_id=issuer.user_id,
    )
    archive.add(MANIFEST, services.content(document), "Manifes bersegel")
    manifest_line = archive.files[-1]
    # Not listed in itself; the manifest's own line last, so `grep -v` leaves what it lists.
    archive.add_text(SUMS, listing + f"{manifest_line.sha256}  {MANIFEST}\n")
    return archive.close(), document
