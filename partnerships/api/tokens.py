"""API tokens: made by their user, shown once, kept as a SHA-256, revoked for good. A token
acts as its user while the user is active, with the user's role and sight."""

from flask_babel import gettext as _
from sqlalchemy import select

from partnerships.api.models import ApiToken
from partnerships.auth.signals import access_changed
from partnerships.core import secret_tokens
from partnerships.core.errors import DomainError
from partnerships.core.safety import is_single_line
from partnerships.extensions import db

PREFIX = "kmt_"  # tells a leaked secret apart in logs and scanners
TOKEN_MAX = 100  # anything longer is no token of ours; refused before hashing
NAME_MAX = 100
LIVE_MAX = 20  # live tokens per user: enough for every system it feeds


def live_of(user) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id.desc())
        )
    )


def create(user, name: str | None) -> tuple[ApiToken, str]:
    """A new token for `user` named `name`; the token itself is returned once, never kept."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("This field is required."), "name")
    if len(name) > NAME_MAX or not is_single_line(name):
        raise DomainError(_("At most %(n)d characters, on one line.", n=NAME_MAX), "name")
    if len(live_of(user)) >= LIVE_MAX:
        raise DomainError(
            _("You have %(n)d tokens: revoke one you no longer use first.", n=LIVE_MAX), "name"
        )
    token, token_hash = secret_tokens.new(PREFIX)
    row = ApiToken(token_hash=token_hash, user_id=user.id, name=name)
    db.session.add(row)
    db.session.flush()
    return row, token


revoke = secret_tokens.revoke


@access_changed.connect
def _revoke_all(user, **_extra) -> None:
    """A new password, another role, office or partner, a deactivation: the tokens made
    before end with it (a token must not outlive what its maker was given it for)."""
    for row in live_of(user):
        revoke(row)


def user_of(header: str | None):
    """The user behind `Authorization: Bearer <token>` while token and user are live."""
    scheme, _sep, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > TOKEN_MAX:
        return None
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == secret_tokens.digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    return row.user
