from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from partnerships.documents.models import DocKind

KIND_LABELS = {
    DocKind.AGREEMENT: _l("Agreement"),
    DocKind.SIGNED_UPLOAD: _l("Agreement signed by the partner"),
    DocKind.WET_INK_SCAN: _l("Scan of the agreement signed in ink"),
    DocKind.SIGNING_RECORD: _l("Signing record"),
    DocKind.PROGRESS_LETTER: _l("Progress letter"),
    DocKind.DOSSIER_MANIFEST: _l("Auditor's dossier manifest"),
    DocKind.BULK_ARCHIVE: _l("Archive of letters"),
    DocKind.EVENT_MINUTES: _l("Event minutes"),
}


class VerifyForm(FlaskForm):
    """Any file at all: what it is, is the verdict's to say, not the form's."""

    file = FileField(
        _l("PDF file"), validators=[FileRequired(message=_l("Choose the PDF file to check."))]
    )
