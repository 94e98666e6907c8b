"""Scanned originals and annexes: checked by content, size-capped, stored under a generated
name with their SHA-256."""

import hashlib
import os
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from partnerships.agreements.errors import AgreementError
from partnerships.agreements.models import Agreement, Attachment
from partnerships.extensions import db

KINDS = ("signed_original", "annex")
# Recognised by their first bytes, never by the name or the browser's claim.
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]
# Names that may stay as the user gave them; any other gets the detected type's extension, so
# a PDF uploaded as "surat.html" is never downloaded by a colleague as an HTML page.
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "image/png": {".png"},
}


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(agreement: Agreement, stream, filename: str, kind: str, actor) -> Attachment:
    if kind not in KINDS:
        raise AgreementError(_("Choose what the file is."), "kind")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise AgreementError(_("The file is empty."), "file")
    if len(data) > limit:
        raise AgreementError(_("The file is larger than %(size)s.", size=size_label(limit)), "file")
    detected = sniff(data[:16])
    if detected is None:
        raise AgreementError(
            _("Only PDF, JPEG or PNG files can be attached; this file is none of them."), "file"
        )
    content_type, extension = detected
    stored_name = uuid.uuid4().hex + extension
    target = upload_dir() / stored_name
    partial = target.with_suffix(".part")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)  # never a half-written file under the final name
        attachment = Attachment(
            agreement=agreement,
            agreement_id=agreement.id,
            kind=kind,
            original_name=display_name(filename, content_type, extension),
            stored_name=stored_name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(attachment)
        db.session.flush()
    except BaseException:
        # no row, no file: a refused or failed upload leaves nothing behind
        partial.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        raise
    return attachment


def size_label(size: int) -> str:
    """'10 MB', '1,5 MB', or '200 KB' below a megabyte (a cap of 200 KiB is not '0 MB')."""
    mib = 1024 * 1024
    if size >= mib:
        return f"{format_decimal(round(size / mib, 1))} MB"
    return f"{format_decimal(max(round(size / 1024), 1))} KB"


def display_name(filename: str | None, content_type: str, extension: str) -> str:
    """The name to download under: the user's file name without any folder or control
    characters, ending in an extension that matches the content."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "lampiran"
    if Path(name).suffix.lower() not in EXTENSIONS[content_type]:
        name += extension
    return name[-255:]


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name
