"""The parties of an agreement: which partners it names, who signs for each, and their numbers."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from partnerships.agreements.errors import AgreementError, refuse_stale, require
from partnerships.agreements.models import Agreement, AgreementParty
from partnerships.agreements.rules import EDITABLE, SIGNATORY_EDITABLE
from partnerships.agreements.search import refresh_search
from partnerships.core.formatting import long_date_id
from partnerships.extensions import db
from partnerships.organisations.models import Official, Partner
from partnerships.organisations.scope import office_subtree_ids

PARTY_ROLES = ["PIHAK KESATU", "PIHAK KEDUA", "PIHAK KETIGA", "PIHAK KEEMPAT", "PIHAK KELIMA"]
NUMBER_MAX = 120  # agreement_parties.number


def party_role(position: int) -> str:
    return PARTY_ROLES[position - 1] if position <= len(PARTY_ROLES) else f"PIHAK {position}"


def check_partners(office_id: int, partner_ids: list[int]) -> None:
    """The partners of an agreement: at least one, none twice, none deleted, and each managed
    by the owning office or an office below it — so the partner's own office always sees the
    agreement its partner's users see."""
    if not partner_ids:
        raise AgreementError(_("Choose at least one government partner."), "partner_ids")
    if len(set(partner_ids)) != len(partner_ids):
        raise AgreementError(_("A partner is listed twice."), "partner_ids")
    allowed = set(
        db.session.scalars(
            attachable_partners(office_id)
            .where(Partner.id.in_(partner_ids))
            .with_only_columns(Partner.id)
        )
    )
    if set(partner_ids) - allowed:
        raise AgreementError(
            _("A partner managed by another office cannot be a party here."), "partner_ids"
        )


def attachable_partners(office_id: int) -> Select:
    """Partners an agreement of this office may name: those it or an office below it manages."""
    return select(Partner).where(
        ~Partner.is_deleted, Partner.office_id.in_(office_subtree_ids(office_id))
    )


def _party_key(party: AgreementParty) -> tuple[str, int | None]:
    return ("office", party.office_id) if party.office_id else ("partner", party.partner_id)


def set_parties(
    agreement: Agreement, partner_ids: list[int] | None, entries: dict[int, dict[str, Any]]
) -> None:
    """`partner_ids` (drafts only) replaces the partners; `entries` sets signatory and number
    per party position as the parties stand when called (the rows the user saw)."""
    # Tie each entry to its party, not its row: a reorder in the same save moves the party.
    by_party = {_party_key(p): entries[p.position] for p in agreement.parties
                if p.position in entries}  # fmt: skip
    if partner_ids is not None:
        require(agreement, EDITABLE, _("The parties of a draft only can be changed."))
        check_partners(agreement.office_id, partner_ids)
        current = {p.partner_id: p for p in agreement.parties if p.partner_id}
        keep = [current[pid] for pid in partner_ids if pid in current]
        for party in agreement.parties:
            if party.partner_id and party.partner_id not in partner_ids:
                db.session.delete(party)
        db.session.flush()
        # Renumber through a free range first so the (agreement, position) key never clashes.
        for offset, party in enumerate(keep):
            party.position = 1000 + offset
        db.session.flush()
        position = 2
        for pid in partner_ids:
            party = current.get(pid)
            if party is None:
                party = AgreementParty(agreement=agreement, partner_id=pid, position=position)
                db.session.add(party)
            party.position = position
            position += 1
        db.session.flush()
        db.session.refresh(agreement, ["parties"])
    if entries:
        require(
            agreement,
            SIGNATORY_EDITABLE,
            _("Signatories and numbers are fixed once the agreement is signed."),
        )
    for party in agreement.parties:
        entry = by_party.get(_party_key(party))
        if entry is None:
            continue
        signatory_id = entry.get("signatory_id")
        official = db.session.get(Official, signatory_id) if signatory_id else None
        if signatory_id:
            belongs = (
                official is not None
                and not official.is_deleted
                and (
                    (party.partner_id and official.partner_id == party.partner_id)
                    or (party.office_id and official.office_id == party.office_id)
                )
            )
            if not belongs:
                raise AgreementError(
                    _(
                        "%(name)s does not serve %(party)s.",
                        name=official.name if official else "?",
                        party=party.name,
                    ),
                    f"signatory_{party.position}",
                )
            if agreement.signed_on and not official.serves_on(agreement.signed_on):
                raise AgreementError(
                    _(
                        "%(name)s is not in office on the signing date %(day)s.",
                        name=official.name,
                        day=long_date_id(agreement.signed_on),
                    ),
                    f"signatory_{party.position}",
                )
        party.signatory = official  # the object, so party.signatory is current at once
        number = (entry.get("number") or "").strip() or None
        if number and len(number) > NUMBER_MAX:
            raise AgreementError(
                _("A number has at most %(n)d characters.", n=NUMBER_MAX),
                f"number_{party.position}",
            )
        # An empty entry keeps the issued number (a page opened before it was issued).
        if party.office_id and party.number and number and number != party.number:
            raise AgreementError(
                _("The office's number is issued by the register and cannot be typed over."),
                f"number_{party.position}",
            )
        if party.partner_id:
            party.number = number
    with refuse_stale():
        db.session.flush()
        refresh_search(agreement)
