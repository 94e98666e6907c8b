"""Kemendagri administrative regions: province → regency/city → district → village."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from partnerships.extensions import db


class RegionKind(StrEnum):
    PROVINCE = "province"
    REGENCY = "regency"  # kabupaten
    CITY = "city"  # kota
    DISTRICT = "district"  # kecamatan
    KELURAHAN = "kelurahan"
    DESA = "desa"


KIND_LABELS = {
    RegionKind.PROVINCE: _l("Province"),
    RegionKind.REGENCY: _l("Regency"),
    RegionKind.CITY: _l("City"),
    RegionKind.DISTRICT: _l("District"),
    RegionKind.KELURAHAN: _l("Kelurahan"),
    RegionKind.DESA: _l("Village (desa)"),
}


def kind_from_code(code: str) -> RegionKind:
    """The kind is written in the code itself: regencies 01-69, cities 71-99; villages whose
    last part starts with 1 are kelurahan, with 2 desa."""
    parts = code.split(".")
    if len(parts) == 1:
        return RegionKind.PROVINCE
    if len(parts) == 2:
        return RegionKind.CITY if int(parts[1]) >= 71 else RegionKind.REGENCY
    if len(parts) == 3:
        return RegionKind.DISTRICT
    return RegionKind.KELURAHAN if parts[3].startswith("1") else RegionKind.DESA


def ancestor_codes(code: str) -> list[str]:
    """'51.71.01.1003' → ['51', '51.71', '51.71.01']."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


class Region(db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(12))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    population: Mapped[int | None]
    population_male: Mapped[int | None]
    population_female: Mapped[int | None]

    __table_args__ = (Index("ix_regions_lower_name", func.lower(name)),)

    @property
    def kind_enum(self) -> RegionKind:
        return RegionKind(self.kind)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
