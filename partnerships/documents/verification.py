"""What a PDF's signatures say: one precise verdict for any bytes.

INTERFACE ONLY on the integration branch: the seal helper fills this in.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from partnerships.documents.models import Document


class Outcome(StrEnum):
    VALID = "valid"  # intact signatures covering the file (or permitted later changes)
    UNTRUSTED = "untrusted"  # intact, but the signer's certificate does not chain to a trusted CA
    ALTERED = "altered"  # changed after signing
    UNSIGNED = "unsigned"
    NOT_PDF = "not_pdf"
    CORRUPT = "corrupt"
    TRUNCATED = "truncated"
    ENCRYPTED = "encrypted"
    TOO_COMPLEX = "too_complex"


@dataclass
class Verdict:
    outcome: Outcome
    signers: list[str] = field(default_factory=list)  # names from the certificates, in order
    registered: list[Document] = field(default_factory=list)  # stored documents with this hash
    notes: list[str] = field(default_factory=list)


def check(data: bytes) -> Verdict:
    raise NotImplementedError  # placeholder: replaced by the seal helper


def check_signed_upload(data: bytes, *, sent: bytes) -> Verdict:
    """A partner's certified signature over the PDF the office `sent`: the upload must be that
    PDF plus at least one new intact signature beyond the office's seal."""
    raise NotImplementedError  # placeholder: replaced by the seal helper
