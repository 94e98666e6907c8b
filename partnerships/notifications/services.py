"""The "waiting for me" list, computed by queries within the user's role and office (never
stored), and each user's e-mail preference.

Each section is one query for its first rows; the counts of all sections are one more query,
which is also all the badge in the menu costs.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from partnerships.agreements.models import Agreement, AgreementParty, AgreementVersion, Comment
from partnerships.agreements.models import Status as AgreementStatus
from partnerships.agreements.permissions import PARTNER_VISIBLE
from partnerships.auth.models import User
from partnerships.commitments.models import (
    Commitment,
    CommitmentComment,
    FigureStatus,
    Kind,
    RealisationFigure,
)
from partnerships.core.formatting import office_today
from partnerships.core.roles import Role
from partnerships.events.follow_up_permissions import live_follow_ups, visible_follow_ups
from partnerships.events.follow_up_queries import overdue
from partnerships.events.models import FollowUp
from partnerships.extensions import db
from partnerships.notifications.models import NotificationPreference
from partnerships.organisations.scope import office_subtree_ids

SECTION_LIMIT = 50  # rows shown per section; the rest are counted ("and N more")
ACTIONS_AHEAD_DAYS = 30  # actions due within this many days (or overdue) are listed
TITLE_MAX = 150  # a follow-up's description, as the title of its line

# key → heading, in the order the page shows them
SECTIONS = {
    "review": _l("Reviews to do"),
    "returned": _l("Drafts returned to you"),
    "comments": _l("Review comments to answer"),
    "signature": _l("Approved, awaiting signature"),
    "figures": _l("Figures to accept"),
    "messages": _l("Commitment messages to answer"),
    "rejected": _l("Your rejected figures"),
    "actions": _l("Actions due"),
    "follow_ups": _l("Overdue follow-ups"),
}


@dataclass
class Item:
    title: str
    note: str
    url: str
    due_on: date | None = None


@dataclass
class Section:
    key: str
    title: Any
    total: int
    items: list[Item] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


# ---- who works on what ----------------------------------------------------------------------


def _office_scope(user) -> set[int] | None:
    """The offices whose work falls to `user`: staff and managers answer for their office and
    those below it (as agreements.permissions.can_edit); nobody else holds office work."""
    if user.role in (Role.STAFF, Role.MANAGER) and user.office_id is not None:
        return office_subtree_ids(user.office_id)
    return None


# Made once: an alias adapts every column of its entity when it is made, which cost more than
# the rest of the menu's count on every page.
_LATER_COMMENT = aliased(Comment)
_NEWER_FIGURE = aliased(RealisationFigure)


def _last_author():
    """The author of a thread's latest word (its first comment or a reply), per thread."""
    later = _LATER_COMMENT
    return (
        select(later.author_id)
        .where((later.id == Comment.id) | (later.parent_id == Comment.id))
        .order_by(later.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _open_threads() -> Select:
    return (
        select(Comment)
        .join(Agreement, Agreement.id == Comment.agreement_id)
        .where(
            Comment.parent_id.is_(None),
            Comment.resolved_at.is_(None),
            Agreement.status == AgreementStatus.IN_REVIEW,
            Agreement.is_deleted.is_(False),
        )
        .options(joinedload(Comment.agreement))
        .order_by(Comment.id)
    )


def _partner_commitments(user) -> Select:
    """The commitments `user`'s partner owes under agreements it can see."""
    return (
        select(Commitment)
        .join(Agreement, Agreement.id == Commitment.agreement_id)
        .where(
            Commitment.partner_id == user.partner_id,
            Commitment.is_deleted.is_(False),
            Agreement.is_deleted.is_(False),
            Agreement.status.in_(PARTNER_VISIBLE),
        )
    )


def _last_message_by(authors: Select):
    """Commitments whose thread's latest message was written by one of `authors`: the other
    side spoke last, so the turn is ours."""
    latest = (
        select(CommitmentComment.author_id)
        .where(CommitmentComment.commitment_id == Commitment.id)
        .order_by(CommitmentComment.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return latest.in_(authors)


def _figures(status: FigureStatus, *conditions) -> Select:
    """Live figures in `status` on live commitments, with their agreement joined for
    `conditions`; one query shape for the office's figures to accept and a partner's rejected."""
    return (
        select(RealisationFigure)
        .join(Commitment, Commitment.id == RealisationFigure.commitment_id)
        .join(Agreement, Agreement.id == Commitment.agreement_id)
        .where(
            RealisationFigure.status == status,
            RealisationFigure.is_deleted.is_(False),
            Commitment.is_deleted.is_(False),
            *conditions,
        )
        .options(joinedload(RealisationFigure.commitment))
    )


def _actions_due(stmt: Select, today: date) -> Select:
    return stmt.where(
        Commitment.kind == Kind.ACTION,
        Commitment.done_on.is_(None),
        Commitment.due_on <= today + timedelta(days=ACTIONS_AHEAD_DAYS),
        Agreement.status == AgreementStatus.ACTIVE,  # an ended agreement asks nothing more
    ).order_by(Commitment.due_on, Commitment.id)


def statements(user, today: date | None = None) -> dict[str, Select]:
    """The query of each section that applies to `user`, by key."""
    return _statements(user, _office_scope(user), today or office_today())


def _statements(user, offices: set[int] | frozenset[int] | None, today: date) -> dict[str, Select]:
    found: dict[str, Select] = {}
    if offices is not None:
        live = (Agreement.is_deleted.is_(False), Agreement.office_id.in_(offices))
        if user.role == Role.MANAGER:
            found["review"] = (
                select(Agreement)
                .where(*live, Agreement.status == AgreementStatus.IN_REVIEW)
                .order_by(Agreement.updated_at, Agreement.id)
            )
        found["comments"] = _open_threads().where(
            Agreement.office_id.in_(offices), _last_author() != user.id
        )
        found["signature"] = (
            select(Agreement)
            .where(
                *live,
                Agreement.status.in_(
                    [AgreementStatus.APPROVED, AgreementStatus.AWAITING_SIGNATURE]
                ),
            )
            .order_by(Agreement.updated_at, Agreement.id)
        )
        found["figures"] = _figures(FigureStatus.SUBMITTED, *live).order_by(
            RealisationFigure.created_at, RealisationFigure.id
        )
        found["messages"] = (
            select(Commitment)
            .join(Agreement, Agreement.id == Commitment.agreement_id)
            .where(
                *live,
                Commitment.is_deleted.is_(False),
                _last_message_by(select(User.id).where(User.role == Role.PARTNER)),
            )
            .order_by(Commitment.updated_at, Commitment.id)
        )
        found["actions"] = _actions_due(
            select(Commitment)
            .join(Agreement, Agreement.id == Commitment.agreement_id)
            .where(*live, Commitment.is_deleted.is_(False)),
            today,
        )
    if user.role in (Role.STAFF, Role.MANAGER):
        # A draft the reviewers sent back: it went to review once (a version was sent) and is
        # being drafted again, by whoever started it.
        sent_before = exists().where(
            AgreementVersion.agreement_id == Agreement.id,
            AgreementVersion.sent_for_review_at.is_not(None),
        )
        found["returned"] = (
            select(Agreement)
            .where(
                Agreement.is_deleted.is_(False),
                Agreement.status == AgreementStatus.DRAFT,
                Agreement.created_by_id == user.id,
                sent_before,
            )
            .order_by(Agreement.updated_at, Agreement.id)
        )
    if user.role == Role.PARTNER and user.partner_id is not None:
        own_users = select(User.id).where(User.partner_id == user.partner_id)
        party = exists().where(
            AgreementParty.agreement_id == Agreement.id,
            AgreementParty.partner_id == user.partner_id,
        )
        found["comments"] = _open_threads().where(party, _last_author().not_in(own_users))
        newer = _NEWER_FIGURE
        found["rejected"] = _figures(
            FigureStatus.REJECTED,
            Commitment.partner_id == user.partner_id,
            Agreement.is_deleted.is_(False),
            Agreement.status.in_(PARTNER_VISIBLE),
            # answered once a newer figure for the same period came in
            ~exists().where(
                newer.commitment_id == RealisationFigure.commitment_id,
                newer.period_end == RealisationFigure.period_end,
                newer.id > RealisationFigure.id,
                newer.is_deleted.is_(False),
            ),
        ).order_by(RealisationFigure.decided_at, RealisationFigure.id)
        others = select(User.id).where(
            or_(User.partner_id.is_(None), User.partner_id != user.partner_id)
        )
        found["messages"] = (
            _partner_commitments(user)
            .where(_last_message_by(others))
            .order_by(Commitment.updated_at, Commitment.id)
        )
        found["actions"] = _actions_due(_partner_commitments(user), today)
    if user.role in (Role.STAFF, Role.MANAGER, Role.PARTNER):  # who a follow-up falls to
        found["follow_ups"] = _overdue_follow_ups(user, offices, today)
    return {key: found[key] for key in SECTIONS if key in found}


def _overdue_follow_ups(user, offices: set[int] | None, today: date) -> Select:
    """Open follow-ups past their due date that fall to `user`: those assigned to it and, for
    staff and managers, those on a partner's side in their offices (the office chases them);
    a partner user's, those assigned to its partner."""
    if user.role == Role.PARTNER:
        stmt = visible_follow_ups(user)
    else:
        mine = FollowUp.assignee_user_id == user.id
        if offices is not None:
            mine = or_(mine, FollowUp.partner_id.is_not(None) & FollowUp.office_id.in_(offices))
        stmt = live_follow_ups().where(mine)
    return (
        overdue(stmt, today)
        .options(joinedload(FollowUp.event), joinedload(FollowUp.agreement))
        .order_by(FollowUp.due_on, FollowUp.id)
    )


def _count_select(stmts: dict[str, Select]) -> Select | None:
    """Every section's total, as one statement."""
    if not stmts:
        return None

    def counted(stmt: Select):
        entity = stmt.column_descriptions[0]["entity"]
        ids = stmt.with_only_columns(entity.id).order_by(None).subquery()
        return select(func.count()).select_from(ids).scalar_subquery()

    return select(*(counted(stmt).label(key) for key, stmt in stmts.items()))


@dataclass(frozen=True)
class _Who:
    """What the sections read of a user (and nothing else), as a cache key."""

    id: int
    role: str
    office_id: int | None
    partner_id: int | None


@lru_cache(maxsize=512)
def _count_statement(who: _Who, offices: frozenset[int] | None, today: date) -> Select | None:
    """The menu's count, on every page of staff, managers and partners: its statement for one
    user and day is built once per process and executed again (building its eight subqueries
    cost more than running them). The key holds all the statement depends on (the user's role,
    office, partner, the offices below theirs, the day), so a change to any builds a new one;
    the rows are read afresh at every execution."""
    return _count_select(_statements(who, offices, today))


def counts(user, today: date | None = None) -> dict[str, int]:
    return _counts(user, _office_scope(user), today or office_today())


def _counts(user, offices: set[int] | None, today: date) -> dict[str, int]:
    who = _Who(user.id, user.role, user.office_id, user.partner_id)
    stmt = _count_statement(who, None if offices is None else frozenset(offices), today)
    return {} if stmt is None else db.session.execute(stmt).one()._asdict()


def total(user) -> int:
    """The number the menu shows: all sections together."""
    return sum(counts(user).values())


def _item(key: str, row) -> Item:
    if isinstance(row, Comment):
        return Item(
            row.agreement.title,
            row.body,
            url_for("agreements.show", agreement_id=row.agreement_id, _anchor=f"comment-{row.id}"),
        )
    if isinstance(row, RealisationFigure):
        note = row.period_label
        if key == "rejected" and row.reject_reason:  # which month, and why
            note = f"{row.period_label}: {row.reject_reason}"
        return Item(
            row.commitment.title,
            note,
            url_for("commitments.show", commitment_id=row.commitment_id),
        )
    if isinstance(row, FollowUp):
        source = row.event or row.agreement
        side = row.partner.name if row.partner is not None else None
        title = " ".join(row.description.split())
        return Item(
            title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…",
            f"{source.title} · {side}" if side else source.title,
            url_for("events.follow_up", follow_up_id=row.id),
            due_on=row.due_on,
        )
    if isinstance(row, Commitment) and key == "messages":
        return Item(
            row.title, row.agreement.title, url_for("commitments.show", commitment_id=row.id)
        )
    if isinstance(row, Commitment):
        return Item(
            row.title,
            row.agreement.title,
            url_for("commitments.show", commitment_id=row.id),
            due_on=row.due_on,
        )
    return Item(row.title, row.subject, url_for("agreements.show", agreement_id=row.id))


def waiting(user, today: date | None = None) -> list[Section]:
    """The sections that apply to `user` with their first rows: one query per section and one
    for all the counts, however many rows there are."""
    today, offices = today or office_today(), _office_scope(user)  # the scope read once
    stmts = _statements(user, offices, today)
    totals = _counts(user, offices, today)
    sections = []
    for key, stmt in stmts.items():
        rows = db.session.scalars(stmt.limit(SECTION_LIMIT)).unique().all()
        sections.append(Section(key, SECTIONS[key], totals[key], [_item(key, row) for row in rows]))
    return sections


# ---- e-mail preference ----------------------------------------------------------------------


def preference(user) -> NotificationPreference | None:
    return db.session.scalar(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )


def email_enabled(user) -> bool:
    row = preference(user)
    return row is None or row.email_enabled


def set_email_enabled(user, enabled: bool) -> None:
    row = preference(user)
    if row is None:
        row = NotificationPreference(user=user, user_id=user.id, email_enabled=enabled)
        db.session.add(row)
    else:
        row.email_enabled = enabled
    db.session.flush()


def opted_out(user_ids: set[int]) -> set[int]:
    """Those of `user_ids` who turned e-mail off."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.user_id.in_(user_ids),
                NotificationPreference.email_enabled.is_(False),
            )
        )
    )
