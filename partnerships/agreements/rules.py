"""What the workflow allows an agreement in its current state: one place, asked by services,
views and templates alike (templates never restate a status list).

Who may do it (`can_edit`, `can_approve`) is the business of `permissions.py`; these predicates
say whether the agreement itself allows it.
"""

from sqlalchemy import exists, select

from partnerships.agreements.models import Agreement, Kind, Status
from partnerships.extensions import db

# The text, the details and the list of partners change only while drafting.
EDITABLE = frozenset({Status.DRAFT})
# Signatories and the parties' own numbers can be settled until the signing is recorded.
SIGNATORY_EDITABLE = frozenset(
    {Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.AWAITING_SIGNATURE}
)
# Partners comment on the text while it is in review.
COMMENTABLE = frozenset({Status.IN_REVIEW})
# Only a signed agreement is amended (addendum) or renewed; only one in force is amended.
SIGNED = frozenset({Status.ACTIVE, Status.EXPIRED})
AMENDABLE = frozenset({Status.ACTIVE})
# A renewal on its way to signature: no second one is started meanwhile.
UNDER_WAY = frozenset({Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.AWAITING_SIGNATURE})
# Its document: a text still drafted or reviewed prints as a draft (DRAF across every page);
# from "send for signature" on every party's number is on it; once the signing is recorded the
# signing date is the recorded one.
PRINTS_AS_DRAFT = frozenset({Status.DRAFT, Status.IN_REVIEW})
PRINTS_NUMBERED = frozenset(
    {Status.AWAITING_SIGNATURE, Status.ACTIVE, Status.EXPIRED, Status.TERMINATED, Status.SUPERSEDED}
)
SIGNING_RECORDED = frozenset({Status.ACTIVE, Status.EXPIRED, Status.TERMINATED, Status.SUPERSEDED})


def may_edit_text(agreement: Agreement) -> bool:
    """May the details and the articles be edited (a draft only)?"""
    return agreement.status in EDITABLE


def may_change_parties(agreement: Agreement) -> bool:
    """May partners be added, removed or reordered (a draft only)?"""
    return agreement.status in EDITABLE


def may_edit_signatories(agreement: Agreement) -> bool:
    """Are the signatories and the parties' numbers still editable (until signed)?"""
    return agreement.status in SIGNATORY_EDITABLE


def may_comment(agreement: Agreement) -> bool:
    return agreement.status in COMMENTABLE


def may_amend(agreement: Agreement) -> bool:
    """May an addendum be drafted to it? Only while in force: an ended one is renewed."""
    return agreement.status in AMENDABLE


def renewal_under_way(agreement: Agreement) -> bool:
    """Is a renewal of it being drafted, reviewed or signed?"""
    return bool(
        agreement.id
        and db.session.scalar(
            select(
                exists().where(
                    Agreement.parent_id == agreement.id,
                    Agreement.kind == Kind.RENEWAL,
                    Agreement.status.in_(UNDER_WAY),
                    Agreement.is_deleted.is_(False),
                )
            )
        )
    )


def may_renew(agreement: Agreement) -> bool:
    """May a renewal be drafted? A signed agreement, unless a renewal of it is under way."""
    return agreement.status in SIGNED and not renewal_under_way(agreement)


def may_draft_pks_under(agreement: Agreement) -> bool:
    """May a PKS be drafted under this agreement (an MoU in force)?"""
    return agreement.kind == Kind.MOU and agreement.status == Status.ACTIVE


def prints_as_draft(agreement: Agreement) -> bool:
    """Does its PDF carry the DRAF watermark (the text may still change)?"""
    return agreement.status in PRINTS_AS_DRAFT


def prints_numbered(agreement: Agreement) -> bool:
    """Is it printed for signature or as signed, so that every party's number must be on it?"""
    return agreement.status in PRINTS_NUMBERED


def signing_recorded(agreement: Agreement) -> bool:
    """Has the signing been recorded (its date is then the one on the document)?"""
    return agreement.status in SIGNING_RECORDED
