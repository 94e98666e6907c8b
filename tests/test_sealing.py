"""The offices' digital seal (issue 9, item 4): demo certificates, PAdES seals that pyHanko's
validator and poppler's pdfsig both accept (trusted when given the demo CA), the visible stamp
with its QR code and footer, and documents issued end to end through `documents.services`."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from partnerships.documents import certificates, sealing
from partnerships.documents import services as documents
from partnerships.documents.models import DocKind
from partnerships.extensions import db
from partnerships.organisations.models import Office
from tests.conftest import OFFICE_DAY
from tests.pdf_tools import assert_sealed_and_valid, letter_pdf, pdfsig

URL = "https://kemitraan.test/verify/Kx3vYtq1N0uQm4bE8sWd2fGhJk5LpZa7"


def office_id(app, name: str = "Kantor Cabang Bali Denpasar") -> int:
    with app.app_context():
        return db.session.scalar(select(Office.id).where(Office.name == name))


def ca_pem(app) -> Path:
    with app.app_context():
        return certificates.cert_dir() / "ca.pem"


def sealed(app, pdf: bytes, name: str = "Kantor Cabang Bali Denpasar") -> bytes:
    with app.test_request_context():
        return sealing.seal(pdf, office_id=office_id(app, name), verify_url=URL)


def text_of(pdf: bytes) -> str:
    """The text of the pages, then the stamp's (the signature widget's appearance, which text
    extractors leave out)."""
    pages = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    stamp = [
        re.sub(rb"\\(.)", rb"\1", line).decode("cp1252")
        for line in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", stamp_stream(pdf))
    ]
    return " ".join(" ".join([pages, *stamp]).split())


def test_a_sealed_pdf_passes_pyhanko_and_pdfsig_and_is_trusted_with_the_demo_ca(app, tmp_path):
    pdf = sealed(app, letter_pdf())
    report = assert_sealed_and_valid(pdf, ca_pem(app), tmp_path)
    assert "CN=Kantor Cabang Bali Denpasar,OU=DPS,O=BPJS Ketenagakerjaan" in report
    assert "ETSI.CAdES.detached" in report  # PAdES, not the legacy PKCS#7 subfilter
    # Without the CA, pdfsig still finds the signature valid but cannot trust its issuer.
    untrusting = pdfsig(pdf, tmp_path)
    assert "Signature is Valid" in untrusting
    assert "Certificate is Trusted" not in untrusting


def test_each_office_seals_with_its_own_certificate(app, tmp_path):
    pdf = sealed(app, letter_pdf(), "Kantor Cabang Bali Gianyar")
    report = assert_sealed_and_valid(pdf, ca_pem(app), tmp_path)
    assert "Kantor Cabang Bali Gianyar" in report
    assert "Kantor Cabang Bali Denpasar" not in report


def test_a_multi_page_document_gets_the_stamp_on_its_last_page_clear_of_the_text(app, tmp_path):
    pdf = sealed(app, letter_pdf(paragraphs=60))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    widgets = [
        (number, annotation.get_object())
        for number, page in enumerate(reader.pages)
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/FT") == "/Sig"
    ]
    [(page_number, widget)] = widgets
    assert page_number == len(reader.pages) - 1
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    cm = 72 / 2.54
    # In the text area (3 cm / 2.5 cm margins), its lowest 2 cm: above the page-number margin.
    assert (round(x1 / cm, 2), round(y1 / cm, 2), round(y2 / cm, 2)) == (3.0, 2.5, 4.5)
    assert round((595.28 - x2) / cm, 1) == 2.5
    # base.html keeps that strip free: no text of the letter reaches into it.
    baselines = []

    def baseline(text, cm, tm, _font, _size):
        if text.strip():  # the y of the text matrix mapped through the page's matrix
            baselines.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    reader.pages[-1].extract_text(visitor_text=baseline)
    assert baselines and min(baselines) > y2
    assert_sealed_and_valid(pdf, ca_pem(app), tmp_path)


def test_the_stamp_carries_the_footer_and_a_qr_code_to_the_verification_page(app):
    pdf = sealed(app, letter_pdf())
    text = text_of(pdf)
    assert "Ditandatangani secara elektronik oleh BPJS Ketenagakerjaan Kantor Cabang Bali" in text
    assert "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat" in text
    assert "UU ITE No. 11 Tahun 2008 Pasal 5 ayat (1)" in text
    assert URL in text
    # The QR code, drawn as vector modules, is the standard QR code of the URL: read the
    # modules back out of the stamp and compare them with the qrcode library's matrix.
    expected, size = qr_matrix(URL)
    assert qr_modules(pdf, size) == expected


def stamp_stream(pdf: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    for annotation in reader.pages[-1]["/Annots"]:
        widget = annotation.get_object()
        if widget.get("/FT") == "/Sig":
            appearance = widget["/AP"]["/N"].get_object()
            return appearance.get_data()
    raise AssertionError("no signature widget")


def qr_modules(pdf: bytes, size: int) -> set[tuple[int, int]]:
    """The dark modules of the QR drawing in the stamp, from its `x y width 1 re` runs (row 0
    at the bottom), as (row, column) with row 0 at the top, as qrcode counts them."""
    stream = stamp_stream(pdf)
    drawing = stream[stream.index(b"0 g ", stream.index(b" cm ")) : stream.index(b" f Q")]
    dark = set()
    for x, y, width in re.findall(rb"(\d+) (\d+) (\d+) 1 re", drawing):
        for column in range(int(x), int(x) + int(width)):
            dark.add((size - 1 - int(y), column))
    return dark


def qr_matrix(url: str) -> tuple[set[tuple[int, int]], int]:
    import qrcode

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=sealing.QR_BORDER,
        mask_pattern=sealing.QR_MASK,
    )
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    return {(r, c) for r, row in enumerate(matrix) for c, on in enumerate(row) if on}, len(matrix)


def test_the_signer_is_prepared_once_per_office_and_reloaded_when_the_file_changes(app):
    denpasar = office_id(app)
    with app.test_request_context():
        first = sealing._sealer(denpasar)
        assert sealing._sealer(denpasar) is first
        path = certificates.office_file(denpasar)
        stat = path.stat()
        import os

        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert sealing._sealer(denpasar) is not first


@pytest.mark.app_config(DOCUMENT_CERT_DIR="")
def test_an_office_without_a_certificate_gets_a_clear_error(app, tmp_path):
    app.config["DOCUMENT_CERT_DIR"] = str(tmp_path / "empty")
    with app.test_request_context(), pytest.raises(certificates.NoCertificate) as refused:
        sealing.seal(letter_pdf(1), office_id=office_id(app), verify_url=URL)
    assert "flask documents demo-ca" in str(refused.value)


def test_a_wrong_passphrase_is_named_as_the_problem(app):
    app.config["DOCUMENT_CERT_PASSPHRASE"] = "not-the-passphrase"
    with app.test_request_context(), pytest.raises(certificates.NoCertificate) as refused:
        certificates.load_office_key(office_id(app))
    assert "DOCUMENT_CERT_PASSPHRASE" in str(refused.value)


def test_demo_ca_command_creates_what_is_missing_and_only_that(app, runner, tmp_path):
    folder = tmp_path / "certs"
    app.config["DOCUMENT_CERT_DIR"] = str(folder)
    first = runner.invoke(args=["documents", "demo-ca"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        offices = db.session.scalars(select(Office).where(Office.is_deleted.is_(False))).all()
    assert {p.name for p in folder.glob("office-*.p12")} == {f"office-{o.id}.p12" for o in offices}
    assert (folder / "ca.pem").exists() and (folder / "ca-key.pem").exists()
    assert (folder / "ca-key.pem").stat().st_mode & 0o077 == 0  # the key is its owner's alone
    assert b"ENCRYPTED" in (folder / "ca-key.pem").read_bytes()
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    again = runner.invoke(args=["documents", "demo-ca"])
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before

    # A new office gets its certificate on the next run; the others keep theirs.
    with app.app_context():
        office = Office(name="Kantor Cabang Uji", code="KC-UJI", kind="branch")
        db.session.add(office)
        db.session.commit()
        new_id = office.id
    third = runner.invoke(args=["documents", "demo-ca"])
    assert third.exit_code == 0, third.output
    assert "Kantor Cabang Uji" in third.output
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert set(after) - set(before) == {f"office-{new_id}.p12", f"office-{new_id}.pem"}
    assert all(after[name] == data for name, data in before.items())
    with app.test_request_context():
        pdf = sealing.seal(letter_pdf(1), office_id=new_id, verify_url=URL)
    assert "Kantor Cabang Uji" in text_of(pdf)


def test_demo_ca_command_without_a_passphrase_says_what_to_set(app, runner, tmp_path):
    app.config.update(DOCUMENT_CERT_DIR=str(tmp_path / "c"), DOCUMENT_CERT_PASSPHRASE="")
    result = runner.invoke(args=["documents", "demo-ca"])
    assert result.exit_code == 1
    assert "DOCUMENT_CERT_PASSPHRASE" in result.output


def test_issue_renders_seals_and_registers_a_document_that_verifies(app, tmp_path):
    denpasar = office_id(app)
    with app.test_request_context():
        document = documents.issue(
            "base.html",
            {"title": "Surat Uji"},
            kind=DocKind.PROGRESS_LETTER,
            subject=("Office", denpasar),
            title="Surat Uji",
            filename="surat-uji.pdf",
            office_id=denpasar,
            issued_on=OFFICE_DAY,
            number="B/1/112026",
        )
        db.session.commit()
        pdf = documents.content(document)
        url = documents.verify_url(document.verify_token)
    assert document.sealed
    assert_sealed_and_valid(pdf, ca_pem(app), tmp_path)
    assert url in text_of(pdf)


def test_sealing_a_pdf_twice_keeps_both_seals_valid(app, tmp_path):
    once = sealed(app, letter_pdf(1))
    with app.test_request_context():
        twice = sealing.seal(once, office_id=office_id(app), verify_url=URL)
    report = pdfsig(twice, tmp_path)
    assert report.count("Signature is Valid") == 2, report


def test_development_keeps_a_generated_passphrase_readable_by_its_owner_only(app, tmp_path):
    app.config.update(ENV_NAME="development", DOCUMENT_CERT_PASSPHRASE=None)
    app.instance_path = str(tmp_path)
    with app.app_context():
        first = certificates.passphrase()
        assert certificates.passphrase() == first and len(first) >= 32
    assert (tmp_path / "document-cert-passphrase").stat().st_mode & 0o077 == 0
    app.config["ENV_NAME"] = "production"
    with app.app_context(), pytest.raises(certificates.NoCertificate):
        certificates.passphrase()


def test_what_cannot_be_sealed_is_refused_with_a_reason(app):
    from tests.pdf_tools import encrypted

    for pdf in (encrypted(letter_pdf(1)), b"%PDF-1.7\nnot really\n%%EOF\n"):
        with app.test_request_context(), pytest.raises(sealing.SealError):
            sealing.seal(pdf, office_id=office_id(app), verify_url=URL)
