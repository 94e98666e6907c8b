"""Offices, partners and officials: the changes and the look-ups the pages and the CLI share."""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from partnerships.core.errors import DomainError
from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.organisations.models import (
    OFFICE_CODE,
    ContactPerson,
    IdentifierKind,
    Office,
    Official,
    Partner,
    PartnerKind,
)
from partnerships.organisations.scope import office_names
from partnerships.organisations.scope import (  # re-exported: new code imports from scope
    office_subtree_ids as office_subtree_ids,
)
from partnerships.organisations.signals import partner_renamed
from partnerships.regions.models import Region, RegionKind


class OrganisationError(DomainError):
    """A refused change; `field` names the form input at fault."""


# A government's kind must match its region's kind: a Pemkab sits in a kabupaten, and so on.
GOVERNMENT_REGION_KINDS = {
    PartnerKind.PROVINCE_GOV: {RegionKind.PROVINCE},
    PartnerKind.REGENCY_GOV: {RegionKind.REGENCY},
    PartnerKind.CITY_GOV: {RegionKind.CITY},
    PartnerKind.VILLAGE_GOV: {RegionKind.DESA, RegionKind.KELURAHAN},
}


def office_choices() -> list[tuple[int, str]]:
    return [(row.id, row.name) for row in db.session.execute(office_names())]


def partner_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Partner.id, Partner.name).where(Partner.is_deleted.is_(False)).order_by(Partner.name)
    )
    return [(row.id, row.name) for row in rows]


def _region(code: str | None, field: str = "region_code") -> Region:
    region = db.session.get(Region, (code or "").strip())
    if region is None:
        raise OrganisationError(_("Unknown region code %(code)s.", code=code or ""), field)
    return region


# ---- offices ----------------------------------------------------------------------------


def normalise_office_code(raw: str | None) -> str:
    """What is stored for a typed code: "dps " is DPS."""
    return (raw or "").strip().upper()


def save_office(office: Office | None, data: dict[str, Any]) -> Office:
    name = data["name"].strip()
    clash = select(Office.id).where(func.lower(Office.name) == name.lower())
    if office is not None:
        clash = clash.where(Office.id != office.id)
    if db.session.scalar(clash):
        raise OrganisationError(_("An office with this name already exists."), "name")
    code = normalise_office_code(data.get("code"))
    if not OFFICE_CODE.match(code):
        raise OrganisationError(
            _("Use 2 to 12 capital letters or digits (a hyphen may join them), e.g. DPS."), "code"
        )
    clash = select(Office.id).where(Office.code == code)
    if office is not None:
        clash = clash.where(Office.id != office.id)
    if db.session.scalar(clash):
        raise OrganisationError(
            _("Another office already uses the code %(code)s.", code=code), "code"
        )
    parent_id = data.get("parent_id")
    if office is not None and parent_id and parent_id in office_subtree_ids(office.id):
        raise OrganisationError(_("An office cannot sit under itself."), "parent_id")
    region = _region(data.get("region_code"))
    served = [_region(raw, "served_codes") for raw in data.get("served_codes", [])]
    if len({r.code for r in served}) != len(served):
        raise OrganisationError(_("A served region is listed twice."), "served_codes")
    if office is None:
        office = Office()
        db.session.add(office)
    office.name, office.code, office.kind, office.parent_id = name, code, data["kind"], parent_id
    office.region_code, office.address = region.code, (data.get("address") or None)
    office.regions = served
    db.session.flush()
    return office


# ---- partners ---------------------------------------------------------------------------


def save_partner(partner: Partner | None, data: dict[str, Any]) -> Partner:
    name = data["name"].strip()
    region = _region(data.get("region_code"))
    allowed = GOVERNMENT_REGION_KINDS.get(PartnerKind(data["kind"]))
    if allowed and region.kind_enum not in allowed:
        raise OrganisationError(
            _(
                "%(region)s is not the right kind of region for this partner type.",
                region=region.name,
            ),
            "region_code",
        )
    clash = select(Partner.id).where(
        func.lower(Partner.name) == name.lower(),
        Partner.region_code == region.code,
        Partner.is_deleted.is_(False),
    )
    if partner is not None:
        clash = clash.where(Partner.id != partner.id)
    if db.session.scalar(clash):
        raise OrganisationError(_("This partner is already registered in this region."), "name")
    if db.session.get(Office, data["office_id"]) is None:
        raise OrganisationError(_("Choose the managing office."), "office_id")
    renamed = partner is not None and partner.name != name
    if partner is None:
        partner = Partner()
        db.session.add(partner)
    partner.name, partner.kind, partner.region_code = name, data["kind"], region.code
    partner.office_id, partner.address = data["office_id"], (data.get("address") or None)
    db.session.flush()
    if renamed:
        partner_renamed.send(partner)  # the new name must find its agreements
    return partner


