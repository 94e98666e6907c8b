"""The ways a change to an agreement is refused: each says why, and `field` names the input."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from partnerships.agreements.models import Agreement, Status
from partnerships.core.errors import DomainError


class AgreementError(DomainError):
    """A refused change; `field` names the form input at fault."""


class ConflictError(AgreementError):
    """Somebody else saved first; nothing was overwritten."""


class WorkflowError(AgreementError):
    """A move the workflow does not allow, with the reason."""


def stale_form() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this agreement while you were editing. "
            "Reload the page to see their changes; nothing was saved."
        )
    )


@contextmanager
def refuse_stale() -> Iterator[None]:
    """An agreement row changed by another transaction since it was read (its lock_version
    moved on) is a conflict for the user, never a crash."""
    try:
        yield
    except StaleDataError as error:
        raise stale_form() from error


def require(agreement: Agreement, allowed: set[Status], message: str) -> None:
    if agreement.status not in allowed:
        raise WorkflowError(message)
