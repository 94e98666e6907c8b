from partnerships.core.errors import DomainError


class CommitmentError(DomainError):
    """A refused change to a commitment, a figure or a rate; `field` names the form input."""
