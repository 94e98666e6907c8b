"""Who may reach the commitment pages, and which commitments each user may see or change."""

from sqlalchemy import Select, select

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import DOSSIER_READERS, visible_agreements
from partnerships.agreements.permissions import can_edit as can_edit_agreement
from partnerships.commitments import rules
from partnerships.commitments.models import Commitment
from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, EVERYONE, INTERNAL, Role

POLICY = {
    "commitments.index": allow(EVERYONE),
    "commitments.show": allow(EVERYONE),
    "commitments.evidence": allow(EVERYONE),
    "commitments.new": allow(EDITORS),
    "commitments.edit": allow(EDITORS),
    "commitments.delete": allow(EDITORS),
    # staff record figures (accepted at once); partners submit theirs, which staff decide on
    "commitments.figure": allow(EDITORS),
    "commitments.submit": allow(Role.PARTNER),
    "commitments.withdraw": allow(Role.PARTNER),
    "commitments.decide": allow(EDITORS),
    # the thread between the office and the owing partner; auditors read it
    "commitments.comment": allow(EVERYONE - {Role.AUDITOR}),
    "commitments.portal": allow(Role.PARTNER),
    "commitments.figure_delete": allow(EDITORS),
    # a spreadsheet of figures for one agreement: the template, the upload, its preview
    "commitments.figure_import": allow(EDITORS),
    "commitments.figure_import_template": allow(EDITORS),
    "commitments.figure_import_preview": allow(EDITORS),
    "commitments.done": allow(EDITORS),
    "commitments.rates": allow(INTERNAL),
    "commitments.rate_new": allow(Role.ADMIN),
    "commitments.rate_edit": allow(Role.ADMIN),
    # a partner's dossier for a period: as an agreement's, within the partner's office
    "commitments.partner_dossier": DOSSIER_READERS,
}


def visible_commitments(user) -> Select:
    """Commitments of the agreements `user` may see (agreements.visible_agreements); a partner
    user sees only those its own partner owes, never another party's."""
    agreements = visible_agreements(user).with_only_columns(Agreement.id)
    stmt = select(Commitment).where(
        Commitment.is_deleted.is_(False), Commitment.agreement_id.in_(agreements)
    )
    if user.role == Role.PARTNER:
        stmt = stmt.where(Commitment.partner_id == user.partner_id)
    return stmt


def can_edit(user, commitment: Commitment) -> bool:
    """Whoever may edit the agreement may record and change what it commits its parties to."""
    return can_edit_agreement(user, commitment.agreement)


def can_submit(user, commitment: Commitment) -> bool:
    """A partner's users submit figures on what their own partner owes (the query already
    keeps others' commitments out of sight; this says so again for the form)."""
    return (
        user.role == Role.PARTNER
        and user.partner_id is not None
        and commitment.partner_id == user.partner_id
        and rules.may_submit(commitment)
    )


def can_comment(user, commitment: Commitment) -> bool:
    """Whoever sees the commitment writes in its thread, except auditors, who only read."""
    return user.role != Role.AUDITOR
