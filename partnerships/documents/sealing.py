"""PAdES seals with the issuing office's certificate (pyHanko).

`seal` adds an approval signature (PAdES baseline B, SHA-256) whose widget is the visible stamp:
at the bottom of the last page's text area (the space pdf_templates/base.html keeps free
there, clear of the page numbers in the margin), a QR code to the document's verification
page beside the footer that BSrE-signed documents carry, worded for the office's own seal.

Speed (see `scripts/benchmark.py seal`): everything that does not depend on the document is
prepared once per process and office and kept (`_sealer`): the key (pyHanko's SimpleSigner
would re-parse it for every signature), the signed attributes' DER (only the document digest
changes), the wrapped footer text, and the signature size, so pyHanko reserves the space at
once instead of signing a dummy first to measure it. The QR code uses a fixed mask: scoring
all eight (what qrcode does by default) cost more than the whole signature.
"""

import asyncio
import hashlib
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import qrcode
from asn1crypto import cms, keys, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from flask_babel import gettext as _
from pyhanko.pdf_utils import content, generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.stamp import BaseStamp, BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from partnerships.core.errors import DomainError
from partnerships.documents import certificates
from partnerships.documents.certificates import NoCertificate, OfficeKey

__all__ = ["NoCertificate", "SealError", "seal"]

FIELD_NAME = "SegelElektronik"
REASON = "Segel elektronik BPJS Ketenagakerjaan"
CM = 72 / 2.54
# The stamp fills the bottom 2 cm of the last page's text area: base.html's margins are 3 cm on
# the left and 2.5 cm on the right and at the bottom, and it keeps that strip free (.seal-space).
STAMP_LEFT, STAMP_RIGHT, STAMP_BOTTOM, STAMP_HEIGHT = 3 * CM, 2.5 * CM, 2.5 * CM, 2 * CM
A4 = (595.28, 841.89)
FONT_SIZE, TITLE_SIZE, LEADING = 6.5, 7.0, 8.0
QR_BORDER = 1  # modules of quiet zone inside the stamp; the page around it is blank
QR_MASK = 2
FONTS = Path(__file__).resolve().parents[1] / "static" / "fonts"


class SealError(DomainError):
    """The PDF could not be sealed (it is not one we can sign)."""


def seal(pdf: bytes, *, office_id: int, verify_url: str) -> bytes:
    """The PDF with the office's approval seal (visible stamp with a QR to `verify_url`).
    NoCertificate when the office has none (the message says what to do)."""
    return _sealer(office_id).seal(pdf, verify_url)


# --- the per-office signer, prepared once per process -----------------------------------------

_sealers: dict[tuple, "_Sealer"] = {}
_lock = threading.Lock()


def _sealer(office_id: int) -> "_Sealer":
    """The office's prepared signer; a replaced certificate file (new mtime) is read again."""
    path = certificates.office_file(office_id)
    try:
        stat = path.stat()
    except FileNotFoundError:
        certificates.load_office_key(office_id)  # raises NoCertificate, worded for the admin
        raise
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        sealer = _sealers.get(cache_key)
    if sealer is None:
        office = certificates.load_office_key(office_id)
        if not certificates.office_certificate_file(office_id).exists():  # installed by hand
            certificates.write_office_certificate(office_id, office.certificate)
        sealer = _Sealer(office)
        with _lock:
            for stale in [k for k in _sealers if k[0] == cache_key[0]]:
                del _sealers[stale]
            _sealers[cache_key] = sealer
    return sealer


