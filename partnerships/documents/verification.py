"""What a PDF's signatures say: one precise verdict for any bytes, never an exception.

Trust: a signature is trusted when its certificate chains to one of `certificates.trust_roots`:
our own CA (the offices' seals) and the root certificates the operator installs for the
licensed providers partners sign with (BSrE, PrivyID, Peruri, VIDA ...; PEM files in
DOCUMENT_TRUST_DIR). Nothing is fetched from the network (no OCSP/CRL look-ups: a worker must
not wait on a stranger's server), so revocation is not checked. Our own seals are told apart by
their certificates (the offices' `office-<id>.pem`), not by the field's name.

Bounds: a hostile PDF could ask for a lot of work (every signature is checked against every
later revision; finding the signature fields visits every form field), so a file with more
than MAX_SIGNATURES signatures, MAX_REVISIONS revisions or MAX_OBJECTS objects is refused as
too complex before any of that work starts.
"""

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from partnerships.documents import certificates, services
from partnerships.documents.models import Document
from partnerships.documents.sealing import run_async

log = logging.getLogger("partnerships")

MAX_SIGNATURES = 12
MAX_REVISIONS = 24
MAX_OBJECTS = 20_000  # a 100-page letter has a few thousand; finding the fields visits them all
HEADER_WINDOW = 1024  # a PDF's header may follow some bytes of junk (readers allow it)


class Outcome(StrEnum):
    VALID = "valid"  # intact signatures covering the file (or permitted later changes)
    UNTRUSTED = "untrusted"  # intact, but the signer's certificate does not chain to a trusted CA
    ALTERED = "altered"  # changed after signing
    BROKEN = "broken"  # a signature is damaged: unreadable, or its value does not verify
    UNSIGNED = "unsigned"
    NOT_PDF = "not_pdf"
    CORRUPT = "corrupt"
    TRUNCATED = "truncated"
    ENCRYPTED = "encrypted"
    TOO_COMPLEX = "too_complex"
    # check_signed_upload's refusals
    NOT_SENT = "not_sent"  # not the PDF that was sent, with additions only
    NO_NEW_SIGNATURE = "no_new_signature"  # nothing signed beyond what was sent / our own seal


TITLES = {
    Outcome.VALID: _l("Valid signatures"),
    Outcome.UNTRUSTED: _l("Signer not trusted"),
    Outcome.ALTERED: _l("Changed after signing"),
    Outcome.BROKEN: _l("Damaged signature"),
    Outcome.UNSIGNED: _l("Not signed"),
    Outcome.NOT_PDF: _l("Not a PDF"),
    Outcome.CORRUPT: _l("Damaged PDF"),
    Outcome.TRUNCATED: _l("Incomplete PDF"),
    Outcome.ENCRYPTED: _l("Encrypted PDF"),
    Outcome.TOO_COMPLEX: _l("Too complex"),
    Outcome.NOT_SENT: _l("Not the document sent"),
    Outcome.NO_NEW_SIGNATURE: _l("Partner's signature missing"),
}
# How the page colours a verdict: green only for valid.
STYLES = {Outcome.VALID: "success", Outcome.UNTRUSTED: "warning", Outcome.UNSIGNED: "secondary"}

MESSAGES = {
    Outcome.VALID: _l(
        "The signatures are valid and the document has not been changed since it was signed."
    ),
    Outcome.UNTRUSTED: _l(
        "The document has not been changed since it was signed, but a signature was made with "
        "a certificate that no trusted certification authority issued."
    ),
    Outcome.ALTERED: _l("The document was changed after it was signed."),
    Outcome.BROKEN: _l("A signature in the document is damaged and cannot be checked."),
    Outcome.UNSIGNED: _l("The document carries no electronic signature."),
    Outcome.NOT_PDF: _l("The file is not a PDF."),
    Outcome.CORRUPT: _l("The PDF is damaged and cannot be read."),
    Outcome.TRUNCATED: _l("The PDF is incomplete: its end is missing (an interrupted download?)."),
    Outcome.ENCRYPTED: _l("The PDF is encrypted (password-protected) and cannot be checked."),
    Outcome.TOO_COMPLEX: _l(
        "The PDF is too complex to be checked here: it may hold at most %(signatures)s "
        "signatures, %(revisions)s revisions and %(objects)s objects.",
        signatures=MAX_SIGNATURES,
        revisions=MAX_REVISIONS,
        objects=MAX_OBJECTS,
    ),
    Outcome.NOT_SENT: _l(
        "This is not the document that was sent for signing: the signed PDF must be that very "
        "file with the signature added to it."
    ),
    Outcome.NO_NEW_SIGNATURE: _l(
        "The PDF carries no signature besides the office's own seal: the partner's signature "
        "is missing."
    ),
}


