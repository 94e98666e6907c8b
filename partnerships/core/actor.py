"""Who is acting outside a request (CLI commands, cron), for whatever records the change.

It lives in core so that every domain can name its actor without importing the audit domain,
which reads it back when it writes an entry.
"""

import contextvars
from contextlib import contextmanager

_cli_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("cli_actor", default=None)


@contextmanager
def acting_as(label: str):
    """Name the actor for work done outside a request (CLI commands, cron)."""
    token = _cli_actor.set(label)
    try:
        yield
    finally:
        _cli_actor.reset(token)


def cli_actor() -> str | None:
    """The label set by the innermost `acting_as`, if any."""
    return _cli_actor.get()
