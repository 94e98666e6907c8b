"""Who may reach the event pages, and which events each user may see or change: staff,
managers and office auditors those their office or an office below it organised, national
roles all, partner users (read-only) those their partner took part in."""

from sqlalchemy import Select, select

from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, EVERYONE, Role
from partnerships.events.models import Event, event_partners
from partnerships.extensions import db
from partnerships.organisations.models import Office
from partnerships.organisations.scope import office_subtree_ids

POLICY = {
    "events.index": allow(EVERYONE),
    "events.show": allow(EVERYONE),
    "events.new": allow(EDITORS),
    "events.edit": allow(EDITORS),
    "events.links": allow(EDITORS),
    "events.held": allow(EDITORS),
    "events.postpone": allow(EDITORS),
    "events.cancel": allow(EDITORS),
    "events.delete": allow(EDITORS),
}

# An event's records (events/records.py): its files, photos and minutes are read by whoever
# sees the event, a linked partner's users included; only its editors add, count or remove.
POLICY |= {
    "events.attachments_page": allow(EDITORS),
    "events.attachment": allow(EVERYONE),
    "events.attachment_thumbnail": allow(EVERYONE),
    "events.attachment_delete": allow(EDITORS),
    "events.contributions": allow(EDITORS),
    "events.contribution_withdraw": allow(EDITORS),
    "events.minutes_issue": allow(EDITORS),
    "events.minutes": allow(EVERYONE),
}


def visible_events(user) -> Select:
    """Events `user` may see; a partner user's come from the partner's index of the link
    table, never from testing every event."""
    stmt = select(Event).where(Event.is_deleted.is_(False))
    if user.role == Role.PARTNER:
        own = select(event_partners.c.event_id).where(
            event_partners.c.partner_id == user.partner_id
        )
        return stmt.where(Event.id.in_(own))
    if user.role == Role.ADMIN or user.office_id is None:
        return stmt
    return stmt.where(Event.office_id.in_(office_subtree_ids(user.office_id)))


def may_organise_for(user, office_id: int) -> bool:
    """Admins record events for any office; staff and managers for theirs and those below."""
    if user.role == Role.ADMIN:
        return True
    if user.role not in EDITORS or user.office_id is None:
        return False
    return office_id in office_subtree_ids(user.office_id)


def can_edit(user, event: Event) -> bool:
    return may_organise_for(user, event.office_id)


def organising_offices(user) -> list[Office]:
    """The offices `user` may record an event for (the choices of the form)."""
    stmt = select(Office).where(Office.is_deleted.is_(False)).order_by(Office.name)
    if user.role != Role.ADMIN:
        if user.role not in EDITORS or user.office_id is None:
            return []
        stmt = stmt.where(Office.id.in_(office_subtree_ids(user.office_id)))
    return list(db.session.scalars(stmt))


# The follow-up pages' endpoints, declared beside their scope (follow_up_permissions.py).
from partnerships.events.follow_up_permissions import POLICY as _FOLLOW_UPS  # noqa: E402

POLICY.update(_FOLLOW_UPS)
