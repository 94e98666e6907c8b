"""Secrets given out once (calendar feed addresses, API tokens): the holder keeps the token,
the database only its SHA-256; revoking ends it for good."""

import hashlib
import secrets

from partnerships.core.models import utcnow
from partnerships.extensions import db


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new(prefix: str = "", nbytes: int = 32) -> tuple[str, str]:
    """A fresh token and the digest to keep of it."""
    token = prefix + secrets.token_urlsafe(nbytes)
    return token, digest(token)


def revoke(row) -> None:
    """End a row's token (its `revoked_at` set once, never cleared)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()