@dataclass
class Signature:
    """One signature found in the file, as the verdict judged it."""

    field: str
    signer: str  # the certificate's common name (and organisation, if it names one)
    issuer: str
    signed_at: datetime | None
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature value verifies
    trusted: bool  # the certificate chains to a trusted root
    changed_after: bool  # later revisions changed more than a signature may permit
    revision_end: int  # the signed revision's length: the file's first revision_end bytes
    office_id: int | None = None  # one of our offices' seals
    problem: str | None = None  # what made it broken, for the notes

    @property
    def outcome(self) -> Outcome:
        if self.problem is not None:
            return Outcome.BROKEN
        if not self.intact or self.changed_after:
            return Outcome.ALTERED
        if not self.valid:
            return Outcome.BROKEN
        return Outcome.VALID if self.trusted else Outcome.UNTRUSTED

    @property
    def title(self) -> str:
        if self.outcome == Outcome.VALID:
            return str(_l("Valid signature"))
        return str(TITLES[self.outcome])

    @property
    def style(self) -> str:
        return STYLES.get(self.outcome, "danger")


@dataclass
class Verdict:
    outcome: Outcome
    signers: list[str] = field(default_factory=list)  # names from the certificates, in order
    registered: list[Document] = field(default_factory=list)  # stored documents with this hash
    notes: list[str] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    # Stored documents this file grew from: a signed revision of it is one of them (our sealed
    # PDF, later signed by the partner, matches its seal's revision).
    based_on: list[Document] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.VALID

    @property
    def message(self) -> str:
        return str(MESSAGES[self.outcome])

    @property
    def title(self) -> str:
        return str(TITLES[self.outcome])

    @property
    def style(self) -> str:
        return STYLES.get(self.outcome, "danger")


# Worst first: the verdict on a file is that of its worst signature.
SEVERITY = [Outcome.ALTERED, Outcome.BROKEN, Outcome.UNTRUSTED, Outcome.VALID]


def check(data: bytes) -> Verdict:
    """The verdict on any bytes, with the stored documents they match. Never raises."""
    try:
        verdict = _check(data)
    except Exception:  # a verdict, whatever the file does to the parser
        log.exception("verifying an uploaded file")
        verdict = Verdict(Outcome.CORRUPT)
    try:
        verdict.registered = services.by_hash(hashlib.sha256(data).hexdigest())
        ends = {s.revision_end for s in verdict.signatures if s.revision_end < len(data)}
        seen = {d.id for d in verdict.registered}
        for end in sorted(ends):
            for document in services.by_hash(hashlib.sha256(data[:end]).hexdigest()):
                if document.id not in seen:
                    seen.add(document.id)
                    verdict.based_on.append(document)
    except Exception:
        log.exception("looking up a verified file in the document store")
    return verdict


def check_signed_upload(data: bytes, *, sent: bytes) -> Verdict:
    """A partner's certified signature over the PDF the office `sent`: the upload must be that
    PDF plus incremental updates only (the sent bytes are its beginning), every signature in
    it intact and trusted, and at least one new signature that is not one of our seals. The
    verdict's `signers` then names the new signers. Never raises."""
    verdict = check(data)
    if verdict.outcome not in (Outcome.VALID, Outcome.UNTRUSTED, Outcome.UNSIGNED):
        return verdict  # damaged, altered, unreadable: that is the first thing to say
    if data == sent:
        verdict.outcome = Outcome.NO_NEW_SIGNATURE
        return verdict
    if not data.startswith(sent):
        return Verdict(Outcome.NOT_SENT, registered=verdict.registered, notes=verdict.notes)
    if verdict.outcome == Outcome.UNTRUSTED:
        return verdict
    new = [s for s in verdict.signatures if s.revision_end > len(sent) and s.office_id is None]
    if verdict.outcome == Outcome.UNSIGNED or not new:
        verdict.outcome = Outcome.NO_NEW_SIGNATURE
        return verdict
    verdict.signers = [s.signer for s in new]
    return verdict