def run_async(coroutine):
    """Run one of pyHanko's coroutines to its end, on a loop of its own that is closed after
    (request threads come and go; a loop left behind in each would leak its sockets). Where a
    loop already runs in this thread (an async server, Playwright's sync API), a helper thread
    runs it instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    global _helper
    with _lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sealing")
    return _helper.submit(asyncio.run, coroutine).result()


_helper: ThreadPoolExecutor | None = None


class _PreparedSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner with the key kept as a `cryptography` object and the signed
    attributes built once: their DER differs between documents only in the digest."""

    def __init__(self, office: OfficeKey):
        registry = SimpleCertificateStore()
        registry.register_multiple(_asn1_certificate(c) for c in office.chain)
        super().__init__(
            signing_cert=_asn1_certificate(office.certificate),
            signing_key=keys.PrivateKeyInfo.load(
                office.key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            cert_registry=registry,
        )
        self._key = office.key
        self._templates: dict[tuple[str, int], tuple[bytes, int] | None] = {}

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if digest_algorithm == "sha256" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        if (
            digest_algorithm == "sha256"
            and isinstance(self._key, rsa.RSAPrivateKey)
            and self.get_signature_mechanism_for_digest("sha256").signature_algo
            == "rsassa_pkcs1v15"
        ):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.sign_raw(data, digest_algorithm)

    async def signed_attrs(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        attr_settings: PdfCMSSignedAttributes | None = None,
        content_type="data",
        use_pades=False,
        timestamper=None,
        dry_run=False,
        is_pdf_sig=True,
    ):
        """The attributes pyHanko would build, from a template made (and checked) once. Only
        for the plain PAdES case we use: PAdES leaves the signing time out of the attributes
        (it is the signature dictionary's /M), so nothing else changes between documents."""
        plain = (
            use_pades
            and is_pdf_sig
            and content_type == "data"
            and timestamper is None
            and not dry_run
            and (attr_settings is None or attr_settings == _plain_settings(attr_settings))
        )
        if plain:
            key = (digest_algorithm, len(data_digest))
            if key not in self._templates:
                self._templates[key] = await self._template(digest_algorithm, len(data_digest))
            template = self._templates[key]
            if template is not None:
                der, offset = template
                return cms.CMSAttributes.load(
                    der[:offset] + data_digest + der[offset + len(data_digest) :]
                )
        return await super().signed_attrs(
            data_digest,
            digest_algorithm,
            attr_settings=attr_settings,
            content_type=content_type,
            use_pades=use_pades,
            timestamper=timestamper,
            dry_run=dry_run,
            is_pdf_sig=is_pdf_sig,
        )

    async def _template(self, digest_algorithm: str, size: int) -> tuple[bytes, int] | None:
        """The DER for one digest, and where the digest sits in it; None unless a second
        digest at another signing time gives the same DER with only the digest replaced."""

        async def build(digest: bytes, when: datetime) -> bytes:
            settings = PdfCMSSignedAttributes(signing_time=when)
            attrs = await super(_PreparedSigner, self).signed_attrs(
                digest, digest_algorithm, attr_settings=settings, use_pades=True
            )
            return attrs.dump()

        first, second = os.urandom(size), os.urandom(size)
        der = await build(first, datetime(2020, 1, 1, tzinfo=UTC))
        offset = der.find(first)
        if offset < 0 or der.find(first, offset + 1) >= 0:
            return None
        again = await build(second, datetime(2030, 6, 15, 12, tzinfo=UTC))
        if again != der[:offset] + second + der[offset + size :]:
            return None
        return der, offset


def _plain_settings(settings: PdfCMSSignedAttributes) -> PdfCMSSignedAttributes:
    """`settings` with nothing but its signing time (which PAdES keeps out of the CMS)."""
    return PdfCMSSignedAttributes(signing_time=settings.signing_time)


def _asn1_certificate(certificate) -> x509.Certificate:
    return x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _subject_name(certificate, oid) -> str:
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _issuer_name(certificate) -> str:
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        values = certificate.issuer.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return certificate.issuer.rfc4514_string()


class _Sealer:
    def __init__(self, office: OfficeKey):
        self.signer = _PreparedSigner(office)
        common = _subject_name(office.certificate, NameOID.COMMON_NAME)
        organisation = _subject_name(office.certificate, NameOID.ORGANIZATION_NAME)
        # "BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar", however the CA spelled it
        self.signer_name = (
            f"{organisation} {common}" if organisation and organisation not in common else common
        )
        self.issuer_name = _issuer_name(office.certificate)
        self.meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=REASON,
            name=self.signer_name,
        )
        self._lines: dict[float, list[tuple[str, float, str]]] = {}
        self.bytes_reserved = self._signature_size()

    def _signature_size(self) -> int:
        """Hex characters to reserve: a real signature's size, with room for ECDSA's few bytes
        of variation (pyHanko writes the CMS as hex, hence twice the DER length)."""
        digest = hashlib.sha256(b"size").digest()
        signed = run_async(self.signer.async_sign(digest, "sha256", use_pades=True))
        return 2 * (len(signed.dump()) + 64)

    def seal(self, pdf: bytes, verify_url: str) -> bytes:
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            if writer.prev.encrypted:
                raise SealError(_("An encrypted PDF cannot be sealed."))
            width, _height = _page_size(writer)
            box = (STAMP_LEFT, STAMP_BOTTOM, width - STAMP_RIGHT, STAMP_BOTTOM + STAMP_HEIGHT)
            name = _free_field_name(writer)
            pdf_signer = signers.PdfSigner(
                self.meta if name == FIELD_NAME else replace(self.meta, field_name=name),
                self.signer,
                stamp_style=SealStampStyle(sealer=self),
                new_field_spec=fields.SigFieldSpec(name, on_page=-1, box=box),
            )
            out = run_async(
                pdf_signer.async_sign_pdf(
                    writer,
                    bytes_reserved=self.bytes_reserved,
                    appearance_text_params={"url": verify_url},
                )
            )
        except (PdfError, SigningError, ValueError) as error:
            if isinstance(error, DomainError):
                raise
            raise SealError(_("The PDF could not be sealed: %(error)s", error=error)) from error
        return out.getvalue()

    def text_lines(self, width: float) -> list[tuple[str, float, str]]:
        """(font, size, text) lines of the footer for a text column `width` points wide, the
        verification address excepted; computed once per width."""
        if width not in self._lines:
            title = f"Ditandatangani secara elektronik oleh {self.signer_name}"
            body = (
                "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat "
                f"elektronik yang diterbitkan oleh {self.issuer_name}. Sesuai UU ITE No. 11 "
                "Tahun 2008 Pasal 5 ayat (1), informasi elektronik dan/atau dokumen elektronik "
                "dan/atau hasil cetaknya merupakan alat bukti hukum yang sah. Keaslian dan "
                "keutuhan dokumen ini dapat diperiksa dengan memindai kode QR atau di:"
            )
            lines = [("/F2", TITLE_SIZE, t) for t in _wrap(title, "bold", TITLE_SIZE, width)]
            lines += [("/F1", FONT_SIZE, t) for t in _wrap(body, "regular", FONT_SIZE, width)]
            self._lines[width] = lines
        return self._lines[width]


