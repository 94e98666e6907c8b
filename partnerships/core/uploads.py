"""Uploaded files, for every domain that keeps them (agreement scans, evidence of commitments):
recognised by content, size-capped, stored under a generated name with their SHA-256.

A domain checks the file (`check`), writes it (`write`) and adds its own row in the same
transaction; if the row fails, it removes the file again (`discard`), so a refused or failed
upload leaves nothing behind.
"""

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from partnerships.core import images
from partnerships.core.errors import DomainError

# Recognised by their first bytes, never by the name or the browser's claim.
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]
# WebP is a RIFF container: "RIFF", four bytes of length, then "WEBP".
WEBP = ("image/webp", ".webp")
# Names that may stay as the user gave them; any other gets the detected type's extension, so
# a PDF uploaded as "surat.html" is never downloaded by a colleague as an HTML page.
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "image/png": {".png"},
    "image/webp": {".webp"},
}
# What a domain accepts unless it says otherwise (agreement scans, evidence of commitments).
DOCUMENTS = frozenset({"application/pdf", "image/jpeg", "image/png"})
IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})


class UploadError(DomainError):
    """A file refused for what it is (empty, too large, not a PDF or image)."""


# Read at the end of a PDF: a reader looks for %%EOF in its last kilobyte; a ZIP reader looks
# for its end record in the last 64 KiB (plus the record itself), which is where a file that
# is a PDF and an archive at once (a polyglot) keeps it.
PDF_TAIL = 1024
ZIP_TAIL = 65_535 + 22
ZIP_END = b"PK\x05\x06"
# Names of what runs or is carried inside a PDF: no signed agreement, scan or report has them.
ACTIVE_CONTENT = (
    b"/JavaScript",
    b"/JS",
    b"/Launch",
    b"/EmbeddedFile",
    b"/EmbeddedFiles",
    b"/RichMedia",
)
PNG_END = b"IEND\xaeB`\x82"  # the last chunk: nothing may follow it


def _check_pdf(data: bytes, field: str) -> None:
    """What can be told of a PDF without parsing it: it ends as a PDF does, nothing else rides
    on it, it is not password-protected and carries no scripts or files."""
    tail = data[-PDF_TAIL:]
    end = tail.rfind(b"%%EOF")
    if end < 0 or tail[end + 5 :].strip(b"\r\n\t \x00"):
        raise UploadError(
            _("The PDF is damaged or incomplete, or carries other data after its end."), field
        )
    if b"/Encrypt" in data:
        raise UploadError(
            _("The PDF is protected with a password; remove the protection and upload it again."),
            field,
        )
    for name in ACTIVE_CONTENT:
        # the name alone, not the start of a longer one (/JS, not /JSONThing)
        at = data.find(name)
        while at >= 0:
            follows = data[at + len(name) : at + len(name) + 1]
            if not follows.isalnum():
                raise UploadError(
                    _(
                        "The PDF contains scripts or embedded files, which are not accepted; "
                        "print it to a new PDF and upload that."
                    ),
                    field,
                )
            at = data.find(name, at + 1)


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str
    original_name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)

    def columns(self, stored_name: str) -> dict:
        """What every domain's file row records of it (see the file columns of its model)."""
        return {
            "original_name": self.original_name,
            "stored_name": stored_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def check(
    stream,
    filename: str | None,
    field: str = "file",
    accept: frozenset[str] = DOCUMENTS,
    refusal: str | None = None,
    pdf_structure: bool = True,
) -> CheckedFile:
    """Read the upload (at most the cap) and accept it only as one of the `accept` types
    (by default a PDF, JPEG or PNG); `refusal` says what was expected otherwise. A picture is
    decoded; a PDF's end, archive, password and active content checked, unless the caller
    judges the PDF itself (`pdf_structure=False`: a signed copy gets the signature check's
    precise verdict instead)."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise UploadError(_("The file is empty."), field)
    if len(data) > limit:
        raise UploadError(_("The file is larger than %(size)s.", size=size_label(limit)), field)
    detected = sniff(data[:16])
    if detected is None or detected[0] not in accept:
        raise UploadError(
            refusal or _("Only PDF, JPEG or PNG files can be attached; this file is none of them."),
            field,
        )
    content_type, extension = detected
    if ZIP_END in data[-ZIP_TAIL:]:
        raise UploadError(
            _("The file is also an archive (another file hidden in it); save it again plainly."),
            field,
        )
    if content_type == "application/pdf":
        if pdf_structure:
            _check_pdf(data, field)
    else:  # a picture is decoded (bounded): a header alone is no picture
        if content_type == "image/png" and not data.rstrip(b"\x00").endswith(PNG_END):
            raise UploadError(
                _("The picture is damaged, or carries other data after its end."), field
            )
        try:
            images.inspect(data, field)
        except images.ImageError as error:
            raise UploadError(str(error), field) from error
    return CheckedFile(
        data=data,
        content_type=content_type,
        extension=extension,
        original_name=display_name(filename, content_type, extension),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def write(checked: CheckedFile) -> str:
    """Store the file under a new generated name and return that name."""
    stored_name = uuid.uuid4().hex + checked.extension
    target = upload_dir() / stored_name
    partial = target.with_suffix(".part")
    try:
        partial.write_bytes(checked.data)
        os.replace(partial, target)  # never a half-written file under the final name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return stored_name


def discard(stored_name: str) -> None:
    """Remove a stored file whose row was not written after all."""
    path_of(stored_name).unlink(missing_ok=True)
    path_of(stored_name).with_suffix(".part").unlink(missing_ok=True)


def path_of(stored_name: str) -> Path:
    return upload_dir() / stored_name


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
