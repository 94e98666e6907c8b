"""Verdicts on signed PDFs (issue 9, items 5 and 7, "Bad input"): a precise verdict for any
bytes (intact, altered after signing, broken, untrusted, unsigned, not a PDF, corrupt,
truncated, encrypted, too complex), the check of a partner's signed upload, and the public
verification page that shows them (rate-limited; kind, number, date and issuer only).

Hostile PDFs are made here, byte by byte: a few kilobytes that declare a million objects must
be refused before a parser spends seconds and hundreds of megabytes on them."""

import time
import tracemalloc
import zlib

import pytest
from sqlalchemy import select

from partnerships.documents import certificates, sealing, verification
from partnerships.documents import services as documents
from partnerships.documents.models import DocKind, Origin
from partnerships.documents.verification import Outcome
from partnerships.extensions import db
from partnerships.organisations.models import Office
from tests.conftest import OFFICE_DAY
from tests.pdf_tools import (
    Provider,
    append_text,
    empty_updates,
    encrypted,
    flip_byte,
    letter_pdf,
    many_objects,
    sign_as,
)
from tests.signatures import png_scan
from tests.web import browser, signed_in, submit, text, ui_text

URL = "https://kemitraan.test/verify/Kx3vYtq1N0uQm4bE8sWd2fGhJk5LpZa7"
DENPASAR = "Kantor Cabang Bali Denpasar"
REGENT = ("I Made Mahayastra", "Pemerintah Kabupaten Gianyar")


def office_id(app, name: str = DENPASAR) -> int:
    with app.app_context():
        return db.session.scalar(select(Office.id).where(Office.name == name))


def seal(app, pdf: bytes, name: str = DENPASAR) -> bytes:
    with app.test_request_context():
        return sealing.seal(pdf, office_id=office_id(app, name), verify_url=URL)


def check(app, data: bytes) -> verification.Verdict:
    with app.test_request_context():
        return verification.check(data)


def upload(app, data: bytes, *, sent: bytes) -> verification.Verdict:
    with app.test_request_context():
        return verification.check_signed_upload(data, sent=sent)


def issue(app, *, title: str = "Surat Uji", number: str = "B/7/112026"):
    """A sealed progress letter registered through the documents service; (document id, bytes)."""
    denpasar = office_id(app)
    with app.test_request_context():
        document = documents.issue(
            "base.html",
            {"title": title},
            kind=DocKind.PROGRESS_LETTER,
            subject=("Office", denpasar),
            title=title,
            filename="surat.pdf",
            office_id=denpasar,
            issued_on=OFFICE_DAY,
            number=number,
        )
        db.session.commit()
        return document.id, document.verify_token, documents.content(document)


@pytest.fixture
def provider(app, tmp_path):
    """A certification provider whose root the operator installed (DOCUMENT_TRUST_DIR)."""
    trusted = tmp_path / "trusted"
    root = Provider()
    root.trust_in(trusted)
    app.config["DOCUMENT_TRUST_DIR"] = str(trusted)
    return root


# --- verdicts --------------------------------------------------------------------------------


def test_a_sealed_pdf_is_valid_and_names_the_office(app):
    verdict = check(app, seal(app, letter_pdf()))
    assert verdict.outcome == Outcome.VALID and verdict.ok
    assert verdict.signers == ["BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar"]
    [signature] = verdict.signatures
    assert signature.office_id == office_id(app)
    assert signature.signed_at is not None
    assert verdict.registered == []  # valid, but not a document we registered


def test_a_registered_document_is_found_by_its_hash(app):
    document_id, _token, pdf = issue(app)
    verdict = check(app, pdf)
    assert verdict.outcome == Outcome.VALID
    assert [d.id for d in verdict.registered] == [document_id]


