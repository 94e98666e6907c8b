"""The queries the audit pages need: the trail as the filters narrow it, one object's history
(an agreement's with its parts), and the choices the filter form offers. All within the
reader's scope (`visible_entries`)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import get_timezone
from sqlalchemy import Select, and_, or_, select

from partnerships.audit.models import AuditEntry
from partnerships.audit.permissions import visible_entries
from partnerships.audit.readable import (
    ACTION_LABELS,
    CHILDREN,
    SESSION_ACTIONS,
    TYPE_LABELS,
    model,
)
from partnerships.core.roles import Role
from partnerships.extensions import db

SYSTEM = "system"  # the actor choice for work done by no signed-in user (CLI, cron, anonymous)


@dataclass
class Filters:
    """What the filter form asked for; anything not among the choices is ignored."""

    object_type: str = ""
    object_id: str = ""
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None
    quiet: bool = False  # leave sign-ins and sign-outs out
    details: bool = False  # show technical fields (display only)

    @classmethod
    def from_args(cls, args) -> "Filters":
        object_type = args.get("object_type", "").strip()
        action = args.get("action", "").strip()
        actor = args.get("actor", "").strip()
        if actor != SYSTEM and not (actor.isdigit() and len(actor) < 12):
            actor = ""
        return cls(
            object_type=object_type if object_type in TYPE_LABELS else "",
            object_id=args.get("object_id", "").strip()[:60],
            action=action if action in ACTION_LABELS else "",
            actor=actor,
            since=_day(args.get("from", "")),
            until=_day(args.get("until", "")),
            quiet=args.get("quiet") == "1",
            details=args.get("details") == "1",
        )

    def as_args(self) -> dict[str, str]:
        """The filters in effect, as query arguments (for exports, pages and the record)."""
        values = {
            "object_type": self.object_type,
            "object_id": self.object_id,
            "action": self.action,
            "actor": self.actor,
            "from": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "quiet": "1" if self.quiet else "",
            "details": "1" if self.details else "",
        }
        return {k: v for k, v in values.items() if v}


def _day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9000 else None  # no date arithmetic overflow


def _moment(day: date) -> datetime:
    # The user's day (the one the page shows times in), not UTC's nor the server's.
    return get_timezone().localize(datetime.combine(day, time.min))


def narrowed(stmt: Select, filters: Filters) -> Select:
    if filters.object_type:
        stmt = stmt.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditEntry.object_id == filters.object_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    elif filters.quiet:
        stmt = stmt.where(AuditEntry.action.not_in(SESSION_ACTIONS))
    if filters.actor == SYSTEM:
        stmt = stmt.where(AuditEntry.actor_id.is_(None))
    elif filters.actor:
        stmt = stmt.where(AuditEntry.actor_id == int(filters.actor))
    if filters.since:
        stmt = stmt.where(AuditEntry.occurred_at >= _moment(filters.since))
    if filters.until:
        stmt = stmt.where(AuditEntry.occurred_at < _moment(filters.until + timedelta(days=1)))
    return stmt


def trail(user, filters: Filters) -> Select:
    """The trail as the filters narrow it, within the user's scope."""
    return narrowed(visible_entries(user), filters)


def object_history(user, object_type: str, object_id: str, filters: Filters) -> Select:
    """One row's history; an agreement's includes its parties, versions, comments, attachments
    and the numbers issued for it, a commitment's its terms, figures and evidence, in one
    timeline."""
    own = and_(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
    condition = own
    if object_type in CHILDREN and object_id.isdigit() and len(object_id) < 12:
        kinds, key = CHILDREN[object_type]
        parent_id = int(object_id)
        parts = or_(
            AuditEntry.after[key].as_integer() == parent_id,
            AuditEntry.before[key].as_integer() == parent_id,
        )
        condition = or_(own, and_(AuditEntry.object_type.in_(kinds), parts))
        if object_type == "Agreement":
            number = and_(
                AuditEntry.after["subject_type"].as_string() == "Agreement",
                AuditEntry.after["subject_id"].as_integer() == parent_id,
            )
            condition = or_(condition, and_(AuditEntry.object_type == "IssuedNumber", number))
    filters = Filters(**{**filters.__dict__, "object_type": "", "object_id": ""})
    return narrowed(visible_entries(user).where(condition), filters)


def latest_own_entry(user, object_type: str, object_id: str) -> AuditEntry | None:
    """The newest entry about the row itself, if the user may read any."""
    stmt = visible_entries(user).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id
    )
    return db.session.scalar(stmt.order_by(AuditEntry.seq.desc()).limit(1))


def actor_choices(user) -> list[tuple[str, str]]:
    """The people the actor filter offers: every account for admins and national auditors; for
    an office auditor the accounts of its offices, of their partners, and the national ones."""
    from partnerships.organisations.models import Partner
    from partnerships.organisations.scope import office_subtree_ids

    User = model("User")  # by name: accounts are a domain above the trail
    stmt = select(User.id, User.name, User.email).order_by(User.name, User.id)
    if user.role == Role.AUDITOR and user.office_id is not None:
        offices = office_subtree_ids(user.office_id)
        partners = select(Partner.id).where(Partner.office_id.in_(offices))
        stmt = stmt.where(
            or_(
                User.office_id.in_(offices),
                User.partner_id.in_(partners),
                and_(User.office_id.is_(None), User.partner_id.is_(None)),
            )
        )
    return [(str(r.id), f"{r.name} ({r.email})") for r in db.session.execute(stmt)]
