"""Scanned originals and annexes: checked by content, size-capped, stored under a generated
name with their SHA-256."""

import hashlib
import os
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from partnerships.agreements.models import Agreement, Attachment
from partnerships.agreements.services import AgreementError
from partnerships.extensions import db

KINDS = ("signed_original", "annex")
# Recognised by their first bytes, never by the name or the browser's claim.
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


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
        raise AgreementError(
            _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), "file")
    detected = sniff(data[:16])
    if detected is None:
        raise AgreementError(_("Only PDF, JPEG or PNG files can be attached; this file is none "
                               "of them."), "file")
    content_type, extension = detected
    stored_name = uuid.uuid4().hex + extension
    target = upload_dir() / stored_name
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)  # never a half-written file under the final name
    attachment = Attachment(
        agreement=agreement, agreement_id=agreement.id, kind=kind,
        original_name=(filename or "lampiran")[-255:], stored_name=stored_name,
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name
