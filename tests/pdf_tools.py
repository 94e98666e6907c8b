"""PDFs for the tests, and the two validators a sealed PDF must satisfy: pyHanko's and poppler's
`pdfsig` (with an NSS database that trusts the demo CA, as an auditor would set one up).

Also what the tamper tests need: a provider CA and a partner's signer (a stand-in for BSrE and
a regent's certificate), and the ways a signed file gets damaged."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML

from partnerships.documents import certificates, rendering

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")

# A small letter on the house template (base.html), long enough to need `pages` pages.
LETTER = """{% extends "base.html" %}
{% block body %}
<h1>SURAT UJI</h1>
{% for i in range(paragraphs) %}<p>Paragraf {{ i + 1 }}: {{ text }}</p>{% endfor %}
{% endblock %}"""


def letter_pdf(paragraphs: int = 3, text: str = "Isi surat untuk pengujian segel.") -> bytes:
    """A PDF from base.html, rendered as the documents domain renders (bundled assets only)."""
    template = rendering.environment().from_string(LETTER)
    html = template.render(title="Surat Uji", paragraphs=paragraphs, text=text)
    fetcher = rendering._asset_fetcher()
    return HTML(string=html, base_url="asset:", url_fetcher=fetcher).write_pdf()


def need_poppler() -> None:
    if PDFSIG is None or CERTUTIL is None:
        pytest.skip("pdfsig/certutil missing (apt-get install poppler-utils libnss3-tools)")


def nss_db(folder: Path, ca_pem: Path) -> str:
    """An NSS database in `folder` trusting `ca_pem` for signing; pdfsig's -nssdir argument."""
    need_poppler()
    folder.mkdir(parents=True, exist_ok=True)
    nssdir = f"sql:{folder}"
    subprocess.run([CERTUTIL, "-N", "-d", nssdir, "--empty-password"], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603 - our own tools, our own paths
        [CERTUTIL, "-A", "-n", "ca", "-t", "CT,C,C", "-i", str(ca_pem), "-d", nssdir], check=True
    )
    return nssdir


def pdfsig(pdf: bytes, folder: Path, nssdir: str | None = None) -> str:
    """pdfsig's report on `pdf` (its exit status is not the verdict: the text is)."""
    need_poppler()
    path = folder / "checked.pdf"
    path.write_bytes(pdf)
    command = [PDFSIG] + (["-nssdir", nssdir] if nssdir else []) + [str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)  # noqa: S603
    return done.stdout + done.stderr


def off_the_loop(fn, *args, **kwargs):
    """Run pyHanko's synchronous API (it calls asyncio.run) on a thread of its own: the
    process's Chromium keeps an event loop running in the main thread once a browser test ran."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def pyhanko_statuses(pdf: bytes, ca_pem: Path) -> list:
    """pyHanko's validation of every signature, trusting only `ca_pem`."""
    return off_the_loop(_statuses, pdf, ca_pem)


def _statuses(pdf: bytes, ca_pem: Path) -> list:
    root = x509.load_pem_x509_certificate(ca_pem.read_bytes())
    from asn1crypto import x509 as asn1

    anchor = asn1.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    reader = PdfFileReader(io.BytesIO(pdf))
    return [
        validate_pdf_signature(
            sig, signer_validation_context=ValidationContext(trust_roots=[anchor])
        )
        for sig in reader.embedded_signatures
    ]


def assert_sealed_and_valid(pdf: bytes, ca_pem: Path, folder: Path) -> str:
    """Both validators accept the seal and call the whole document signed; returns pdfsig's
    report for further checks."""
    [status] = pyhanko_statuses(pdf, ca_pem)
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    report = pdfsig(pdf, folder, nss_db(folder / "nss", ca_pem))
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report, report
    assert "Certificate is Trusted" in report, report
    return report


# --- a partner's certified signature ---------------------------------------------------------


class Provider:
    """A certification provider (a stand-in for BSrE): its root, and signers it certifies."""

    def __init__(self, name: str = "Balai Sertifikasi Elektronik Uji"):
        self.key, self.certificate = certificates.make_ca(name, organisation=name)

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def trust_in(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "provider.pem").write_bytes(self.pem())

    def signer(self, person: str, organisation: str) -> signers.SimpleSigner:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                x509.NameAttribute(NameOID.COMMON_NAME, person),
            ]
        )
        key, certificate = certificates.issue_signing_certificate(
            self.key, self.certificate, subject
        )
        data = certificates.p12_bytes(key, certificate, [self.certificate], b"p")
        return signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=b"p")


def sign_as(pdf: bytes, signer: signers.SimpleSigner, field: str = "TTE Pihak Kedua") -> bytes:
    """`pdf` with one more PAdES signature (an incremental update), as a provider's app adds."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    spec = fields.SigFieldSpec(field, on_page=0, box=(300, 700, 500, 760))
    return off_the_loop(
        lambda: signers.sign_pdf(writer, meta, signer=signer, new_field_spec=spec).getvalue()
    )


# --- damage ----------------------------------------------------------------------------------


def flip_byte(pdf: bytes) -> bytes:
    """One bit changed inside a content or font stream of the signed part (the file still
    parses: only a digest can tell)."""
    original = pdf[: pdf.index(b"%%EOF")]  # the first revision: what was signed first
    streams = [
        (match.end(), original.index(b"endstream", match.end()))
        for match in re.finditer(rb"(?<!end)stream\r?\n", original)
    ]
    start, end = max(streams, key=lambda span: span[1] - span[0])
    middle = (start + end) // 2  # the middle of the longest stream's data
    return pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]


def append_text(pdf: bytes, words: str = "DIUBAH SETELAH DITANDATANGANI") -> bytes:
    """An incremental update that writes on the first page after signing: not a permitted
    change (a signature, a form field's value would be)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    font = writer.add_object(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Font"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
                generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
            }
        )
    )
    resources = generic.DictionaryObject(
        {generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/FX"): font})}
    )
    stream = generic.StreamObject(
        stream_data=b"BT /FX 24 Tf 100 400 Td (" + words.encode() + b") Tj ET"
    )
    writer.add_stream_to_page(0, writer.add_object(stream), resources)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted(pdf: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="rahasia", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def empty_updates(pdf: bytes, count: int) -> bytes:
    """`count` incremental updates that each change a trivial thing (revisions, no signature)."""
    for i in range(count):
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        info = writer.add_object(
            generic.DictionaryObject(
                {generic.pdf_name("/Producer"): generic.TextStringObject(f"revisi {i}")}
            )
        )
        writer.trailer["/Info"] = info
        out = io.BytesIO()
        writer.write(out)
        pdf = out.getvalue()
    return pdf


def many_objects(count: int) -> bytes:
    """A well-formed, unsigned PDF of `count` small objects (a catalog that lists them)."""
    objects = [
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n",
    ]
    objects += [b"%d 0 obj\n(%d)\nendobj\n" % (i, i) for i in range(3, count + 1)]
    out, offsets = [b"%PDF-1.7\n"], []
    position = len(out[0])
    for obj in objects:
        offsets.append(position)
        position += len(obj)
        out.append(obj)
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1))
    out += [b"%010d 00000 n \n" % offset for offset in offsets]
    out.append(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, position)
    )
    return b"".join(out)
