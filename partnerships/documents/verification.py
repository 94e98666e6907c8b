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
too complex before any of that work starts. Reading the cross-reference sections is itself
work a few kilobytes can make huge (a compressed stream that declares a million entries, or
entries zero bytes wide), so the raw bytes are scanned first (`_declares_too_much`): what the
sections, trailers and object streams declare, and how far their compressed data inflates.
A file that words its dictionaries so that the scan misses them still meets three limits while
pyHanko reads and validates it: the cross-reference entries it may yield (`_entries_left`),
what all its streams may inflate to (`DECODE_LIMITS`), and how many reads its parser, which
reads a byte at a time, may make (`MAX_READS`). Each ends the work as too complex.

Ends: a file's header may follow some junk (readers look for it in the first kilobyte, as
Acrobat does) and its last %%EOF may be followed by whitespace, NULs, comments or other stray
bytes. The PDF is what lies between: its offsets count from the header's "%" (ISO 32000-2,
7.5.2, says so; a file whose offsets count the junk too reads as damaged), and a signature
over it is judged on it. Only what looks like the start of another revision after the last
%%EOF (an object, a cross-reference section, a trailer), or no %%EOF at all, makes a file
truncated.
"""

import hashlib
import io
import logging
import re
import zlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils import xref as pyhanko_xref
from pyhanko.pdf_utils.decode_limits import (
    DEFAULT_PURPOSE_LIMITS,
    DecodeLimits,
    DecodePurpose,
    DocumentDecodeBudget,
    StreamDecodeLimits,
)
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
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
MiB = 1024 * 1024
# A cross-reference stream row is a few bytes (type, offset, generation: 7 to 14 with a
# predictor's tag): MAX_OBJECTS rows fit well within this.
MAX_XREF_STREAM = MAX_OBJECTS * 32
MAX_OBJECT_STREAM = 16 * MiB  # one object stream's objects, inflated
MAX_INFLATED = 64 * MiB  # all the streams inflated while checking one file
# pyHanko's reads of one file (most are of a byte): twelve signatures over a letter take
# 90,000; half a million take it about a second.
MAX_READS = 500_000
DECODE_LIMITS = DecodeLimits(
    per_stream=StreamDecodeLimits(max_output_size=MAX_INFLATED),
    per_purpose={
        **DEFAULT_PURPOSE_LIMITS,
        DecodePurpose.XREF_STREAM: StreamDecodeLimits(
            max_ratio=None, max_output_size=MAX_XREF_STREAM
        ),
        DecodePurpose.OBJECT_STREAM: StreamDecodeLimits(
            max_ratio=100, ratio_floor=MiB, max_output_size=MAX_OBJECT_STREAM
        ),
    },
    document_budget=DocumentDecodeBudget(base_allowance=MAX_INFLATED, max_ratio=10),
)


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
    start: int = 0  # where the PDF's header is: the junk before it is no part of the PDF

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.VALID

    @property
    def judged(self) -> bool:
        """Whether there is a verdict on signatures to show: not for a registered document that
        is no PDF (a scan, an archive), which is only what it is, not "not a PDF"."""
        return not (self.outcome == Outcome.NOT_PDF and self.registered)

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
        # a signed revision's bytes, unless they are the whole file (found above)
        start = verdict.start
        ends = {
            s.revision_end
            for s in verdict.signatures
            if s.revision_end > 0 and (start or s.revision_end < len(data))
        }
        seen = {d.id for d in verdict.registered}
        for end in sorted(ends):
            revision = data[start : start + end]
            for document in services.by_hash(hashlib.sha256(revision).hexdigest()):
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
    start = data.find(b"%PDF-", 0, HEADER_WINDOW)
    if start < 0:
        return Verdict(Outcome.NOT_PDF)
    end = _end(data)
    if end is None or end <= start:
        return Verdict(Outcome.TRUNCATED)
    verdict = _check_pdf(data[start:end])
    verdict.start = start
    return verdict


def _check_pdf(pdf: bytes) -> Verdict:
    """The verdict on a PDF from its header to its last %%EOF."""
    # Counted before parsing: each revision ends with %%EOF, each signature has a /ByteRange.
    if pdf.count(b"%%EOF") > MAX_REVISIONS or pdf.count(b"/ByteRange") > MAX_SIGNATURES:
        return Verdict(Outcome.TOO_COMPLEX)
    if _declares_too_much(pdf):
        return Verdict(Outcome.TOO_COMPLEX)
    try:
        reader = _reader(pdf)
        if reader.encrypted:
            return Verdict(Outcome.ENCRYPTED)
        revisions = reader.xrefs.total_revisions
        objects = sum(len(reader.xrefs.explicit_refs_in_revision(r)) for r in range(revisions))
        if revisions > MAX_REVISIONS or objects > MAX_OBJECTS:
            return Verdict(Outcome.TOO_COMPLEX)
        found = list(enumerate_sig_fields(reader, filled_status=True))
    except (_TooComplex, PdfDecodeLimitError) as error:
        log.info("PDF too complex: %s", error)
        return Verdict(Outcome.TOO_COMPLEX)
    except Exception as error:
        log.info("unreadable PDF: %s", error)
        return Verdict(Outcome.CORRUPT, notes=[type(error).__name__])
    if not found:
        return Verdict(Outcome.UNSIGNED)
    if len(found) > MAX_SIGNATURES:
        return Verdict(Outcome.TOO_COMPLEX)
    context = _validation_context()
    ours = certificates.office_fingerprints()
    try:
        signatures = [_judge(reader, name, field_, context, ours) for name, _obj, field_ in found]
    except (_TooComplex, PdfDecodeLimitError) as error:
        log.info("PDF too complex: %s", error)
        return Verdict(Outcome.TOO_COMPLEX)
    signatures.sort(key=lambda s: s.revision_end)
    worst = min((s.outcome for s in signatures), key=SEVERITY.index)
    notes = [f"{s.field}: {s.problem}" for s in signatures if s.problem]
    return Verdict(worst, [s.signer for s in signatures], notes=notes, signatures=signatures)


# --- where the PDF ends ----------------------------------------------------------------------

_EOL = re.compile(rb"\r\n|\r|\n")
_COMMENT = re.compile(rb"%[^\r\n]*")
# The words of what begins a revision: an object ("12 0 obj"), a cross-reference section or
# stream, a trailer, startxref. Looked for as words, not as syntax: an update cut short may
# end anywhere, and a search for words costs no more than the bytes.
UPDATE_WORDS = (b"obj", b"xref", b"trailer")


def _end(data: bytes) -> int | None:
    """Where the PDF ends: after its last %%EOF and that line's break. None when the file has
    no %%EOF, or when what follows the last one begins another revision (an update whose end
    is missing); whitespace, NULs, comments and other stray bytes there are no part of it."""
    last = data.rfind(b"%%EOF")
    if last < 0:
        return None
    end = last + len(b"%%EOF")
    eol = _EOL.match(data, end)
    if eol:
        end = eol.end()
    rest = _COMMENT.sub(b"", data[end:]).strip(b"\x00\t\n\x0c\r ")
    # an update cut short may end anywhere, even inside its first object's number
    if rest[:1].isdigit() or any(word in rest for word in UPDATE_WORDS):
        return None
    return end


# --- bounds read from the raw bytes ----------------------------------------------------------

_KIND = re.compile(rb"/Type\s*/(XRef|ObjStm)\b")
_STREAM = re.compile(rb"\bstream(?:\r\n|\r|\n)")
# Numbers are read to 12 digits at most (a longer one is too big either way).
_SIZE = re.compile(rb"/Size\s+\+?(\d{1,12})")
_INDEX = re.compile(rb"/Index\s*\[([^\]]*)\]")
_NUMBER = re.compile(rb"[+-]?\d{1,12}")
_COUNT = re.compile(rb"/N\s+\+?(\d{1,12})")
_LENGTH = re.compile(rb"/Length\s+(\d{1,12})\b(?!\s+\d+\s+R\b)")
# (patterns that begin with a word: the regex engine skips ahead to it; `startxref` is told
# apart after the match)
_TABLE = re.compile(rb"xref\s")
_SUBSECTION = re.compile(rb"\s*\+?(\d{1,12})[ \t]+\+?(\d{1,12})[ \t]*(?:\r\n|\r|\n)")
_ENTRIES = re.compile(rb"(?:\s*\d{1,10}[ \t]+\d{1,5}[ \t]+[fn])*")
_TRAILER = re.compile(rb"trailer\s*<<")
_FLATE = re.compile(rb"/FlateDecode\b|/Fl\b")
DICTIONARY_WINDOW = 4096  # how far a stream's or trailer's dictionary is looked for
# Trailers, tables and cross-reference or object streams a file may have: a document has one
# trailer or cross-reference section per revision and an object stream per hundred objects or
# so. The cap keeps the scan itself cheap (each costs a few windows' reading).
MAX_SECTIONS = 2_000
INFLATE_CHUNK = MiB


def _declares_too_much(pdf: bytes) -> bool:
    """Whether the raw bytes declare more than the limits, before a parser reads them: more
    than MAX_OBJECTS cross-reference entries (/Size of a trailer or cross-reference stream,
    /Index counts, a table's subsection counts, all sections together) or objects in object
    streams (/N), or cross-reference and object streams that inflate beyond their bounds."""
    entries = compressed = inflated = sections = 0
    for match in _TRAILER.finditer(pdf):
        sections += 1
        if sections > MAX_SECTIONS:
            return True
        window = pdf[match.end() : match.end() + DICTIONARY_WINDOW]
        size = _SIZE.search(window.split(b"startxref", 1)[0])
        if size and int(size[1]) > MAX_OBJECTS:
            return True
    for match in _TABLE.finditer(pdf):
        if pdf[match.start() - 1 : match.start()].isalpha():
            continue  # startxref
        sections += 1
        if sections > MAX_SECTIONS:
            return True
        position = match.end() - 1
        while subsection := _SUBSECTION.match(pdf, position):
            entries += int(subsection[2])
            if entries > MAX_OBJECTS:
                return True
            position = _ENTRIES.match(pdf, subsection.end()).end()
    for match in _KIND.finditer(pdf):
        sections += 1
        if sections > MAX_SECTIONS:
            return True
        header = pdf.rfind(b"obj", max(0, match.start() - DICTIONARY_WINDOW), match.start())
        stream = _STREAM.search(pdf, match.end(), match.end() + DICTIONARY_WINDOW)
        if stream is None:
            continue  # no stream dictionary: nothing a reader would decode
        dictionary = pdf[header + 3 if header >= 0 else match.start() : stream.start()]
        if match[1] == b"XRef":
            size = _SIZE.search(dictionary)
            declared = int(size[1]) if size else 0
            if declared > MAX_OBJECTS:
                return True
            index = _INDEX.search(dictionary)
            if index:
                numbers = _NUMBER.findall(index[1])
                declared = sum(max(0, int(n)) for n in numbers[1::2])
            entries += declared
            bound = MAX_XREF_STREAM
        else:
            count = _COUNT.search(dictionary)
            compressed += int(count[1]) if count else 0
            bound = MAX_OBJECT_STREAM
        if entries > MAX_OBJECTS or compressed > MAX_OBJECTS:
            return True
        if _FLATE.search(dictionary):
            size = _inflated_size(_stream_data(pdf, dictionary, stream.end()), bound)
            inflated += size
            if size > bound or inflated > MAX_INFLATED:
                return True
    return False


def _stream_data(pdf: bytes, dictionary: bytes, start: int) -> bytes:
    """A stream's raw data: its /Length bytes, or (an indirect length) up to `endstream`."""
    length = _LENGTH.search(dictionary)
    if length:
        return pdf[start : start + int(length[1])]
    end = pdf.find(b"endstream", start)
    return pdf[start : end if end >= 0 else len(pdf)]


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes Flate data inflates to, counted in chunks up to just past `limit` (never
    held whole). Damaged data counts what came out before the damage: the parser will say."""
    inflater = zlib.decompressobj()
    size, pending = 0, raw
    try:
        while size <= limit and not inflater.eof:
            chunk = inflater.decompress(pending, INFLATE_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass
    return size


# --- bounds while pyHanko reads --------------------------------------------------------------


class _TooComplex(Exception):
    """More work than the limits allow, found while pyHanko reads the file."""


# Entries pyHanko may still read from cross-reference sections in this context (None: no
# limit; set while a file is checked). A row of a stream can be zero bytes wide, so neither the
# file's size nor the inflated size bounds the entries: this count does.
_entries_left: ContextVar[list[int] | None] = ContextVar("xref_entries_left", default=None)


def _counted(parse):
    """pyHanko's parser of a cross-reference section, stopping once _entries_left is spent."""

    def counted(*args, **kwargs):
        left = _entries_left.get()
        for entry in parse(*args, **kwargs):
            if left is not None:
                left[0] -= 1
                if left[0] < 0:
                    raise _TooComplex("too many cross-reference entries")
            yield entry

    counted.counts_entries = True
    return counted


# pyHanko's XRefBuilder looks both parsers up in its module when it reads a section.
for _name in ("parse_xref_table", "parse_xref_stream"):
    if not getattr(getattr(pyhanko_xref, _name), "counts_entries", False):
        setattr(pyhanko_xref, _name, _counted(getattr(pyhanko_xref, _name)))


class _Metered(io.BytesIO):
    """The file as pyHanko reads it. Its parser reads tokens, whitespace and lines a byte per
    call, so the calls measure its work: a file may take MAX_READS of them, from opening to
    the last signature's validation (a run of megabytes of whitespace in a dictionary, or a
    last line of megabytes read backwards, would otherwise take seconds a megabyte)."""

    def __init__(self, data: bytes, reads: int):
        super().__init__(data)
        self.reads_left = reads

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads_left -= 1
        if self.reads_left < 0:
            raise _TooComplex("reading the file takes too long")
        return super().read(size)


def _reader(pdf: bytes) -> PdfFileReader:
    """pyHanko's reader over `pdf`, with the entries, the inflated bytes and the reads
    bounded."""
    # twice the limit: hybrid and linearised files list some objects in two sections
    token = _entries_left.set([2 * MAX_OBJECTS])
    try:
        stream = _Metered(pdf, MAX_READS)
        return PdfFileReader(stream, strict=True, decode_limits=DECODE_LIMITS)
    finally:
        _entries_left.reset(token)


def _judge(reader, name: str, sig_field, context, ours: dict[bytes, int]) -> Signature:
    """One signature's status; a signature pyHanko cannot even read is `broken`."""
    end = _revision_end(sig_field)
    try:
        embedded = EmbeddedPdfSignature(reader, sig_field, name)
        status = run_async(
            async_validate_pdf_signature(embedded, signer_validation_context=context)
        )
    except (_TooComplex, PdfDecodeLimitError):
        raise  # the file's verdict: too complex
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
