"""The workflow of an agreement: the moves from draft to signed and ended, who may make each,
and what each move checks and records on the way."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from partnerships.agreements import drafting_rules, signing
from partnerships.agreements.drafting import end_of_term
from partnerships.agreements.errors import WorkflowError, refuse_stale
from partnerships.agreements.lifecycle import STATUS_LABELS
from partnerships.agreements.models import Agreement, Kind, Status
from partnerships.agreements.permissions import can_approve, can_edit
from partnerships.agreements.queries import latest_version
from partnerships.agreements.review import mark_sent_for_review, open_comment_count
from partnerships.agreements.signals import agreement_moved
from partnerships.core.formatting import long_date_id, office_today
from partnerships.core.models import utcnow
from partnerships.extensions import db
from partnerships.numbering import services as numbering


@dataclass(frozen=True)
class Move:
    source: frozenset[Status]
    target: Status
    label: Any
    managers_only: bool = False


MOVES = {
    "submit": Move(frozenset({Status.DRAFT}), Status.IN_REVIEW, _l("Submit for review")),
    "return": Move(
        frozenset({Status.IN_REVIEW}), Status.DRAFT, _l("Return to drafting"), managers_only=True
    ),
    "approve": Move(
        frozenset({Status.IN_REVIEW}), Status.APPROVED, _l("Approve"), managers_only=True
    ),
    "request_signature": Move(
        frozenset({Status.APPROVED}), Status.AWAITING_SIGNATURE, _l("Send for signature")
    ),
    "activate": Move(
        frozenset({Status.AWAITING_SIGNATURE}), Status.ACTIVE, _l("Record the signing")
    ),
    "terminate": Move(
        frozenset({Status.ACTIVE}), Status.TERMINATED, _l("Terminate"), managers_only=True
    ),
}


def available_moves(agreement: Agreement, user) -> list[str]:
    """The moves the page offers `user`; recording the signing once every party has signed."""
    return [
        name
        for name, move in MOVES.items()
        if agreement.status in move.source
        and can_edit(user, agreement)
        and (not move.managers_only or can_approve(user, agreement))
        and (name != "activate" or signing.all_signed(agreement))
    ]


def transition(
    agreement: Agreement,
    action: str,
    user,
    *,
    signed_on: date | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> None:
    """Move the agreement along the workflow, or refuse with the reason."""
    today = today or office_today()
    move = MOVES.get(action)
    if move is None:
        raise WorkflowError(_("Unknown action."))
    if agreement.status not in move.source:
        raise WorkflowError(
            _(
                "Cannot %(action)s: the agreement is %(status)s.",
                action=str(move.label).lower(),
                status=str(STATUS_LABELS[Status(agreement.status)]).lower(),
            )
        )
    if not can_edit(user, agreement) or (move.managers_only and not can_approve(user, agreement)):
        raise WorkflowError(
            _("Only a manager of the owning office may %(action)s.", action=str(move.label).lower())
        )
    if action in ("approve", "request_signature", "activate"):
        version = latest_version(agreement)
        if blank := drafting_rules.blank_refusal(version.articles if version else [], action):
            raise WorkflowError(blank)
    if action == "submit":
        if not drafting_rules.has_partner(agreement):
            raise WorkflowError(
                _(
                    "A draft goes to review with at least one government partner: "
                    "choose it under Parties and signatories first."
                )
            )
        mark_sent_for_review(agreement)
    elif action == "approve":
        if open_count := open_comment_count(agreement):
            raise WorkflowError(
                _(
                    "%(n)d review comments are still open; resolve them before approval.",
                    n=open_count,
                )
            )
        agreement.approved_by_id, agreement.approved_at = user.id, utcnow()
    elif action == "request_signature":
        _issue_office_number(agreement, today)
    elif action == "activate":
        _record_signing(agreement, signed_on, today)
        signing.require_complete(agreement)
        signing.require_signing_date(agreement, signed_on)
    elif action == "terminate" and not (reason or "").strip():
        raise WorkflowError(_("Give the reason for termination."))
    agreement.status = move.target
    agreement.status_reason = (reason or "").strip() or None
    if action == "activate":
        _after_activation(agreement, today)
    with refuse_stale():
        db.session.flush()
    # The documents after the move is flushed: the sealed text is printed as sent (no DRAF),
    # the berita acara with the agreement's final status and dates.
    if action == "request_signature":
        signing.seal_for_signature(agreement, user, today)
    elif action == "activate":
        signing.issue_signing_record(agreement, user, today)
    agreement_moved.send(agreement, move=action, actor=user)


def _issue_office_number(agreement: Agreement, today: date) -> None:
    party = next(p for p in agreement.parties if p.office_id)
    if not party.number:
        try:
            issued = numbering.issue(
                agreement.office_id,
                agreement.numbered_as,
                today,
                subject_type="Agreement",
                subject_id=agreement.id,
            )
        except numbering.NumberingError as error:
            raise WorkflowError(str(error)) from error
        party.number = issued.text


def _record_signing(agreement: Agreement, signed_on: date | None, today: date) -> None:
    if signed_on is None:
        raise WorkflowError(_("Enter the date the agreement was signed."))
    if signed_on > today:
        raise WorkflowError(_("The signing date cannot be in the future."))
    for party in agreement.parties:
        if party.signatory is None:
            raise WorkflowError(_("Choose who signed for %(party)s.", party=party.name))
        if not party.signatory.serves_on(signed_on):
            raise WorkflowError(
                _(
                    "%(name)s was not in office on %(day)s.",
                    name=party.signatory.name,
                    day=long_date_id(signed_on),
                )
            )
    agreement.signed_on = signed_on
    if agreement.effective_on is None:
        agreement.effective_on = signed_on
        if agreement.term_months and agreement.ends_on is None:  # a typed end date stands
            agreement.ends_on = end_of_term(signed_on, agreement.term_months)
    if agreement.ends_on and agreement.ends_on < agreement.effective_on:
        raise WorkflowError(_("The agreement cannot end before it starts."))
    if agreement.ends_on and agreement.ends_on < signed_on:
        raise WorkflowError(_("The agreement cannot end before it is signed."))


def _after_activation(agreement: Agreement, today: date) -> None:
    parent = agreement.parent
    # A parent terminated meanwhile stays terminated, with its reason.
    if (
        agreement.kind == Kind.RENEWAL
        and parent is not None
        and parent.status in (Status.ACTIVE, Status.EXPIRED)
    ):
        agreement.parent.status = Status.SUPERSEDED
        agreement.parent.status_reason = f"renewal #{agreement.id}"
    if agreement.ends_on and agreement.ends_on < today:
        agreement.status = Status.EXPIRED  # recording an old agreement that has already ended
