"""What a partner user reads of an event (issue 10, item 6), one place for the pages to ask.

A partner user reaches only the events its partner took part in (permissions.visible_events
scopes the query) and only reads them: no change, link, status or delete action, no audit
history. Of an event it reads what the participants shared: when and where, the audience, the
attendance and registrations, the summary, and the minutes. The minutes are shown because a
partner that took part was in the room: the notulen are the participants' record (the minutes
PDF is what the office sends them), and a partner user never reaches an event its partner did
not take part in. Among the event's links it reads only its own partner and the agreements and
commitments it is party to or owes (queries.linked), and the follow-ups on its own side
(follow_up_permissions). What is the office's own stays with the office: follow-ups assigned
to its users, the attendance lists (participants' personal data, at their link too), the count
of registrations still to record, who recorded what. The sealed minutes PDF is one document
for every reader: it lists every follow-up agreed at the event, as the meeting's record; an
office's internal to-do belongs on the agreement, not on the event.
"""

from partnerships.core.roles import Role
from partnerships.events import bp
from partnerships.events.models import AttachmentKind


def reads_as_partner(user) -> bool:
    """A partner user: read-only, and only what the participants shared."""
    return getattr(user, "role", None) == Role.PARTNER


def took_part(user, event) -> bool:
    """The user's partner is among the event's partners."""
    partner_id = getattr(user, "partner_id", None)
    return partner_id is not None and any(p.id == partner_id for p in event.partners)


def sees_minutes(user, event) -> bool:
    """Staff and auditors who may see the event read its minutes; a partner user if its
    partner took part (always so for an event it can reach)."""
    return not reads_as_partner(user) or took_part(user, event)


def sees_internal(user) -> bool:
    """The office's own notes on an event (who does which follow-up, attendance lists)."""
    return getattr(user, "is_authenticated", False) and not reads_as_partner(user)


def sees_attachment(user, attachment) -> bool:
    """Photos and other files, yes; an attendance list (the participants' names, NIK and
    telephone numbers: personal data) stays with the office, at its link too."""
    return sees_internal(user) or attachment.kind != AttachmentKind.ATTENDANCE_LIST


for name, helper in {
    "event_reads_as_partner": reads_as_partner,
    "event_took_part": took_part,
    "event_sees_minutes": sees_minutes,
    "event_sees_internal": sees_internal,
}.items():
    bp.add_app_template_global(helper, name)
