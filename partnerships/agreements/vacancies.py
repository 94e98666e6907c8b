"""Parties nobody can sign for: no official of theirs is in office. The agreement page and its
parties page say so, and link to adding the new official, while a signatory can still be chosen."""

from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import or_, select

from partnerships.agreements import rules
from partnerships.agreements.models import Agreement, AgreementParty
from partnerships.core.formatting import office_today
from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.organisations.models import Official
from partnerships.organisations.permissions import can_edit_partner


@dataclass(frozen=True)
class Vacancy:
    party: AgreementParty
    may_add: bool  # whether the viewer may record the party's new official


def vacant_parties(agreement: Agreement, user=None) -> list[Vacancy]:
    """The parties with no official in office on the signing date (today when none is set),
    in one query; none once the signatories are fixed."""
    user = user or current_user
    if not rules.may_edit_signatories(agreement) or not agreement.parties:
        return []
    day = agreement.signed_on or office_today()
    partner_ids = [p.partner_id for p in agreement.parties if p.partner_id]
    office_ids = [p.office_id for p in agreement.parties if p.office_id]
    serving = db.session.execute(
        select(Official.partner_id, Official.office_id)
        .where(
            ~Official.is_deleted,
            Official.tenure_start <= day,
            Official.tenure_end.is_(None) | (Official.tenure_end >= day),
            or_(Official.partner_id.in_(partner_ids), Official.office_id.in_(office_ids)),
        )
        .distinct()
    ).all()
    served = {("partner", r.partner_id) for r in serving if r.partner_id} | {
        ("office", r.office_id) for r in serving if r.office_id
    }
    keys = [("partner", p.partner_id) if p.partner_id else ("office", p.office_id)
            for p in agreement.parties]  # fmt: skip
    return [
        Vacancy(party, _may_add(user, party))
        for party, key in zip(agreement.parties, keys, strict=True)
        if key not in served
    ]


def _may_add(user, party: AgreementParty) -> bool:
    # the same rule the official form applies to its owner (organisations.routes)
    if party.partner is not None:
        return can_edit_partner(user, party.partner)
    return user.role == Role.ADMIN
