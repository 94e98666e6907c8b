"""Who may reach the commitment pages, and which commitments each user may see or change."""

from sqlalchemy import Select, select

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import (
    DOSSIER_READERS,
    sees_every_agreement,
    visible_agreements,
)
from partnerships.agreements.permissions import can_edit as can_edit_agreement
from partnerships.commitments import rules
from partnerships.commitments.models import Commitment, ProgressLetter
from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, EVERYONE, INTERNAL, Role
from partnerships.documents.models import DocumentJob
from partnerships.extensions import db
from partnerships.organisations.models import Office
from partnerships.organisations.scope import office_subtree_ids

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
    # progress letters: partners download their own; editors issue them for the partners their
    # office manages, one at a time or for all of an office's partners as a background job
    "commitments.letters": allow(EVERYONE),
    "commitments.letter_download": allow(EVERYONE),
    "commitments.letter_issue": allow(EDITORS),
    "commitments.letters_bulk": allow(EDITORS),
    "commitments.letters_job": allow(INTERNAL),
    "commitments.letters_job_status": allow(INTERNAL),
    "commitments.letters_job_archive": allow(INTERNAL),
    "commitments.rate_new": allow(Role.ADMIN),
    "commitments.rate_edit": allow(Role.ADMIN),
    # a partner's dossier for a period: as an agreement's, within the partner's office
    "commitments.partner_dossier": DOSSIER_READERS,
}


def visible_commitments(user) -> Select:
    """Commitments of the agreements `user` may see (agreements.visible_agreements); a partner
    user sees only those its own partner owes, never another party's."""
    if sees_every_agreement(user):
        # Each commitment's own agreement looked up: with the list of every agreement id
        # (17,000 at national scale) SQLite read all the commitments and sorted them.
        scope = Commitment.agreement.has(Agreement.is_deleted.is_(False))
    else:  # an office's or a partner's few agreements: their commitments by index
        scope = Commitment.agreement_id.in_(
            visible_agreements(user).with_only_columns(Agreement.id)
        )
    stmt = select(Commitment).where(Commitment.is_deleted.is_(False), scope)
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


def visible_letters(user) -> Select:
    """Issued progress letters `user` may read: a partner user its own partner's, office users
    those their office or an office below it issued, national roles all."""
    stmt = select(ProgressLetter).where(ProgressLetter.document_id.is_not(None))
    if user.role == Role.PARTNER:
        return stmt.where(ProgressLetter.partner_id == user.partner_id)
    if user.role == Role.ADMIN or user.office_id is None:
        return stmt
    return stmt.where(ProgressLetter.office_id.in_(office_subtree_ids(user.office_id)))


def letter_offices(user) -> list[Office]:
    """The offices `user` may write letters for in bulk: an administrator any, staff and
    managers their own office and those below it."""
    stmt = select(Office).where(Office.is_deleted.is_(False)).order_by(Office.name)
    if user.role != Role.ADMIN:
        if user.role not in EDITORS or user.office_id is None:
            return []
        stmt = stmt.where(Office.id.in_(office_subtree_ids(user.office_id)))
    return list(db.session.scalars(stmt))


def visible_jobs(user, kind: str) -> Select:
    """Background jobs of `kind` an internal user may follow: those of their office subtree."""
    stmt = select(DocumentJob).where(DocumentJob.kind == kind)
    if user.role == Role.PARTNER:
        return stmt.where(DocumentJob.id.is_(None))
    if user.role == Role.ADMIN or user.office_id is None:
        return stmt
    return stmt.where(DocumentJob.office_id.in_(office_subtree_ids(user.office_id)))