def soft_delete(record: Partner | Official | ContactPerson) -> None:
    record.is_deleted = True
    db.session.flush()


# ---- officials --------------------------------------------------------------------------


def validate_identifier(kind: str | None, identifier: str | None) -> None:
    if not identifier:
        return
    if kind == IdentifierKind.NIP and not (identifier.isdigit() and len(identifier) == 18):
        raise OrganisationError(_("A NIP has exactly 18 digits."), "identifier")
    if kind == IdentifierKind.NPK and not (identifier.isalnum() and 3 <= len(identifier) <= 20):
        raise OrganisationError(_("An NPK has 3 to 20 letters or digits."), "identifier")


def save_official(official: Official | None, data: dict[str, Any], *, owner=None) -> Official:
    """`owner` (a Partner or Office) is required for a new official."""
    start, end = data["tenure_start"], data.get("tenure_end")
    if end is not None and end < start:
        raise OrganisationError(_("The tenure cannot end before it starts."), "tenure_end")
    identifier = (data.get("identifier") or "").replace(" ", "") or None
    kind = data.get("identifier_kind") or None
    if identifier and not kind:
        raise OrganisationError(_("Say whether the number is a NIP or an NPK."), "identifier_kind")
    validate_identifier(kind, identifier)
    if official is None:
        official = Official()
        if isinstance(owner, Partner):
            official.partner_id = owner.id
        else:
            official.office_id = owner.id
        db.session.add(official)
    official.name, official.title = data["name"].strip(), data["title"].strip()
    official.identifier_kind, official.identifier = kind, identifier
    official.tenure_start, official.tenure_end = start, end
    db.session.flush()
    return official


def official_owner_choices(user) -> list[tuple[str, str]]:
    """Whom `user` may record a new official for, as ("partner-<id>" | "office-<id>", name):
    the partners their office or an office below it manages (admins: every partner and
    office)."""
    partners = select(Partner.id, Partner.name).where(Partner.is_deleted.is_(False))
    if user.role != Role.ADMIN:
        partners = partners.where(Partner.office_id.in_(office_subtree_ids(user.office_id or 0)))
    choices = [
        (f"partner-{r.id}", r.name) for r in db.session.execute(partners.order_by(Partner.name))
    ]
    if user.role == Role.ADMIN:
        choices += [(f"office-{i}", f"BPJS Ketenagakerjaan {name}") for i, name in office_choices()]
    return choices


def officials_serving(*, on: date, partner_id: int | None = None, office_id: int | None = None):
    """Who could sign for this partner or office on `on`: officials whose tenure covers it."""
    stmt = select(Official).where(
        Official.is_deleted.is_(False),
        Official.tenure_start <= on,
        (Official.tenure_end.is_(None)) | (Official.tenure_end >= on),
    )
    if partner_id is not None:
        stmt = stmt.where(Official.partner_id == partner_id)
    else:
        stmt = stmt.where(Official.office_id == office_id)
    return list(db.session.scalars(stmt.order_by(Official.title, Official.name)))


# ---- the partner's own profile ----------------------------------------------------------


def _clean(data: dict[str, Any], key: str) -> str | None:
    return (data.get(key) or "").strip() or None


def save_profile(partner: Partner, data: dict[str, Any]) -> None:
    """A partner's users keep its address, phone and e-mail current."""
    partner.address = _clean(data, "address")
    partner.phone = _clean(data, "phone")
    partner.email = _clean(data, "email")
    db.session.flush()


def save_contact(partner: Partner, contact: ContactPerson | None, data: dict[str, Any]):
    """Add or change one of `partner`'s contact persons (never another partner's)."""
    name = _clean(data, "name")
    if not name:
        raise OrganisationError(_("Enter the contact person's name."), "name")
    if not (_clean(data, "phone") or _clean(data, "email")):
        raise OrganisationError(_("Enter a phone number or an e-mail address."), "phone")
    if contact is None:
        contact = ContactPerson(partner=partner)
        db.session.add(contact)
    elif contact.partner_id != partner.id:
        raise OrganisationError(_("This contact person belongs to another partner."))
    contact.name = name
    contact.position = _clean(data, "position") or ""
    contact.phone = _clean(data, "phone")
    contact.email = _clean(data, "email")
    db.session.flush()
    return contact
