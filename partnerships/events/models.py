"""What an office does in the field to carry its agreements out (briefings for DPRD members,
focus groups, booths at village carnivals, signing ceremonies), who took part, what came of it
(attendance, participants registered on the spot, realisation figures they produced), the
follow-up actions agreed there or under an agreement, and the secret-token calendar feeds."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import (
    SoftDeleteMixin,
    StoredFileMixin,
    TimestampMixin,
    UTCDateTime,
    utcnow,
)
from partnerships.extensions import db


class Kind(StrEnum):
    SOCIALISATION = "socialisation"  # sosialisasi
    FGD = "fgd"  # focus group discussion
    COORDINATION = "coordination"  # rapat koordinasi
    BOOTH = "booth"  # booth/pameran, often several days
    SIGNING = "signing"  # penandatanganan
    MONITORING = "monitoring"  # monitoring dan evaluasi


class Status(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"  # moved to a new date; `postponed_from` keeps the first one


class Audience(StrEnum):
    DPRD = "dprd"  # DPRD members
    VILLAGE_OFFICIALS = "village_officials"
    COOPERATIVE_BOARDS = "cooperative_boards"
    INFORMAL_WORKERS = "informal_workers"
    NON_ASN = "non_asn"
    AGENCY_HEADS = "agency_heads"  # kepala OPD / dinas
    PUBLIC = "public"
    OTHER = "other"


class AttachmentKind(StrEnum):
    ATTENDANCE_LIST = "attendance_list"  # daftar hadir
    PHOTO = "photo"
    OTHER = "other"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


# Indonesia's three zones (IANA names), WITA for the pilot branch in Bali.
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
DEFAULT_TIMEZONE = "Asia/Makassar"


event_partners = Table(
    "event_partners",
    db.metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id"), primary_key=True, index=True),
)

event_agreements = Table(
    "event_agreements",
    db.metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("agreement_id", ForeignKey("agreements.id"), primary_key=True, index=True),
)

event_commitments = Table(
    "event_commitments",
    db.metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("commitment_id", ForeignKey("commitments.id"), primary_key=True, index=True),
)


class Event(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "events"
    # Links and audience are part of the event's record: their changes land in its entries.
    __audit__: dict = {
        "collections": {
            "partners": "id",
            "agreements": "id",
            "commitments": "id",
            "audience_rows": "audience",
        }
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))  # the organiser
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # Instants in UTC; `timezone` is the zone of the place, in which the event is shown, entered
    # and put into calendars. An all-day event runs from midnight of its first day to midnight
    # after its last one in that zone, an exclusive end as iCalendar's DTEND (the Sesetan booth,
    # 13 to 17 August 2017, ends at 18 August 00:00 WITA); events/timing.py reads them back.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(40), server_default=DEFAULT_TIMEZONE)
    all_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    venue: Mapped[str] = mapped_column(String(300), default="")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    planned_attendance: Mapped[int | None]
    actual_attendance: Mapped[int | None]
    new_registrations: Mapped[int | None]  # participants registered on the spot
    registrations_note: Mapped[str | None] = mapped_column(String(1000))
    summary: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")  # notulen
    status: Mapped[str] = mapped_column(String(12), default=Status.PLANNED, index=True)
    postponed_from: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the first start
    postpone_reason: Mapped[str | None] = mapped_column(String(500))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    office = relationship("Office", lazy="joined", innerjoin=True)
    region = relationship("Region", lazy="joined")
    partners = relationship("Partner", secondary=event_partners, order_by="Partner.name")
    agreements = relationship("Agreement", secondary=event_agreements, order_by="Agreement.id")
    commitments = relationship("Commitment", secondary=event_commitments, order_by="Commitment.id")
    audience_rows = relationship(
        "EventAudience",
        cascade="all, delete-orphan",
        order_by="EventAudience.audience",
        back_populates="event",
    )

    __table_args__ = (
        Index("ix_events_office_id_starts_at", "office_id", "starts_at"),
        Index("ix_events_starts_at_id", "starts_at", "id"),  # the list, newest first
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint(
            "(planned_attendance IS NULL OR planned_attendance >= 0)"
            " AND (actual_attendance IS NULL OR actual_attendance >= 0)"
            " AND (new_registrations IS NULL OR new_registrations >= 0)",
            name="counts_not_negative",
        ),
    )

    @property
    def audience(self) -> list[str]:
        return [row.audience for row in self.audience_rows]

    @property
    def audit_office_id(self) -> int:
        return self.office_id

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title}>"


class EventAudience(db.Model):
    """Who an event was for, one row per group: a list filters on it by index."""

    __tablename__ = "event_audiences"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    audience: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)

    event = relationship("Event", back_populates="audience_rows")


class EventAttachment(TimestampMixin, SoftDeleteMixin, StoredFileMixin, db.Model):
    """An event's attendance list, photo or other file, checked and stored by core.uploads; a
    photo gets a thumbnail stored beside it."""

    __tablename__ = "event_attachments"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    caption: Mapped[str] = mapped_column(String(300), default="")
    thumbnail_stored_name: Mapped[str | None] = mapped_column(String(80))

    event = relationship("Event")

    @property
    def audit_office_id(self) -> int | None:
        # services always build these with `event=` set, so no lazy load inside a flush
        return self.event.office_id if self.event is not None else None


class EventContribution(TimestampMixin, SoftDeleteMixin, db.Model):
    """Participants an event registered, counted towards one of its linked commitments: the
    realisation figure it produced says where the commitment's progress came from."""

    __tablename__ = "event_contributions"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    registrations: Mapped[int]
    figure_id: Mapped[int | None] = mapped_column(ForeignKey("realisation_figures.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    event = relationship("Event")
    commitment = relationship("Commitment")
    figure = relationship("RealisationFigure")

    __table_args__ = (
        UniqueConstraint("event_id", "commitment_id"),
        CheckConstraint("registrations > 0", name="registrations_positive"),
    )

    @property
    def audit_office_id(self) -> int | None:
        return self.event.office_id if self.event is not None else None


class FollowUpEvidence(TimestampMixin, SoftDeleteMixin, StoredFileMixin, db.Model):
    """The file that shows a follow-up done (a letter sent, a decree signed), checked and
    stored by core.uploads; kept under the follow-up's office."""

    __tablename__ = "follow_up_evidence"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)

    @property
    def audit_office_id(self) -> int:
        return self.office_id


class FollowUp(TimestampMixin, SoftDeleteMixin, db.Model):
    """An action agreed at an event or owed under an agreement: who does it (one of the office's
    users, or the partner's side), by when, and how it was done."""

    __tablename__ = "follow_ups"
    __audit__: dict = {"skip": {"last_reminded_on"}}  # the reminder's own bookkeeping

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=FollowUpStatus.OPEN)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_note: Mapped[str | None] = mapped_column(String(1000))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up_evidence.id"))
    # the day the reminder e-mail last named it: at most one a day
    last_reminded_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    office = relationship("Office", lazy="joined", innerjoin=True)
    event = relationship("Event")
    agreement = relationship("Agreement")
    assignee = relationship("User", foreign_keys=[assignee_user_id], lazy="joined")
    partner = relationship("Partner", lazy="joined")
    done_by = relationship("User", foreign_keys=[done_by_id])
    evidence = relationship("FollowUpEvidence", lazy="joined")

    __table_args__ = (
        Index("ix_follow_ups_status_due_on", "status", "due_on"),
        CheckConstraint("event_id IS NOT NULL OR agreement_id IS NOT NULL", name="has_subject"),
        CheckConstraint("assignee_user_id IS NULL OR partner_id IS NULL", name="one_assignee"),
    )

    @property
    def audit_office_id(self) -> int:
        return self.office_id


class CalendarFeed(db.Model):
    """An iCalendar feed a calendar client subscribes to by a secret URL: an office's events
    or one user's. Only the token's SHA-256 is kept; revoking ends the URL for good."""

    __tablename__ = "calendar_feeds"
    __audit__: dict = {"redact": {"token_hash"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", foreign_keys=[user_id])
    office = relationship("Office")

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (office_id IS NULL)", name="user_or_office"),
    )

    @property
    def audit_office_id(self) -> int | None:
        if self.office_id is not None:
            return self.office_id
        return self.user.home_office_id if self.user is not None else None
