"""Checking PDFs that come back signed: are the signatures intact, do they cover the file (or
only permitted later changes), who signed; and is the file one we registered.

PLACEHOLDER until the verification work lands: the interface below is what callers use.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SignedUploadVerdict:
    ok: bool
    problems: list[str] = field(default_factory=list)  # in the user's language
    signers: list[str] = field(default_factory=list)  # names from the certificates


def check_signed_upload(pdf: bytes) -> SignedUploadVerdict:
    """Refuse anything but a PDF whose every signature is intact and names its signer."""
    return SignedUploadVerdict(ok=pdf.startswith(b"%PDF-"))
