"""PAdES seals with the issuing office's certificate (pyHanko).

PLACEHOLDER until the sealing work lands: `seal` returns the PDF unchanged. The signature below
is the interface every caller uses.
"""


def seal(pdf: bytes, *, office_id: int, verify_url: str) -> bytes:
    """The PDF sealed by the office's certificate, with a visible stamp carrying a QR code to
    `verify_url` and the electronic-signature footer text."""
    return pdf
