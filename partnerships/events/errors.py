from partnerships.core.errors import DomainError


class EventError(DomainError):
    """A refused change to an event or its links; `field` names the form input at fault."""
