"""Review with the partners: comment threads (replies, who resolved them and when) and the
versions the partners received, which are all of the text history they ever see."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from partnerships.agreements import rules
from partnerships.agreements.errors import AgreementError, WorkflowError, require
from partnerships.agreements.models import Agreement, AgreementVersion, Comment
from partnerships.agreements.queries import latest_version
from partnerships.agreements.rules import COMMENTABLE
from partnerships.agreements.signals import comment_added
from partnerships.core.models import utcnow
from partnerships.core.roles import Role
from partnerships.extensions import db

# ---- versions the partners received -------------------------------------------------------


def mark_sent_for_review(agreement: Agreement) -> None:
    """The agreement enters review: its current text is what the partners receive. A text sent
    before (returned, then resubmitted unchanged) keeps the time it was first sent."""
    version = latest_version(agreement)
    if version is not None and version.sent_for_review_at is None:
        version.agreement = agreement  # audit_office_id without a lazy load inside the flush
        version.sent_for_review_at = utcnow()


def visible_versions(agreement: Agreement, user) -> Select:
    """The versions of `agreement` that `user` may read: all of them inside the office; for a
    partner user the texts sent for review, and the current one (partners only see an
    agreement past drafting, whose text is the one they were sent)."""
    stmt = select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id)
    if user.role != Role.PARTNER:
        return stmt
    latest = (
        select(func.max(AgreementVersion.number))
        .where(AgreementVersion.agreement_id == agreement.id)
        .scalar_subquery()
    )
    return stmt.where(
        or_(AgreementVersion.sent_for_review_at.is_not(None), AgreementVersion.number == latest)
    )


def review_rounds(agreement: Agreement, user) -> list[AgreementVersion]:
    """The versions `user` may read, oldest first."""
    return list(
        db.session.scalars(visible_versions(agreement, user).order_by(AgreementVersion.number))
    )


def since_last_review(agreement: Agreement) -> tuple[int, int] | None:
    """(previous, current) version numbers when the text has been sent for review more than
    once: the redline the partners read as "what changed since our comments"."""
    sent = db.session.scalars(
        select(AgreementVersion.number)
        .where(
            AgreementVersion.agreement_id == agreement.id,
            AgreementVersion.sent_for_review_at.is_not(None),
        )
        .order_by(AgreementVersion.number.desc())
        .limit(2)
    ).all()
    return (sent[1], sent[0]) if len(sent) == 2 else None


# ---- comment threads ----------------------------------------------------------------------


def add_comment(agreement: Agreement, user, article_index: int, body: str) -> Comment:
    require(agreement, COMMENTABLE, _("Comments are taken while a draft is in review."))
    version = latest_version(agreement)
    if version is None or not 0 <= article_index < len(version.articles):
        raise AgreementError(_("Choose an article of the current version."), "article_index")
    if not body.strip():
        raise AgreementError(_("Write the comment."), "body")
    comment = Comment(
        agreement=agreement,
        agreement_id=agreement.id,
        version_number=version.number,
        article_index=article_index,
        author_id=user.id,
        body=body.strip(),
    )
    db.session.add(comment)
    db.session.flush()
    comment_added.send(comment, actor=user)
    return comment


def resolve_comment(comment: Comment, user) -> None:
    if comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by_id = utcnow(), user.id
        db.session.flush()


def open_comment_count(agreement: Agreement) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(
                Comment.agreement_id == agreement.id,
                Comment.parent_id.is_(None),  # a thread is resolved on its first comment
                Comment.resolved_at.is_(None),
            )
        )
        or 0
    )


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def threads(agreement: Agreement) -> dict[int, list[Thread]]:
    """The agreement's comment threads per article index, oldest first, in one query."""
    rows = db.session.scalars(
        select(Comment).where(Comment.agreement_id == agreement.id).order_by(Comment.id)
    ).all()
    by_id = {row.id: Thread(row) for row in rows if row.parent_id is None}
    for row in rows:
        if row.parent_id is not None and row.parent_id in by_id:
            by_id[row.parent_id].replies.append(row)
    found: dict[int, list[Thread]] = {}
    for thread in by_id.values():
        found.setdefault(thread.comment.article_index, []).append(thread)
    return found


def get_thread(agreement: Agreement, comment_id: int) -> Comment | None:
    """The first comment of a thread of this agreement (not a reply), or None."""
    return db.session.scalar(
        select(Comment).where(
            Comment.id == comment_id,
            Comment.agreement_id == agreement.id,
            Comment.parent_id.is_(None),
        )
    )


def add_reply(thread: Comment, user, body: str) -> Comment:
    """A reply in `thread`, while the agreement is in review and the thread is open."""
    agreement = thread.agreement
    if not rules.may_comment(agreement):
        raise WorkflowError(_("Comments are taken while a draft is in review."))
    if thread.resolved_at is not None:
        raise AgreementError(_("This comment is resolved; start a new comment."), "body")
    if not (body or "").strip():
        raise AgreementError(_("Write the reply."), "body")
    reply = Comment(
        agreement=agreement,
        agreement_id=agreement.id,
        parent_id=thread.id,
        version_number=thread.version_number,
        article_index=thread.article_index,
        author_id=user.id,
        body=body.strip(),
    )
    db.session.add(reply)
    db.session.flush()
    comment_added.send(reply, actor=user)
    return reply
