"""Who may reach the follow-up pages, and which follow-ups each user may see, change or mark
done: staff, managers and office auditors those of their office and the offices below it,
national roles all, a partner's users only those assigned to their partner's side (never
another partner's, never the office's own), and only while what they came from is in sight."""

from sqlalchemy import Select, and_, or_, select

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import visible_agreements
from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, EVERYONE, Role
from partnerships.events.models import Event, FollowUp, FollowUpStatus, event_partners
from partnerships.organisations.scope import office_subtree_ids

POLICY = {
    "events.follow_ups": allow(EVERYONE),
    "events.follow_up": allow(EVERYONE),
    "events.follow_up_evidence": allow(EVERYONE),
    "events.follow_up_new_for_event": allow(EDITORS),
    "events.follow_up_new_for_agreement": allow(EDITORS),
    "events.follow_up_edit": allow(EDITORS),
    "events.follow_up_reopen": allow(EDITORS),
    # the office, or the partner's users on what is assigned to their side; auditors only read
    "events.follow_up_done": allow(EDITORS | {Role.PARTNER}),
}


def live_follow_ups() -> Select:
    """Follow-ups not deleted, whose event or agreement is not deleted either: a deleted
    event's follow-ups leave the lists and the reminders with it."""
    deleted_events = select(Event.id).where(Event.is_deleted.is_(True))
    deleted_agreements = select(Agreement.id).where(Agreement.is_deleted.is_(True))
    return select(FollowUp).where(
        FollowUp.is_deleted.is_(False),
        or_(FollowUp.event_id.is_(None), FollowUp.event_id.not_in(deleted_events)),
        or_(FollowUp.agreement_id.is_(None), FollowUp.agreement_id.not_in(deleted_agreements)),
    )


def visible_follow_ups(user) -> Select:
    """Follow-ups `user` may see. A partner user's are those assigned to its partner (found by
    the partner's index); one under an agreement only while the partner sees the agreement."""
    stmt = live_follow_ups()
    if user.role == Role.PARTNER:
        if user.partner_id is None:
            return stmt.where(FollowUp.id.is_(None))
        agreements = visible_agreements(user).with_only_columns(Agreement.id)
        return stmt.where(
            FollowUp.partner_id == user.partner_id,
            or_(FollowUp.agreement_id.is_(None), FollowUp.agreement_id.in_(agreements)),
            partner_takes_part(),
        )
    if user.role == Role.ADMIN or user.office_id is None:
        return stmt
    return stmt.where(FollowUp.office_id.in_(office_subtree_ids(user.office_id)))


def partner_takes_part():
    """SQL: an event's follow-up assigned to a partner's side is that partner's only while the
    partner takes part in the event (its users see only such events); unlinked, it goes out
    of their sight and their reminders."""
    linked = (
        select(event_partners.c.event_id)
        .where(
            event_partners.c.event_id == FollowUp.event_id,
            event_partners.c.partner_id == FollowUp.partner_id,
        )
        .exists()
    )
    return or_(FollowUp.event_id.is_(None), linked)


def may_manage(user, office_id: int) -> bool:
    """Admins keep any office's follow-ups; staff and managers their office's and those of
    the offices below it (as they edit its events and agreements)."""
    if user.role == Role.ADMIN:
        return True
    if user.role not in (Role.STAFF, Role.MANAGER) or user.office_id is None:
        return False
    return office_id in office_subtree_ids(user.office_id)


def can_edit(user, follow_up: FollowUp) -> bool:
    return may_manage(user, follow_up.office_id)


def is_partners_own(user, follow_up: FollowUp) -> bool:
    """Assigned to `user`'s partner's side."""
    return (
        user.role == Role.PARTNER
        and user.partner_id is not None
        and follow_up.partner_id == user.partner_id
    )


def can_mark_done(user, follow_up: FollowUp) -> bool:
    """An open follow-up is marked done by the office, or by the partner whose side owes it."""
    if follow_up.status != FollowUpStatus.OPEN:
        return False
    return can_edit(user, follow_up) or is_partners_own(user, follow_up)


def assigned_to(user) -> Select:
    """Condition for "mine": assigned to `user`, or for a partner user to its partner."""
    if user.role == Role.PARTNER:
        return and_(FollowUp.partner_id.is_not(None), FollowUp.partner_id == user.partner_id)
    return FollowUp.assignee_user_id == user.id
