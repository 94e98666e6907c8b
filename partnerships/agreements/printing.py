"""An agreement as plain data for the documents domain, and the checks before it prints.

INTERFACE ONLY on the integration branch: the render helper fills this in.
"""

from partnerships.agreements.models import Agreement


class PrintRefused(ValueError):
    """The agreement lacks what its document needs; `missing` lists it for the user."""

    def __init__(self, missing: list[str]):
        super().__init__("; ".join(missing))
        self.missing = missing


def missing(agreement: Agreement, *, signed: bool) -> list[str]:
    """What the agreement still needs before it prints (for signature when `signed`)."""
    raise NotImplementedError


def agreement_data(agreement: Agreement) -> dict:
    """The agreement's (frozen, when final) text and parties as plain data."""
    raise NotImplementedError


def agreement_pdf(agreement: Agreement) -> bytes:
    """The PDF of the agreement's current text: DRAF while drafting or in review."""
    raise NotImplementedError