def _check(data: bytes) -> Verdict:
    head = data[:HEADER_WINDOW]
    if b"%PDF-" not in head:
        return Verdict(Outcome.NOT_PDF)
    # A complete file ends with %%EOF (and perhaps a line break): anything else after the last
    # one is the start of an update whose end is missing.
    if not data.rstrip(b"\r\n\t \x00").endswith(b"%%EOF"):
        return Verdict(Outcome.TRUNCATED)
    # Counted before parsing: each revision ends with %%EOF, each signature has a /ByteRange.
    if data.count(b"%%EOF") > MAX_REVISIONS or data.count(b"/ByteRange") > MAX_SIGNATURES:
        return Verdict(Outcome.TOO_COMPLEX)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        if reader.encrypted:
            return Verdict(Outcome.ENCRYPTED)
        revisions = reader.xrefs.total_revisions
        objects = sum(len(reader.xrefs.explicit_refs_in_revision(r)) for r in range(revisions))
        if revisions > MAX_REVISIONS or objects > MAX_OBJECTS:
            return Verdict(Outcome.TOO_COMPLEX)
        found = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as error:
        log.info("unreadable PDF: %s", error)
        return Verdict(Outcome.CORRUPT, notes=[type(error).__name__])
    if not found:
        return Verdict(Outcome.UNSIGNED)
    if len(found) > MAX_SIGNATURES:
        return Verdict(Outcome.TOO_COMPLEX)
    context = _validation_context()
    ours = certificates.office_fingerprints()
    signatures = [_judge(reader, name, field_, context, ours) for name, _obj, field_ in found]
    signatures.sort(key=lambda s: s.revision_end)
    worst = min((s.outcome for s in signatures), key=SEVERITY.index)
    notes = [f"{s.field}: {s.problem}" for s in signatures if s.problem]
    return Verdict(worst, [s.signer for s in signatures], notes=notes, signatures=signatures)


def _judge(reader, name: str, sig_field, context, ours: dict[bytes, int]) -> Signature:
    """One signature's status; a signature pyHanko cannot even read is `broken`."""
    end = _revision_end(sig_field)
    try:
        embedded = EmbeddedPdfSignature(reader, sig_field, name)
        status = run_async(
            async_validate_pdf_signature(embedded, signer_validation_context=context)
        )
    except Exception as error:
        return Signature(
            field=name,
            signer="?",
            issuer="?",
            signed_at=None,
            intact=False,
            valid=False,
            trusted=False,
            changed_after=False,
            revision_end=end,
            problem=type(error).__name__,
        )
    certificate = status.signing_cert
    fingerprint = hashlib.sha256(certificate.dump()).digest()
    covered = status.coverage in (
        SignatureCoverageLevel.ENTIRE_FILE,
        SignatureCoverageLevel.ENTIRE_REVISION,
    )
    office_id = ours.get(fingerprint)
    return Signature(
        field=name,
        signer=_seal_name(certificate.subject) if office_id else _person(certificate.subject),
        issuer=_person(certificate.issuer),
        signed_at=status.signer_reported_dt,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        changed_after=not covered or status.docmdp_ok is False,
        revision_end=end,
        office_id=office_id,
    )


def _revision_end(sig_field) -> int:
    """Where the signed bytes end: the last offset of the /ByteRange."""
    try:
        byte_range = sig_field.get_object()["/V"].get_object()["/ByteRange"]
        return int(byte_range[2]) + int(byte_range[3])
    except (KeyError, IndexError, TypeError, ValueError):
        return 0


def _seal_name(name: asn1_x509.Name) -> str:
    """An office's seal reads "BPJS Ketenagakerjaan Kantor Cabang ..." (O, then CN)."""
    native = name.native
    common, organisation = native.get("common_name") or "", native.get("organization_name") or ""
    if organisation and organisation not in common:
        return f"{organisation} {common}"
    return common or organisation


def _person(name: asn1_x509.Name) -> str:
    native = name.native
    common = native.get("common_name") or ""
    organisation = native.get("organization_name") or ""
    if isinstance(common, list):
        common = " ".join(common)
    if isinstance(organisation, list):
        organisation = " ".join(organisation)
    if organisation and organisation not in common:
        return f"{common} ({organisation})" if common else organisation
    return common or organisation or name.human_friendly


def _validation_context() -> ValidationContext:
    roots = _roots(_trust_key())
    return ValidationContext(trust_roots=list(roots), allow_fetching=False)


def _trust_key() -> tuple:
    """What the trust roots were read from, so a new root is picked up without a restart."""
    paths = [certificates.cert_dir() / "ca.pem"]
    folder = certificates.trust_dir()
    if folder.is_dir():
        paths += sorted(folder.glob("*.pem"))
    return tuple((str(p), p.stat().st_mtime_ns) for p in paths if p.exists())


@lru_cache(maxsize=8)
def _roots(key: tuple) -> tuple[asn1_x509.Certificate, ...]:
    from cryptography import x509

    roots = []
    for path, _mtime in key:
        with open(path, "rb") as handle:
            for certificate in x509.load_pem_x509_certificates(handle.read()):
                der = certificate.public_bytes(serialization.Encoding.DER)
                roots.append(asn1_x509.Certificate.load(der))
    return tuple(roots)
