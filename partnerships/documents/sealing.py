"""PAdES seals with the issuing office's certificate (pyHanko).

INTERFACE ONLY on the integration branch: the seal helper replaces `seal` with the real
implementation; nothing may land on main while this returns the PDF unchanged.
"""


def seal(pdf: bytes, *, office_id: int, verify_url: str) -> bytes:
    """The PDF with the office's approval seal (visible stamp with a QR to `verify_url`)."""
    return pdf  # placeholder: replaced by the seal helper
