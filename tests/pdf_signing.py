"""A certification provider for the tests: a small CA (as BSrE would be) issuing a signing
certificate to a partner's official, and a PAdES signature made with it by pyHanko, added to a
PDF incrementally as a provider's signing service does. Nothing here is a mock: the signatures
are real and are checked by the app's real verifier."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

DER = serialization.Encoding.DER


@dataclass
class Provider:
    """A test certification authority and one signer's key and certificate."""

    ca_cert: x509.Certificate
    signer_name: str
    signer: signers.SimpleSigner

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    def sign(self, pdf: bytes, field_name: str = "TTE-Mitra") -> bytes:
        """`pdf` with this signer's signature appended as an incremental update."""
        # pyHanko's sync API runs its own event loop: in a thread of its own, so that it works
        # beside Playwright's loop in the browser tests too.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(self._sign, pdf, field_name).result()

    def _sign(self, pdf: bytes, field_name: str) -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        meta = signers.PdfSignatureMetadata(field_name=field_name, reason="Penandatanganan")
        return signers.sign_pdf(writer, meta, signer=self.signer).getvalue()


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(**allowed: bool) -> x509.KeyUsage:
    flags = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{flag: allowed.get(flag, False) for flag in flags})


def make_provider(signer_name: str, ca_name: str = "Uji Balai Sertifikasi Elektronik") -> Provider:
    """A CA named `ca_name` and a signing certificate for `signer_name`, valid around now."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = _name(ca_name, "Uji BSrE")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_subject)
        .issuer_name(ca_subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name, "Pemerintah Daerah"))
        .issuer_name(ca_subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_asn1 = asn1_x509.Certificate.load(ca_cert.public_bytes(DER))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs([ca_asn1]),
    )
    return Provider(ca_cert=ca_cert, signer_name=signer_name, signer=signer)


def flip_a_signed_byte(pdf: bytes) -> bytes:
    """The PDF with one byte changed inside a content stream that the signatures cover: it
    still parses, but no signature over it is intact any more."""
    start = pdf.index(b"stream", pdf.index(b"/Length")) + len(b"stream") + 40
    return pdf[:start] + bytes([pdf[start] ^ 0x01]) + pdf[start + 1 :]
