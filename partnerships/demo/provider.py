"""A stand-in for a certification provider (BSrE) in the demo: the root the operator trusts, and
a partner's signatory signing the PDF the office sent, as the provider's signing app would.

Only the demo uses it: a real partner's signed PDF comes from its provider and is uploaded.
"""

import io
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from partnerships.documents import certificates, sealing

PROVIDER = "Balai Sertifikasi Elektronik (Demo)"
FIELD = "TTE Pihak Kedua"


def provider_signed(
    pdf: bytes, person: str, organisation: str, signed_at: datetime | None = None
) -> bytes:
    """`pdf` with the person's certified signature added as an incremental update; the demo
    provider's root is put among the trusted roots so the upload verifies as trusted. The
    signature states `signed_at` (default: now) as its signing time, as a signer's app states
    its own clock: the demo retells signings of years ago."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    ca_key, ca_cert = certificates.make_ca(PROVIDER, organisation=PROVIDER)
    folder = certificates.trust_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # one root per demo load: a reload next to an earlier one keeps both trusted
    name = ca_cert.fingerprint(ca_cert.signature_hash_algorithm).hex()[:16]
    (folder / f"demo-provider-{name}.pem").write_bytes(
        ca_cert.public_bytes(serialization.Encoding.PEM)
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, person[:64]),
        ]
    )
    key, cert = certificates.issue_signing_certificate(ca_key, ca_cert, subject)
    data = certificates.p12_bytes(key, cert, [ca_cert], b"demo")
    signer = signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=b"demo")
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )

    class SignerAt(signers.PdfSigner):
        """pyHanko's signer stating `signed_at` as its signing time (pyHanko takes the clock's)."""

        def init_signing_session(self, *args, **kwargs):
            session = super().init_signing_session(*args, **kwargs)
            session.system_time = signed_at or session.system_time
            return session

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    pdf_signer = SignerAt(meta, signer, new_field_spec=fields.SigFieldSpec(FIELD))
    # the async API on a loop of our own (a loop may already run in this thread)
    return sealing.run_async(pdf_signer.async_sign_pdf(writer)).getvalue()