def _free_field_name(writer: IncrementalPdfFileWriter) -> str:
    """FIELD_NAME, or FIELD_NAME2, 3 ... when the PDF was sealed before (a counter-seal)."""
    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(writer)}
    name, number = FIELD_NAME, 2
    while name in taken:
        name, number = f"{FIELD_NAME}{number}", number + 1
    return name


def _page_size(writer: IncrementalPdfFileWriter) -> tuple[float, float]:
    page_ref, _resources = writer.find_page_for_modification(-1)
    box = page_ref.get_object().get("/MediaBox")
    if box is None:
        return A4
    x1, y1, x2, y2 = (float(v) for v in box)
    return x2 - x1, y2 - y1


# --- the stamp --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealStampStyle(BaseStampStyle):
    """The visible seal: QR code on the left, the footer text beside it, a rule above."""

    sealer: _Sealer | None = None
    border_width: int = 0

    def create_stamp(self, writer, box, text_params: dict) -> "SealStamp":
        return SealStamp(writer, self, box=box, url=text_params["url"])


class SealStamp(BaseStamp):
    def __init__(self, writer, style: SealStampStyle, *, box, url: str):
        super().__init__(writer, style, box=box)
        self.url = url

    def _render_inner_content(self):
        width, height = self.box.width, self.box.height
        for name, base in (("/F1", "/Helvetica"), ("/F2", "/Helvetica-Bold")):
            self.set_resource(
                category=content.ResourceType.FONT,
                name=pdf_name(name),
                value=generic.DictionaryObject(
                    {
                        pdf_name("/Type"): pdf_name("/Font"),
                        pdf_name("/Subtype"): pdf_name("/Type1"),
                        pdf_name("/BaseFont"): pdf_name(base),
                        pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
                    }
                ),
            )
        gap, pad = 0.25 * CM, 2.0
        text_x = height - pad + gap
        column = width - text_x
        commands = [b"0.6 G 0.5 w 0 %.2f m %.2f %.2f l S 0 g" % (height, width, height)]
        commands.append(_qr_commands(self.url, height - pad))
        lines = list(self.style.sealer.text_lines(column))
        font, size, last = lines[-1]
        if _width(f"{last} {self.url}", "regular", size) <= column:
            lines[-1] = (font, size, f"{last} {self.url}")
        else:  # on a line of its own, smaller if it must be to fit
            fit = FONT_SIZE * column / max(_width(self.url, "regular", FONT_SIZE), 1)
            lines.append(("/F1", min(FONT_SIZE, fit), self.url))
        y = height - pad - 0.1 * CM - TITLE_SIZE
        text = [b"BT"]
        for font, size, line in lines:
            text.append(
                b"%s %.2f Tf 1 0 0 1 %.2f %.2f Tm (%s) Tj"
                % (font.encode(), size, text_x, y, _pdf_string(line))
            )
            y -= LEADING
        text.append(b"ET")
        commands.append(b" ".join(text))
        return commands


def _qr_commands(url: str, size: float) -> bytes:
    """The QR code as filled rectangles (one per run of dark modules) in a `size` square."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER, mask_pattern=QR_MASK
    )
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    count = len(matrix)
    ops = []
    for row, cells in enumerate(matrix):
        y = count - 1 - row
        column = 0
        while column < count:
            if cells[column]:
                start = column
                while column < count and cells[column]:
                    column += 1
                ops.append(b"%d %d %d 1 re" % (start, y, column - start))
            else:
                column += 1
    scale = size / count
    return b"q %.4f 0 0 %.4f 0 0 cm 0 g %s f Q" % (scale, scale, b" ".join(ops))


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


@lru_cache(maxsize=2)
def _advances(weight: str) -> dict[str, float]:
    """Character widths (per point of font size) from the bundled Liberation Sans, which has
    Helvetica's metrics: the viewer draws the stamp in Helvetica, we only need to wrap it."""
    from fontTools.ttLib import TTFont

    name = "LiberationSans-Bold.ttf" if weight == "bold" else "LiberationSans-Regular.ttf"
    with TTFont(FONTS / name) as font:
        units = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap()
        return {chr(c): metrics[g][0] / units for c, g in cmap.items() if c < 0x250}


def _width(text: str, weight: str, size: float) -> float:
    advances = _advances(weight)
    return sum(advances.get(ch, 0.6) for ch in text) * size


def _wrap(text: str, weight: str, size: float, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and _width(candidate, weight, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
