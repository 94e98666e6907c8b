"""Uploaded images looked at with Pillow, within bounds: is the file really the picture its
first bytes claim, and a small thumbnail of it for the pages and documents.

Pillow reads the header first and only then decodes the pixels; a picture whose header
announces more pixels than `max_pixels()` (a decompression bomb: a few kilobytes of PNG that
inflate to gigabytes) is refused before a single row is decoded. Pillow's own guard
(Image.MAX_IMAGE_PIXELS) warns above its limit and refuses above twice that; both count as a
refusal here. A thumbnail is turned upright as the camera's EXIF orientation says, flattened
to RGB and written as a plain JPEG: no EXIF, no GPS position, no comment survives it.
"""

import contextlib
import io
import threading
import warnings
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from partnerships.core.errors import DomainError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMBNAIL_SIZE = (480, 480)  # pixels, at most, either side
THUMBNAIL_QUALITY = 82


class ImageError(DomainError):
    """An upload refused as a picture (not one, damaged, or too large to decode safely)."""


@dataclass(frozen=True)
class Picture:
    content_type: str
    width: int
    height: int


def max_pixels() -> int:
    """The largest picture decoded: IMAGE_MAX_PIXELS when set, else Pillow's own limit."""
    if has_app_context() and current_app.config.get("IMAGE_MAX_PIXELS"):
        return int(current_app.config["IMAGE_MAX_PIXELS"])
    return int(Image.MAX_IMAGE_PIXELS or 89_478_485)


def max_decoded_bytes() -> int:
    """The memory a picture decoded at full size (PNG, WebP) may take."""
    if has_app_context() and current_app.config.get("IMAGE_MAX_DECODED_BYTES"):
        return int(current_app.config["IMAGE_MAX_DECODED_BYTES"])
    return 160 * 1024 * 1024


def _too_large(field: str) -> ImageError:
    return ImageError(
        _(
            "The picture is too large to process (more than %(n)s million pixels); send a "
            "smaller copy.",
            n=f"{max_pixels() / 1_000_000:.0f}",
        ),
        field,
    )


def _not_a_picture(field: str) -> ImageError:
    return ImageError(
        _(
            "This file is not a JPEG, PNG or WebP picture (whatever its name says), or it is "
            "damaged."
        ),
        field,
    )


def _open(data: bytes, field: str) -> Image.Image:
    """The picture with its header read and its size checked; nothing decoded yet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large(field) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _not_a_picture(field) from None
    width, height = image.size
    if width < 1 or height < 1:
        raise _not_a_picture(field)
    if width * height > max_pixels():
        raise _too_large(field)
    if image.format != "JPEG" and width * height * len(image.getbands()) > max_decoded_bytes():
        raise ImageError(
            _("The picture is too large to process; send a smaller copy, or a JPEG."), field
        )
    return image


# Two pictures decoded at once per process at most: each may take up to max_decoded_bytes().
_decoding = threading.BoundedSemaphore(2)
# WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is imported, which would
# let a truncated upload pass as a picture: a decode here sets it back for its own duration.
_strict = threading.Lock()
_strict_decodes = 0
_loose_before = False


@contextlib.contextmanager
def _refusing_truncation():
    global _strict_decodes, _loose_before
    with _strict:
        if _strict_decodes == 0:
            _loose_before = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        _strict_decodes += 1
    try:
        yield
    finally:
        with _strict:
            _strict_decodes -= 1
            if _strict_decodes == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = _loose_before


def _decoded(data: bytes, field: str, draft: tuple[int, int] | None = None) -> Image.Image:
    """The picture decoded, every row of it (a truncated or corrupt one is refused here); a
    JPEG asked for at `draft` size is decoded at the smallest scale that still covers it."""
    image = _open(data, field)
    try:
        if draft is not None and image.format == "JPEG":
            image.draft("RGB", draft)
        with _decoding, _refusing_truncation(), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large(field) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise _not_a_picture(field) from None
    return image


def inspect(data: bytes, field: str = "file") -> Picture:
    """What the picture is, once Pillow decoded every row of it (a JPEG at a reduced scale,
    which reads all of its data all the same); ImageError otherwise."""
    image = _open(data, field)
    picture = Picture(FORMATS[image.format], *image.size)
    _decoded(data, field, draft=THUMBNAIL_SIZE)
    return picture


def thumbnail(data: bytes, field: str = "file") -> bytes:
    """A JPEG at most THUMBNAIL_SIZE, upright, without any metadata."""
    image = _decoded(data, field, draft=(2 * THUMBNAIL_SIZE[0], 2 * THUMBNAIL_SIZE[1]))
    with contextlib.suppress(OSError, ValueError, SyntaxError):  # unreadable EXIF: as stored
        image = ImageOps.exif_transpose(image)
    image.thumbnail(THUMBNAIL_SIZE)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)  # no exif= : none kept
    return out.getvalue()
