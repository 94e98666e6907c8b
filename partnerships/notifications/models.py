"""What each user chose about being told of hand-offs. The "waiting for me" list itself is
computed by queries (services.py), never stored."""

from sqlalchemy import ForeignKey, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import TimestampMixin
from partnerships.extensions import db


class NotificationPreference(TimestampMixin, db.Model):
    """A user's choice; no row means the default (e-mail on)."""

    __tablename__ = "notification_preferences"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    email_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())

    user = relationship("User", lazy="joined")

    @property
    def audit_office_id(self) -> int | None:
        return self.user.home_office_id if self.user is not None else None
