"""Accounts. A user has one role; staff, managers and office auditors belong to an office,
partner users to one government partner."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import TimestampMixin, UTCDateTime
from partnerships.extensions import db


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __audit__ = {
        "redact": {"password_hash", "session_token"},
        # A sign-in (which may rehash the password) and a sign-out are recorded as such.
        "session": {"last_login_at": ("login", {"password_hash"}), "session_token": ("logout", ())},
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Rotated on logout, password change and deactivation: every session that carried the old
    # token is over at once, on every device.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office = relationship("Office", lazy="joined")
    partner = relationship("Partner", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        return self.session_token

    @property
    def audit_office_id(self) -> int | None:
        return self.office_id

    @property
    def home_office_id(self) -> int | None:
        """The office that answers for this account: its own, or the one managing its partner
        (None for national accounts)."""
        if self.office_id is not None:
            return self.office_id
        return self.partner.office_id if self.partner is not None else None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
