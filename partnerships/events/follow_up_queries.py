"""The queries the follow-up pages, the dashboard and the reminders need: the list's filters
and order, what is overdue on the office's day, and an event's or agreement's follow-ups."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, false, func
from sqlalchemy.orm import joinedload

from partnerships.core.pagination import cursor_day, id_key
from partnerships.events.follow_up_permissions import assigned_to
from partnerships.events.models import FollowUp, FollowUpStatus
from partnerships.extensions import db

# ?status= → label; "open" when none is given
STATES = {
    "open": _l("Open"),
    "overdue": _l("Overdue"),
    "done": _l("Done"),
    "all": _l("All"),
}
# ?who= → label: assigned to me (a partner user: to my partner's side), or all I can see
WHOS = {
    "office": _l("All I can see"),
    "mine": _l("Assigned to me"),
}
FILTER_KEYS = ("status", "who")
ORDER = [
    (FollowUp.due_on, lambda row: row.due_on, cursor_day),
    id_key(FollowUp.id),
]


def overdue(stmt: Select, today: date) -> Select:
    """Open and due before the office's `today` (the index on status and due date)."""
    return stmt.where(FollowUp.status == FollowUpStatus.OPEN, FollowUp.due_on < today)


def filter_args(args) -> dict[str, str]:
    """The list filters present in a query string, and nothing else."""
    return {key: value for key in FILTER_KEYS if (value := (args.get(key) or "").strip())}


def filtered(stmt: Select, args, user, today: date) -> Select:
    """The list's filters: open (the default), overdue, done or all; mine or all I can see.
    A value no link offers gives no rows."""
    state = args.get("status") or "open"
    if state == "open":
        stmt = stmt.where(FollowUp.status == FollowUpStatus.OPEN)
    elif state == "overdue":
        stmt = overdue(stmt, today)
    elif state == "done":
        stmt = stmt.where(FollowUp.status == FollowUpStatus.DONE)
    elif state != "all":
        stmt = stmt.where(false())
    who = args.get("who") or "office"
    if who == "mine":
        stmt = stmt.where(assigned_to(user))
    elif who != "office":
        stmt = stmt.where(false())
    return stmt.options(joinedload(FollowUp.event), joinedload(FollowUp.agreement))


def of_event(stmt: Select, event_id: int) -> list[FollowUp]:
    return _listed(stmt.where(FollowUp.event_id == event_id))


def of_agreement(stmt: Select, agreement_id: int) -> list[FollowUp]:
    return _listed(stmt.where(FollowUp.agreement_id == agreement_id))


def _listed(stmt: Select) -> list[FollowUp]:
    """Open ones first, soonest due first."""
    done_last = case((FollowUp.status == FollowUpStatus.DONE, 1), else_=0)
    return list(db.session.scalars(stmt.order_by(done_last, FollowUp.due_on, FollowUp.id)))


def overdue_summary(stmt: Select, today: date, limit: int) -> tuple[int, list]:
    """How many of `stmt` are overdue, and the `limit` longest overdue (id, description,
    due date): one statement on the status and due-date index, the count a window over it."""
    rows = db.session.execute(
        overdue(stmt, today)
        .with_only_columns(FollowUp.id, FollowUp.description, FollowUp.due_on, func.count().over())
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(limit)
    ).all()
    return (rows[0][3] if rows else 0), [row[:3] for row in rows]
