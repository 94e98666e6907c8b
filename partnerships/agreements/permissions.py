"""Who may reach the agreement pages, and which agreements each user may see or change."""

from sqlalchemy import Select, select

from partnerships.agreements.models import Agreement, AgreementParty, Status
from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, EVERYONE, INTERNAL, Role
from partnerships.organisations.scope import office_subtree_ids

# Who takes auditors' dossiers (of an agreement, or of a partner for a period): see dossier.py.
DOSSIER_READERS = allow(Role.ADMIN, Role.MANAGER, Role.AUDITOR)

POLICY = {
    "agreements.index": allow(EVERYONE),
    "agreements.expiring": allow(INTERNAL),
    "agreements.export": allow(EVERYONE),
    "agreements.show": allow(EVERYONE),
    "agreements.new": allow(EDITORS),
    "agreements.edit": allow(EDITORS),
    "agreements.parties": allow(EDITORS),
    "agreements.articles": allow(EDITORS),
    # partners read the versions sent to them for review (review.visible_versions), not drafts
    "agreements.versions": allow(EVERYONE),
    "agreements.compare": allow(EVERYONE),
    "agreements.transition": allow(EDITORS),
    "agreements.comment": allow(EVERYONE - {Role.AUDITOR}),
    "agreements.comment_reply": allow(EVERYONE - {Role.AUDITOR}),
    "agreements.comment_resolve": allow(EDITORS),
    "agreements.upload": allow(EDITORS),
    "agreements.download": allow(EVERYONE),
    # the owning office records its partners' signatures; documents are scoped in the query
    # (signing.visible_documents): a partner user downloads none of another partner's
    "agreements.sign_certified": allow(EDITORS),
    "agreements.sign_wet_ink": allow(EDITORS),
    "agreements.document": allow(EVERYONE),
    # whoever sees the agreement prints it (partners: their own, from review onwards)
    "agreements.pdf": allow(EVERYONE),
    # the auditor's dossier: the office's managers and auditors (dossier.py says why not others)
    "agreements.dossier": DOSSIER_READERS,
}

# Partners see an agreement once it leaves the drafting table.
PARTNER_VISIBLE = [s for s in Status if s != Status.DRAFT]


def sees_every_agreement(user) -> bool:
    """Admins and national auditors: every agreement but the deleted ones."""
    return user.role != Role.PARTNER and (user.role == Role.ADMIN or user.office_id is None)


def visible_agreements(user) -> Select:
    """Admins and national auditors see all; office users their office and the offices below;
    partner users the agreements their partner is a party to, from review onwards."""
    stmt = select(Agreement).where(Agreement.is_deleted.is_(False))
    if user.role == Role.PARTNER:
        # The partner's own few agreements found by its index, not every agreement scanned
        # with a correlated test (17,000 of them at national scale).
        own = select(AgreementParty.agreement_id).where(
            AgreementParty.partner_id == user.partner_id
        )
        return stmt.where(Agreement.id.in_(own), Agreement.status.in_(PARTNER_VISIBLE))
    if sees_every_agreement(user):
        return stmt
    return stmt.where(Agreement.office_id.in_(office_subtree_ids(user.office_id)))


def can_edit(user, agreement: Agreement) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role not in (Role.STAFF, Role.MANAGER) or user.office_id is None:
        return False
    return agreement.office_id in office_subtree_ids(user.office_id)


def can_approve(user, agreement: Agreement) -> bool:
    return user.role in (Role.ADMIN, Role.MANAGER) and can_edit(user, agreement)
