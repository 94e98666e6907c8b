"""A corpus of hostile uploads (issue 11, item 5), each sent through the agreement page's
attachment form as rendered (the check every upload form shares, core/uploads.py): all are
refused with one message in the user's language, nothing is stored, the page answers without
a server error and shows no markup from the file or its name. The same corpus goes to the
public verification page, which must give a verdict, never a 500."""

import io
import zipfile

import pytest
from PIL import Image

from tests.pdf_tools import encrypted, letter_pdf
from tests.test_attachments import (
    PDF,
    SESETAN,
    agreement_id,
    attachment_rows,
    danger_alerts,
    stored_files,
    upload,
)
from tests.web import browser, signed_in, submit


def zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels and holds almost none of them."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_cut() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "JPEG")
    return out.getvalue()[:200]  # the header and a little: no picture


def with_name(name: bytes) -> bytes:
    """The small PDF with `name` in its catalog (a script, an embedded file ...)."""
    return PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + name)


ZIP_BOMB = zipped("bom.txt", b"0" * 50_000_000)  # 50 MB of zeros in about 50 KB
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"

CORPUS = {
    # polyglots: a PDF that is also an archive, a page, a picture
    "pdf-then-zip": PDF + zipped("payload.exe", b"MZ" + bytes(100)),
    "pdf-with-zip-inside": PDF.replace(b"%%EOF", zipped("a.txt", b"x") + b"\n%%EOF"),
    "pdf-then-html": PDF + HTML,
    "jpeg-then-html": jpeg_cut() + HTML,
    "png-then-zip": png_header(8, 8) + zipped("a.js", b"alert(1)"),
    "gif-javascript": b"GIF89a/*" + bytes(10) + b"*/=alert(1);",
    # archives and bombs
    "zip-bomb": ZIP_BOMB,
    "zip-bomb-named-pdf": ZIP_BOMB,
    "xlsx-as-pdf": zipped("[Content_Types].xml", b"<Types/>"),
    "gzip": b"\x1f\x8b\x08\x00" + bytes(40),
    # wrong type under a trusted name
    "exe": b"MZ\x90\x00\x03" + bytes(300),
    "elf": b"\x7fELF\x02\x01\x01" + bytes(300),
    "html": HTML,
    "svg-script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "xml-entities": b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "b">]><a>&b;</a>',
    "text": b"Ini bukan PDF.\n",
    "empty": b"",
    "one-byte": b"%",
    "nul-bytes": bytes(1024),
    "utf16-bom": "\ufeff%PDF-1.7".encode("utf-16"),
    "late-pdf-header": b"\n\n" + PDF,
    # malformed, truncated and protected PDFs
    "pdf-header-only": b"%PDF-1.7\n",
    "pdf-truncated": letter_pdf(1)[:-400],
    "pdf-cut-in-half": letter_pdf(1)[: len(letter_pdf(1)) // 2],
    "pdf-no-eof": PDF.replace(b"%%EOF", b""),
    "pdf-junk-after-eof": PDF + b"junk after the end",
    "pdf-encrypted": encrypted(letter_pdf(1)),
    "pdf-encrypt-in-trailer": PDF.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 9 0 R"),
    # active content
    "pdf-javascript": with_name(b"/Names << /JavaScript 5 0 R >>"),
    "pdf-js-action": with_name(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
    "pdf-launch": with_name(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
    "pdf-embedded-file": with_name(b"/Names << /EmbeddedFiles 6 0 R >>"),
    "pdf-richmedia": with_name(b"/AA << /O << /S /RichMedia >> >>"),
    # pictures that are not, or are too big to decode safely
    "jpeg-header-only": b"\xff\xd8\xff\xe0" + bytes(60),
    "jpeg-cut": jpeg_cut(),
    "png-header-only": b"\x89PNG\r\n\x1a\n" + bytes(40),
    "png-pixel-bomb": png_header(60_000, 60_000),
    "png-wide-bomb": png_header(1_000_000, 1),
    "webp-as-document": b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(40),
    # oversized
    "over-the-limit": PDF.replace(b"%%EOF", b"%" + b"0" * (200 * 1024) + b"\n%%EOF"),
}
# hostile names, each on a file that is refused anyway: the name must not come back as markup
NAMES = {
    "zip-bomb-named-pdf": "laporan.pdf",
    "html": '"><img src=x onerror=alert(1)>.pdf',
    "svg-script": "../../../../etc/passwd.pdf",
    "exe": "C:\\Windows\\System32\\kontrak.pdf",
    "text": "kontrak\x00.exe.pdf",
    "gif-javascript": "<script>alert(1)</script>.gif",
    "xml-entities": "a" * 1000 + ".pdf",
}


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_a_hostile_upload_is_refused_cleanly_and_nothing_is_kept(app, case):
    agreement = agreement_id(app, SESETAN)
    name = NAMES.get(case, "kontrak.pdf")
    response = upload(signed_in(app, "staff"), agreement, CORPUS[case], name)
    assert response.status_int == 302, response.status  # back to the page, no 500
    [message] = danger_alerts(response)
    assert message
    assert attachment_rows(app) == [] and stored_files(app) == []
    page = response.follow()
    assert "<script>alert" not in page.text and "onerror=alert" not in page.text


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_the_verification_page_gives_each_a_verdict(app, case):
    page = browser(app).get("/verify")
    from webtest import Upload

    response = submit(page, action="/verify", upload=("file", Upload("x.pdf", CORPUS[case])))
    assert response.status_int in (200, 400, 413), response.status
    assert "Traceback" not in response.text and "<script>alert" not in response.text
