"""An event's files: its attendance list (daftar hadir, a PDF or a picture), its photos and
any other PDF or picture, checked and stored by core.uploads under generated names with their
SHA-256. What a file is comes from its content, never its name: a photo must decode as a
JPEG, PNG or WebP picture (core.images), and gets a thumbnail stored beside it, upright and
without the camera's metadata; the original is kept as uploaded, as evidence.

Everything is checked before anything is written; a row that fails takes its files with it
(no row, no file), and a refused upload leaves nothing behind. Removing a file marks it
deleted: the audit trail and the stored bytes keep it.
"""

import base64
import hashlib
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from partnerships.core import images, uploads
from partnerships.core.safety import is_single_line
from partnerships.events import rules
from partnerships.events.errors import EventError
from partnerships.events.models import AttachmentKind, Event, EventAttachment
from partnerships.extensions import db

CAPTION_MAX = 300
# What each kind accepts, by content: an attendance list is scanned or photographed.
ACCEPTS = {
    AttachmentKind.PHOTO: uploads.IMAGES,
    AttachmentKind.ATTENDANCE_LIST: uploads.DOCUMENTS | uploads.IMAGES,
    AttachmentKind.OTHER: uploads.DOCUMENTS | uploads.IMAGES,
}


def _refusal(kind: str) -> str:
    if kind == AttachmentKind.PHOTO:
        return _(
            "A photo must be a JPEG, PNG or WebP picture; this file is none of them, whatever "
            "its name says."
        )
    return _("Only PDF files or JPEG, PNG or WebP pictures can be attached; this file is none "
             "of them.")  # fmt: skip


def _caption(value: str | None) -> str:
    caption = (value or "").strip()
    if len(caption) > CAPTION_MAX:
        raise EventError(_("At most %(n)d characters.", n=CAPTION_MAX), "caption")
    if not is_single_line(caption):
        raise EventError(_("Use a single line, without control characters."), "caption")
    return caption


def store(event: Event, stream, filename: str | None, kind: str, caption: str | None, actor):
    """Check and keep one file of `event`; a photo with its thumbnail. Refused with an
    EventError naming the form field at fault."""
    if not rules.may_edit(event):
        raise EventError(_("A cancelled event is kept as it was."))
    if kind not in set(AttachmentKind):
        raise EventError(_("Choose what the file is."), "kind")
    caption = _caption(caption)
    try:
        checked = uploads.check(
            stream, filename, "file", accept=ACCEPTS[AttachmentKind(kind)], refusal=_refusal(kind)
        )
        thumbnail = None
        if kind == AttachmentKind.PHOTO:
            thumbnail = images.thumbnail(checked.data, "file")  # decodes it: a picture or not
        elif checked.content_type in uploads.IMAGES:
            images.inspect(checked.data, "file")
    except (uploads.UploadError, images.ImageError) as error:
        raise EventError(str(error), error.field) from error
    written = [uploads.write(checked)]
    try:
        if thumbnail is not None:
            written.append(uploads.write(_thumbnail_file(thumbnail, checked)))
        attachment = EventAttachment(
            event=event,
            event_id=event.id,
            kind=kind,
            caption=caption,
            **checked.columns(written[0]),
            thumbnail_stored_name=written[1] if thumbnail is not None else None,
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(attachment)
        db.session.flush()
    except BaseException:
        discard(written)
        raise
    return attachment


def _thumbnail_file(data: bytes, original: uploads.CheckedFile) -> uploads.CheckedFile:
    return uploads.CheckedFile(
        data=data,
        content_type="image/jpeg",
        extension=".jpg",
        original_name=Path(original.original_name).stem + "-kecil.jpg",
        sha256=hashlib.sha256(data).hexdigest(),
    )


def stored_names(attachment: EventAttachment) -> list[str]:
    """The files an attachment row keeps: what the request removes if its commit fails."""
    return [n for n in (attachment.stored_name, attachment.thumbnail_stored_name) if n]


def discard(names: list[str]) -> None:
    for name in names:
        uploads.discard(name)


def delete(attachment: EventAttachment) -> None:
    """Out of the event's page and its minutes; the row (marked deleted), its files and the
    audit trail keep it."""
    if not rules.may_edit(attachment.event):
        raise EventError(_("A cancelled event is kept as it was."))
    attachment.is_deleted = True
    db.session.flush()


# ---- reading ----------------------------------------------------------------------------


def of_event(event_id: int) -> list[EventAttachment]:
    """The event's files in the order they came: photos, attendance lists and others."""
    return list(
        db.session.scalars(
            select(EventAttachment)
            .where(EventAttachment.event_id == event_id, EventAttachment.is_deleted.is_(False))
            .order_by(EventAttachment.id)
        )
    )


def path_of(attachment: EventAttachment) -> Path:
    return uploads.path_of(attachment.stored_name)


def thumbnail_path(attachment: EventAttachment) -> Path | None:
    if not attachment.thumbnail_stored_name:
        return None
    return uploads.path_of(attachment.thumbnail_stored_name)


def thumbnail_data_uri(attachment: EventAttachment) -> str | None:
    """The thumbnail inline (`data:image/jpeg;base64,...`), as the PDF renderer takes pictures
    that are not bundled assets; None when it is missing from the upload folder."""
    path = thumbnail_path(attachment)
    if path is None or not path.is_file():
        return None
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