@pytest.mark.parametrize(
    ("damage", "outcome"),
    [
        (flip_byte, Outcome.ALTERED),
        (append_text, Outcome.ALTERED),
        (lambda pdf: pdf[: len(pdf) // 2], Outcome.TRUNCATED),
        (lambda pdf: pdf[:-12], Outcome.TRUNCATED),
        (encrypted, Outcome.ENCRYPTED),
    ],
    ids=["byte-flip", "incremental-change", "half", "end-cut", "encrypted"],
)
def test_damage_to_a_sealed_pdf_gets_its_own_verdict(app, damage, outcome):
    verdict = check(app, damage(seal(app, letter_pdf())))
    assert verdict.outcome == outcome, verdict


def test_a_flipped_byte_inside_the_signature_itself_is_a_broken_signature(app):
    pdf = seal(app, letter_pdf())
    # The signature value is the CMS's last field, before the zeros that pad the reserved space.
    opening = pdf.index(b"/Contents <") + len(b"/Contents <")
    contents = pdf[opening : pdf.index(b">", opening)]
    start = opening + len(contents.rstrip(b"0")) - 40
    flipped = pdf[:start] + (b"0" if pdf[start : start + 1] != b"0" else b"1") + pdf[start + 1 :]
    verdict = check(app, flipped)
    assert verdict.outcome == Outcome.BROKEN, verdict


@pytest.mark.parametrize(
    ("data", "outcome"),
    [
        (b"", Outcome.NOT_PDF),
        (b"PK\x03\x04 a zip, not a PDF" + bytes(200), Outcome.NOT_PDF),
        (b"Surat biasa, bukan PDF.", Outcome.NOT_PDF),
        (b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n", Outcome.CORRUPT),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nstartxref\n9\n%%EOF\n", Outcome.CORRUPT),
    ],
    ids=["empty", "zip", "text", "garbage", "no-xref"],
)
def test_what_is_no_readable_pdf_gets_its_own_verdict(app, data, outcome):
    assert check(app, data).outcome == outcome


def test_an_unsigned_pdf_is_unsigned(app):
    assert check(app, letter_pdf()).outcome == Outcome.UNSIGNED


def test_a_signature_from_an_unknown_issuer_is_untrusted(app):
    stranger = Provider("Penerbit Tak Dikenal").signer(*REGENT)
    verdict = check(app, sign_as(letter_pdf(), stranger))
    assert verdict.outcome == Outcome.UNTRUSTED
    assert verdict.signers == ["I Made Mahayastra (Pemerintah Kabupaten Gianyar)"]


def test_too_many_signatures_or_revisions_are_refused_quickly(app, provider):
    signer = provider.signer(*REGENT)
    pdf = letter_pdf(1)
    for i in range(verification.MAX_SIGNATURES + 1):
        pdf = sign_as(pdf, signer, field=f"TTE {i}")
    started = time.perf_counter()
    assert check(app, pdf).outcome == Outcome.TOO_COMPLEX
    assert time.perf_counter() - started < 1
    revised = empty_updates(letter_pdf(1), verification.MAX_REVISIONS + 1)
    assert check(app, revised).outcome == Outcome.TOO_COMPLEX
    crowded = many_objects(verification.MAX_OBJECTS + 1)
    started = time.perf_counter()
    assert check(app, crowded).outcome == Outcome.TOO_COMPLEX
    assert time.perf_counter() - started < 2
    assert check(app, many_objects(1000)).outcome == Outcome.UNSIGNED
    # At the limits, the work is done (and still bounded).
    pdf = letter_pdf(1)
    for i in range(verification.MAX_SIGNATURES):
        pdf = sign_as(pdf, signer, field=f"TTE {i}")
    started = time.perf_counter()
    verdict = check(app, pdf)
    assert verdict.outcome == Outcome.VALID and len(verdict.signatures) == 12
    assert time.perf_counter() - started < 10


# --- hostile cross-references ----------------------------------------------------------------

MiB = 1024 * 1024
CATALOG = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
PAGES = b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"


def xref_stream_pdf(
    entries: int,
    widths: tuple[int, int, int] = (1, 4, 2),
    *,
    size: bytes = b"/Size",
    index: bytes = b"/Index",
    kind: bytes = b"/XRef",
) -> bytes:
    """A PDF (catalog, pages) whose cross-reference is one Flate-compressed stream declaring
    `entries` entries `widths` bytes wide: rows for its three objects, then zeros (free
    entries), so that a million entries take a few kilobytes and inflate to megabytes. The
    keys' names can be given in other spellings (`/In#64ex` is /Index to a reader)."""
    head = b"%PDF-1.7\n"
    offsets = [len(head), len(head) + len(CATALOG), len(head) + len(CATALOG) + len(PAGES)]
    row = sum(widths)
    rows = bytearray(row * entries)
    if widths[0]:  # rows 1 to 3: in use, at their offsets (zero-width rows mean the defaults)
        for number, offset in enumerate(offsets, start=1):
            at = number * row
            rows[at] = 1
            rows[at + widths[0] : at + widths[0] + widths[1]] = offset.to_bytes(widths[1], "big")
    data = zlib.compress(bytes(rows), 9)
    dictionary = b"<< /Type %s %s %d %s [0 %d] /W [%d %d %d] /Root 1 0 R " % (
        kind,
        size,
        entries,
        index,
        entries,
        *widths,
    )
    stream = b"3 0 obj\n%s/Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (
        dictionary,
        len(data),
        data,
    )
    return head + CATALOG + PAGES + stream + b"startxref\n%d\n%%%%EOF\n" % offsets[2]


def table_pdf(
    *extra: bytes, prefix: bytes = b"", counted: bytes = b"", catalog: bytes = CATALOG
) -> bytes:
    """A PDF with a classic cross-reference table: `catalog`, pages and the `extra` objects
    (numbered from 3), after `prefix` (junk before the header); offsets count from the header,
    or from the file's start when `counted` is that junk."""
    objects = [catalog, PAGES, *extra]
    out, offsets = [b"%PDF-1.7\n"], []
    position = len(counted) + len(out[0])
    for obj in objects:
        offsets.append(position)
        position += len(obj)
        out.append(obj)
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out += [b"%010d 00000 n \n" % offset for offset in offsets]
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
    out.append(trailer % (len(objects) + 1, position))
    return prefix + counted + b"".join(out)


def object_stream(count: int, inflated: int) -> bytes:
    """Object 3: an object stream declaring `count` objects whose data inflates to `inflated`
    bytes (spaces: a thousand to one)."""
    data = zlib.compress(b"3 0 " + b" " * (inflated - 4), 9)
    dictionary = b"<< /Type /ObjStm /N %d /First 4 /Filter /FlateDecode /Length %d >>"
    return b"3 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (dictionary % (count, len(data)), data)


def measured(app, data: bytes) -> tuple[verification.Verdict, int]:
    """The verdict, and the most memory Python held at once while checking (tracemalloc)."""
    tracemalloc.start()
    try:
        verdict = check(app, data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return verdict, peak


def test_a_tiny_cross_reference_stream_declaring_a_million_entries_is_refused_before_parsing(
    app,
):
    bomb = xref_stream_pdf(1_000_000)
    assert len(bomb) < 10_000  # 7 MB of rows: pyHanko took seconds and hundreds of MB on it
    verdict, peak = measured(app, bomb)
    assert verdict.outcome == Outcome.TOO_COMPLEX
    assert peak < 50 * MiB, peak
    # The same file at a size a document may have is read; sealed letters are still valid.
    assert check(app, xref_stream_pdf(verification.MAX_OBJECTS)).outcome == Outcome.UNSIGNED
    assert check(app, xref_stream_pdf(4)).outcome == Outcome.UNSIGNED
    assert check(app, seal(app, letter_pdf())).outcome == Outcome.VALID


@pytest.mark.parametrize(
    "bomb",
    [
        lambda: xref_stream_pdf(1_000_000, size=b"/Si#7Ae", index=b"/In#64ex"),
        lambda: table_pdf().replace(b"xref\n0 3\n", b"xref\n0 1000000\n"),
        lambda: table_pdf().replace(b"/Size 3", b"/Size 1000000"),
        lambda: table_pdf(object_stream(1_000_000, 100)),
        lambda: table_pdf(object_stream(10, 20 * MiB)),
    ],
    ids=["names-spelt-otherwise", "table", "trailer", "object-stream", "object-stream-inflated"],
)
def test_what_the_raw_bytes_declare_is_bounded_before_parsing(app, bomb):
    data = bomb()
    assert len(data) < 40_000
    assert verification._declares_too_much(data)
    verdict, peak = measured(app, data)
    assert verdict.outcome == Outcome.TOO_COMPLEX
    assert peak < 50 * MiB, peak


@pytest.mark.parametrize(
    "bomb",
    [
        # /X#52ef is /XRef: the scan does not see a cross-reference stream; its rows inflate
        # past what MAX_OBJECTS rows take
        lambda: xref_stream_pdf(1_000_000, size=b"/Si#7Ae", index=b"/In#64ex", kind=b"/X#52ef"),
        # rows zero bytes wide take nothing at all: a hundred million of them in 300 bytes
        lambda: xref_stream_pdf(
            100_000_000, (0, 0, 0), size=b"/Si#7Ae", index=b"/In#64ex", kind=b"/X#52ef"
        ),
    ],
    ids=["rows-inflated", "rows-of-no-width"],
)
def test_what_the_scan_misses_is_still_bounded_while_reading(app, bomb):
    data = bomb()
    assert not verification._declares_too_much(data)  # the second guard's work
    verdict, peak = measured(app, data)
    assert verdict.outcome == Outcome.TOO_COMPLEX
    assert peak < 50 * MiB, peak


def test_a_parse_that_would_take_seconds_is_stopped(app):
    # pyHanko reads whitespace a byte at a time: two megabytes of it inside the catalog
    padded = CATALOG.replace(b" /Pages", b" " * (2 * MiB) + b"/Pages")
    data = table_pdf(catalog=padded)
    assert not verification._declares_too_much(data)
    assert check(app, data).outcome == Outcome.TOO_COMPLEX
    # a kilobyte of it is read
    spaced = CATALOG.replace(b" /Pages", b" " * 1024 + b"/Pages")
    assert check(app, table_pdf(catalog=spaced)).outcome == Outcome.UNSIGNED


# --- where a PDF begins and ends -------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [b"% dikirim lewat surel\n", b"\r\n \t\n", b"\x00" * 2000, b"<html>proxy</html>\n"],
    ids=["comment", "whitespace", "nuls", "stray-bytes"],
)
def test_harmless_bytes_after_the_end_are_not_a_truncation(app, tail):
    document_id, _token, pdf = issue(app)
    verdict = check(app, pdf + tail)
    assert verdict.outcome == Outcome.VALID, verdict
    assert [d.id for d in verdict.based_on] == [document_id]  # the file as issued, plus bytes


@pytest.mark.parametrize(
    "tail",
    [
        b"12 0 obj\n<< /Type /Annot",
        b"\nxref\n0 1\n",
        b"trailer\n<< /Size 3",
        b"startxref\n",
        b"% catatan\n7",
    ],
    ids=["object", "xref", "trailer", "startxref", "cut-in-a-number"],
)
def test_the_start_of_another_revision_after_the_end_is_a_truncation(app, tail):
    assert check(app, seal(app, letter_pdf(1)) + tail).outcome == Outcome.TRUNCATED


def test_junk_before_the_header_is_read_past_as_readers_do(app):
    document_id, _token, pdf = issue(app)
    junk = b"Content-Type: application/pdf\r\n\r\n"
    verdict = check(app, junk + pdf)
    assert verdict.outcome == Outcome.VALID, verdict
    assert [d.id for d in verdict.based_on] == [document_id]
    assert check(app, junk + letter_pdf(1)).outcome == Outcome.UNSIGNED
    assert check(app, table_pdf(prefix=junk)).outcome == Outcome.UNSIGNED
    # beyond the header window a reader gives up too
    far = b"x" * verification.HEADER_WINDOW
    assert check(app, far + pdf).outcome == Outcome.NOT_PDF
    # Offsets count from the header's "%" (ISO 32000-2, 7.5.2): a file whose offsets count
    # the junk too reads as damaged.
    assert check(app, table_pdf(counted=junk)).outcome == Outcome.CORRUPT


def test_check_never_raises(app):
    pdf = seal(app, letter_pdf(1))
    for cut in range(0, len(pdf), max(1, len(pdf) // 40)):
        for data in (pdf[:cut] + b"\n%%EOF\n", pdf[cut:], pdf[:cut] + b"X" + pdf[cut + 1 :]):
            verdict = check(app, data)
            assert verdict.outcome in Outcome


# --- a partner's signed upload ---------------------------------------------------------------


def test_the_sealed_pdf_signed_by_the_partner_is_accepted_with_the_signer_named(app, provider):
    sent = seal(app, letter_pdf())
    signed = sign_as(sent, provider.signer(*REGENT))
    verdict = upload(app, signed, sent=sent)
    assert verdict.outcome == Outcome.VALID, verdict
    assert verdict.signers == ["I Made Mahayastra (Pemerintah Kabupaten Gianyar)"]
    # Anyone checking the file later sees both signatures, our seal first.
    assert len(check(app, signed).signatures) == 2


def test_a_signed_upload_of_a_registered_document_points_to_it(app, provider):
    document_id, _token, sent = issue(app)
    signed = sign_as(sent, provider.signer(*REGENT))
    verdict = check(app, signed)
    assert verdict.registered == []
    assert [d.id for d in verdict.based_on] == [document_id]


def test_our_own_seal_alone_is_not_a_partner_signature(app, provider):
    sent = seal(app, letter_pdf())
    assert upload(app, sent, sent=sent).outcome == Outcome.NO_NEW_SIGNATURE
    # nor is a seal added after sending, whichever office made it
    unsealed = letter_pdf()
    resealed = seal(app, unsealed, "Kantor Cabang Bali Gianyar")
    assert upload(app, resealed, sent=unsealed).outcome == Outcome.NO_NEW_SIGNATURE


def test_a_different_pdf_signed_by_the_partner_is_refused(app, provider):
    sent = seal(app, letter_pdf(text="Yang dikirim."))
    other = sign_as(seal(app, letter_pdf(text="Yang lain.")), provider.signer(*REGENT))
    assert upload(app, other, sent=sent).outcome == Outcome.NOT_SENT


@pytest.mark.parametrize("damage", [flip_byte, append_text], ids=["byte-flip", "change"])
def test_a_partner_signed_pdf_altered_afterwards_is_refused(app, provider, damage):
    sent = seal(app, letter_pdf())
    signed = sign_as(sent, provider.signer(*REGENT))
    altered = damage(signed)
    assert upload(app, altered, sent=sent).outcome == Outcome.ALTERED


def test_a_partner_signature_from_an_untrusted_issuer_is_refused(app, provider):
    sent = seal(app, letter_pdf())
    signed = sign_as(sent, Provider("Penerbit Tak Dikenal").signer(*REGENT))
    assert upload(app, signed, sent=sent).outcome == Outcome.UNTRUSTED


def test_a_signed_upload_that_is_no_pdf_is_refused_as_such(app):
    sent = seal(app, letter_pdf())
    assert upload(app, b"not a pdf", sent=sent).outcome == Outcome.NOT_PDF
    assert upload(app, sent[: len(sent) // 2], sent=sent).outcome == Outcome.TRUNCATED


# --- the public page -------------------------------------------------------------------------


def check_page(web, data: bytes, name: str = "dokumen.pdf"):
    page = web.get("/verify")
    button = ui_text(web.app, "Check")
    response = submit(page, button=button, upload=("file", (name, data, "application/pdf")))
    assert response.status_int == 200, response.status
    return response


def outcome_of(response) -> str:
    return response.html.find(id="verdict")["data-outcome"]


def test_the_page_shows_each_verdict_and_never_fails(app, provider):
    web = browser(app)
    sealed = seal(app, letter_pdf(1))
    cases = {
        "valid": sealed,
        "altered": flip_byte(sealed),
        "truncated": sealed[:-12],
        "encrypted": encrypted(sealed),
        "unsigned": letter_pdf(1),
        "corrupt": b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n",
        "not_pdf": b"GIF89a" + bytes(100),
        "untrusted": sign_as(letter_pdf(1), Provider("Penerbit Tak Dikenal").signer(*REGENT)),
        "broken": sealed.replace(b"/Contents <30", b"/Contents <31", 1),
    }
    for expected, data in cases.items():
        response = check_page(web, data)
        assert outcome_of(response) == expected, (expected, text(response))
        with app.test_request_context():
            title = str(verification.TITLES[Outcome(expected)])
        assert title in text(response)


def test_the_page_shows_a_registered_documents_kind_number_date_and_issuer_only(app):
    _id, _token, pdf = issue(app, title="Laporan Rahasia Uji", number="B/77/112026")
    response = check_page(browser(app), pdf)
    shown = text(response)
    assert outcome_of(response) == "valid"
    assert "B/77/112026" in shown
    assert "30 November 2026" in shown
    assert "BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar" in shown
    assert ui_text(app, "Progress letter") in shown
    assert "Laporan Rahasia Uji" not in shown  # the title is content: never shown


def test_the_qr_link_shows_the_document_and_the_verdict_on_its_stored_file(app):
    _id, token, _pdf = issue(app, title="Laporan Rahasia Uji", number="B/78/112026")
    page = browser(app).get(f"/verify/{token}")
    assert page.status_int == 200
    assert "B/78/112026" in text(page)
    assert "Laporan Rahasia Uji" not in text(page)
    assert outcome_of(page) == "valid"


def test_a_file_over_the_size_limit_is_refused_on_the_form(app):
    data = b"%PDF-1.7\n" + b"0" * app.config["MAX_UPLOAD_BYTES"]
    page = browser(app).get("/verify")
    big = ("file", ("besar.pdf", data, "application/pdf"))
    response = submit(page, button=ui_text(app, "Check"), upload=big)
    assert response.status_int == 200
    assert response.html.find(id="verdict") is None
    assert ui_text(app, "The file is larger than %(size)s.", size="200 KB") in text(response)


def test_sending_no_file_says_so(app):
    response = submit(browser(app).get("/verify"), button=ui_text(app, "Check"))
    assert response.status_int == 200
    assert response.html.find(id="verdict") is None
    assert response.html.select(".invalid-feedback")


# per day: a fixed window, so a slow run that crosses a minute boundary cannot reset it
@pytest.mark.app_config(VERIFY_RATE_LIMIT="3 per day")
def test_uploads_are_rate_limited(app):
    web = browser(app)
    pdf = letter_pdf(1)
    for _ in range(3):
        check_page(web, pdf)
    page = web.get("/verify")  # the form itself is not limited
    one_more = ("file", ("d.pdf", pdf, "application/pdf"))
    response = submit(page, button=ui_text(app, "Check"), upload=one_more)
    assert response.status_int == 429


def test_signed_in_users_see_the_same_page(app):
    response = check_page(signed_in(app, "partner"), letter_pdf(1))
    assert outcome_of(response) == "unsigned"


def test_the_verdict_on_a_document_whose_certificates_are_gone_is_untrusted_not_an_error(
    app, tmp_path
):
    sealed = seal(app, letter_pdf(1))
    app.config["DOCUMENT_CERT_DIR"] = str(tmp_path / "elsewhere")
    verdict = check(app, sealed)
    assert verdict.outcome == Outcome.UNTRUSTED
    with app.app_context():
        assert certificates.office_fingerprints() == {}


def register_scan(app, number: str) -> str:
    """A partner's wet-ink signature, scanned as a PNG and registered; its verify token."""
    denpasar = office_id(app)
    with app.test_request_context():
        document = documents.register(
            png_scan(),
            kind=DocKind.WET_INK_SCAN,
            origin=Origin.UPLOADED,
            content_type="image/png",
            subject=("Office", denpasar),
            title="Pindaian Rahasia Uji",
            filename="pindaian.png",
            office_id=denpasar,
            issued_on=OFFICE_DAY,
            number=number,
        )
        db.session.commit()
        return document.verify_token


def test_a_registered_scan_is_shown_as_what_it_is_without_a_signature_verdict(app):
    token = register_scan(app, "B/80/112026")
    page = browser(app).get(f"/verify/{token}")
    assert page.status_int == 200
    shown = text(page)
    assert ui_text(app, "This document is registered by BPJS Ketenagakerjaan.") in shown
    assert ui_text(app, "Scan of the agreement signed in ink") in shown
    assert "B/80/112026" in shown and "30 November 2026" in shown
    assert "BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar" in shown
    assert "Pindaian Rahasia Uji" not in shown
    assert page.html.find(id="verdict") is None
    assert ui_text(app, "Not a PDF") not in shown
    assert page.html.find(id="no-signatures") is not None
    # Uploaded on the check page, the scan is found the same way.
    response = check_page(browser(app), png_scan(), name="pindaian.png")
    assert response.html.find(id="verdict") is None
    assert "B/80/112026" in response.html.select_one(".registered").get_text()
    assert response.html.find(id="no-signatures") is not None
