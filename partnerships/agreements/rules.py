"""What the workflow allows an agreement in its current state: one place, asked by services,
views and templates alike (templates never restate a status list).

Who may do it (`can_edit`, `can_approve`) is the business of `permissions.py`; these predicates
say whether the agreement itself allows it.
"""

from partnerships.agreements.models import Agreement, Kind, Status

# The text, the details and the list of partners change only while drafting.
EDITABLE = frozenset({Status.DRAFT})
# Signatories and the parties' own numbers can be settled until the signing is recorded.
SIGNATORY_EDITABLE = frozenset(
    {Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.AWAITING_SIGNATURE}
)
# Partners comment on the text while it is in review.
COMMENTABLE = frozenset({Status.IN_REVIEW})
# Only a signed agreement is amended (addendum) or renewed.
AMENDABLE = frozenset({Status.ACTIVE, Status.EXPIRED})


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
    """May an addendum or a renewal be drafted under this agreement?"""
    return agreement.status in AMENDABLE


def may_draft_pks_under(agreement: Agreement) -> bool:
    """May a PKS be drafted under this agreement (an MoU in force)?"""
    return agreement.kind == Kind.MOU and agreement.status == Status.ACTIVE
