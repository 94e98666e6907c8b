"""BPJS offices, government partners and the officials who sign for them."""

import re
from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import SoftDeleteMixin, TimestampMixin
from partnerships.extensions import db


class OfficeKind(StrEnum):
    HEAD = "head"  # Kantor Pusat
    REGIONAL = "regional"  # Kantor Wilayah (Kanwil)
    BRANCH = "branch"  # Kantor Cabang


class PartnerKind(StrEnum):
    PROVINCE_GOV = "province_gov"  # Pemprov
    REGENCY_GOV = "regency_gov"  # Pemkab
    CITY_GOV = "city_gov"  # Pemkot
    VILLAGE_GOV = "village_gov"  # Pemerintah Desa / Kelurahan
    DPRD = "dprd"
    AGENCY = "agency"  # OPD / Dinas / Badan
    PROSECUTOR = "prosecutor"  # Kejaksaan Negeri / Tinggi
    BUMDES = "bumdes"
    COOPERATIVE = "cooperative"
    OTHER_PUBLIC = "other_public"  # e.g. BPJS Kesehatan in a tripartite agreement


class IdentifierKind(StrEnum):
    NIP = "NIP"  # civil servants, 18 digits
    NPK = "NPK"  # BPJS Ketenagakerjaan staff


# An office code: 2 to 12 capital letters and digits, a hyphen allowed inside ("KW-BNP"); never a
# slash, which separates the parts of a number.
OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,10}[A-Z0-9]$")


office_regions = Table(
    "office_regions",
    db.metadata,
    Column("office_id", ForeignKey("offices.id"), primary_key=True),
    Column("region_code", ForeignKey("regions.code"), primary_key=True, index=True),
)


class Office(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "offices"
    __audit__ = {"collections": {"regions": "code"}}
    __table_args__ = (Index("ix_offices_updated_at", "updated_at"),)  # the dashboard cache's key

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Short code that issued numbers carry ("DPS" in 001/KB/DPS/XI/2026), so every office's
    # numbers differ from every other's. The empty default only served to add the column to
    # existing rows; the service requires a code.
    code: Mapped[str] = mapped_column(String(12), server_default="", index=True, unique=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(500))

    parent = relationship("Office", remote_side=[id], lazy="joined")
    region = relationship("Region", lazy="joined")
    regions = relationship("Region", secondary=office_regions, order_by="Region.code")

    @property
    def audit_office_id(self) -> int | None:
        return self.id

    def __repr__(self) -> str:
        return f"<Office {self.name}>"


class Partner(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "partners"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    # The office that manages the relationship: it decides who may edit the partner.
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    # kept current by the partner's own users on its profile page ("Profil instansi")
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))

    region = relationship("Region", lazy="joined")
    office = relationship("Office", lazy="joined")
    parent = relationship("Partner", remote_side=[id])

    __table_args__ = (
        Index("ix_partners_name_id", "name", "id"),
        Index("ix_partners_updated_at", "updated_at"),  # the dashboard cache's key
    )

    @property
    def audit_office_id(self) -> int | None:
        return self.office_id

    def __repr__(self) -> str:
        return f"<Partner {self.name}>"


class Official(TimestampMixin, SoftDeleteMixin, db.Model):
    """A person in a post for a period; the signatory on a date is whose tenure covers it."""

    __tablename__ = "officials"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))  # jabatan
    identifier_kind: Mapped[str | None] = mapped_column(String(3))
    identifier: Mapped[str | None] = mapped_column(String(30))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    tenure_start: Mapped[date] = mapped_column(Date)
    tenure_end: Mapped[date | None] = mapped_column(Date)

    partner = relationship("Partner", lazy="joined")
    office = relationship("Office", lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "(partner_id IS NULL) <> (office_id IS NULL)", name="serves_partner_or_office"
        ),
        CheckConstraint("tenure_end IS NULL OR tenure_end >= tenure_start", name="tenure_in_order"),
        Index("ix_officials_updated_at", "updated_at"),  # the dashboard cache's key
    )

    @property
    def audit_office_id(self) -> int | None:
        return self.office_id if self.office_id else (self.partner and self.partner.office_id)

    def serves_on(self, day: date) -> bool:
        return self.tenure_start <= day and (self.tenure_end is None or day <= self.tenure_end)

    def __repr__(self) -> str:
        return f"<Official {self.name} {self.title}>"


class ContactPerson(TimestampMixin, SoftDeleteMixin, db.Model):
    """Whom the office calls at a partner about the agreements (not a signatory: officials
    sign); kept by the partner's own users."""

    __tablename__ = "contact_persons"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))

    partner = relationship("Partner", lazy="joined", innerjoin=True)

    @property
    def audit_office_id(self) -> int | None:
        return self.partner.office_id if self.partner is not None else None

    def __repr__(self) -> str:
        return f"<ContactPerson {self.name}>"
