"""Scanned originals and annexes of an agreement: checked and stored by `core.uploads`, kept
as attachment rows with their SHA-256."""

from pathlib import Path

from flask_babel import gettext as _

from partnerships.agreements.errors import AgreementError
from partnerships.agreements.models import Agreement, Attachment
from partnerships.core import uploads
from partnerships.core.uploads import size_label as size_label  # for the templates
from partnerships.extensions import db

KINDS = ("signed_original", "annex")


def store(agreement: Agreement, stream, filename: str, kind: str, actor) -> Attachment:
    if kind not in KINDS:
        raise AgreementError(_("Choose what the file is."), "kind")
    try:
        checked = uploads.check(stream, filename)
    except uploads.UploadError as error:
        raise AgreementError(str(error), error.field) from error
    stored_name = uploads.write(checked)
    try:
        attachment = Attachment(
            agreement=agreement,
            agreement_id=agreement.id,
            kind=kind,
            **checked.columns(stored_name),
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(attachment)
        db.session.flush()
    except BaseException:
        # no row, no file: a refused or failed upload leaves nothing behind
        uploads.discard(stored_name)
        raise
    return attachment


def path_of(attachment: Attachment) -> Path:
    return uploads.path_of(attachment.stored_name)
