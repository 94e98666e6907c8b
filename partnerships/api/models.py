from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import UTCDateTime, utcnow
from partnerships.extensions import db


class ApiToken(db.Model):
    """A user's key to the JSON API: it acts as that user, with that user's role and sight.
    Only the token's SHA-256 is kept; revoking ends it for good."""

    __tablename__ = "api_tokens"
    __audit__: dict = {"redact": {"token_hash"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")

    @property
    def audit_office_id(self) -> int | None:
        return self.user.office_id if self.user is not None else None
