"""One e-mail per hand-off per recipient, built while the change is flushed (the session
cannot be read once it commits) and sent by the outbox after the commit.

Nobody is mailed about their own action, nor once they turned e-mail off; only active
accounts are mailed. Mail is written in Indonesian, the language of the offices and partners.
"""

from sqlalchemy import Select, select

from partnerships.agreements.models import Agreement, AgreementParty, Comment
from partnerships.agreements.permissions import PARTNER_VISIBLE
from partnerships.agreements.signals import agreement_moved
from partnerships.agreements.signals import comment_added as agreement_comment_added
from partnerships.auth.models import User
from partnerships.commitments.models import Commitment, FigureStatus, RealisationFigure
from partnerships.commitments.signals import comment_added as commitment_comment_added
from partnerships.commitments.signals import figure_decided, figure_submitted
from partnerships.core.formatting import number_id
from partnerships.core.mail import absolute_url, new_message
from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.notifications.outbox import queue
from partnerships.notifications.services import opted_out

OFFICE_TEAM = (Role.STAFF, Role.MANAGER)


# ---- who hears ------------------------------------------------------------------------------


def _office_users(office_id: int, roles) -> Select:
    return select(User).where(User.office_id == office_id, User.role.in_(roles))


def _partner_users(partner_ids) -> Select:
    return select(User).where(User.partner_id.in_(partner_ids), User.role == Role.PARTNER)


def _recipients(actor, *stmts, extra: tuple = ()) -> list[User]:
    """The active users the statements find, once each, without the actor and those who
    turned e-mail off, in a stable order."""
    found: dict[int, User] = {}
    for stmt in stmts:
        for user in db.session.scalars(stmt.where(User.active)):
            found[user.id] = user
    for user in extra:
        if user is not None and user.active:
            found[user.id] = user
    if actor is not None:
        found.pop(actor.id, None)
    for user_id in opted_out(set(found)):
        found.pop(user_id)
    return sorted(found.values(), key=lambda user: user.email)


def _send(users: list[User], subject: str, body: str, link: str) -> None:
    for user in users:
        queue(
            new_message(
                user.email,
                f"[Kemitraan] {subject}",
                f"Yth. {user.name},\n\n{body}\n\n{absolute_url(link)}\n\n"
                "Pesan ini dikirim otomatis oleh aplikasi Kemitraan. Pemberitahuan e-mail "
                f"dapat dimatikan di {absolute_url('/settings/notifications')}.\n",
            )
        )


def _name(actor) -> str:
    return actor.name if actor is not None else "Sistem"


def _title(text: str) -> str:
    return " ".join(text.split())


# ---- agreements -----------------------------------------------------------------------------


@agreement_moved.connect
def _agreement_moved(agreement: Agreement, *, move: str, actor=None, **_) -> None:
    title, link = _title(agreement.title), f"/agreements/{agreement.id}"
    if move not in ("submit", "approve", "return"):
        return  # the other moves stay within the office that made them
    drafter = db.session.get(User, agreement.created_by_id) if agreement.created_by_id else None
    if move == "submit":
        users = _recipients(actor, _office_users(agreement.office_id, [Role.MANAGER]))
        _send(
            users,
            f"Menunggu reviu: {title}",
            f"{_name(actor)} mengajukan {title} untuk direviu. Mohon diperiksa, lalu disetujui "
            "atau dikembalikan ke penyusunan.",
            link,
        )
    elif move == "approve":
        staff = _office_users(agreement.office_id, [Role.STAFF])
        users = _recipients(actor, staff, extra=(drafter,))
        _send(
            users,
            f"Disetujui: {title}",
            f"{title} telah disetujui oleh {_name(actor)}. Langkah berikutnya: kirim untuk "
            "penandatanganan.",
            link,
        )
    elif move == "return":
        reason = f"\nAlasan: {agreement.status_reason}" if agreement.status_reason else ""
        _send(
            _recipients(actor, extra=(drafter,)),
            f"Dikembalikan ke penyusunan: {title}",
            f"{title} dikembalikan ke penyusunan oleh {_name(actor)}.{reason}",
            link,
        )


@agreement_comment_added.connect
def _agreement_comment(comment: Comment, *, actor=None, **_) -> None:
    """To the other side: the partner users of the agreement's partners when the office
    speaks (they see the review), the office's staff and managers when a partner does; and to
    everyone who spoke in the thread before."""
    agreement = comment.agreement
    thread_id = comment.parent_id or comment.id
    earlier = (
        select(User)
        .join(Comment, Comment.author_id == User.id)
        .where((Comment.id == thread_id) | (Comment.parent_id == thread_id))
    )
    if actor is not None and actor.role == Role.PARTNER:
        other_side = _office_users(agreement.office_id, OFFICE_TEAM)
    elif agreement.status in PARTNER_VISIBLE:
        partners = select(AgreementParty.partner_id).where(
            AgreementParty.agreement_id == agreement.id, AgreementParty.partner_id.is_not(None)
        )
        other_side = _partner_users(partners)
    else:
        other_side = None
    users = _recipients(actor, *(s for s in (other_side, earlier) if s is not None))
    title = _title(agreement.title)
    what = "membalas komentar" if comment.parent_id else "menulis komentar"
    _send(
        users,
        f"{'Balasan komentar' if comment.parent_id else 'Komentar baru'}: {title}",
        f"{_name(actor)} {what} pada pasal ke-{comment.article_index + 1} {title}:\n\n"
        f"{comment.body}",
        f"/agreements/{agreement.id}#comment-{thread_id}",
    )


# ---- commitments ----------------------------------------------------------------------------


def _figure_value(figure: RealisationFigure) -> str:
    return number_id(figure.value)  # 7.900, 12,5: Babel drops the trailing zeros


@figure_submitted.connect
def _figure_submitted(figure: RealisationFigure, *, actor=None, **_) -> None:
    commitment = figure.commitment
    users = _recipients(actor, _office_users(commitment.agreement.office_id, OFFICE_TEAM))
    title = _title(commitment.title)
    _send(
        users,
        f"Angka realisasi menunggu diterima: {title}",
        f"{commitment.partner.name} melaporkan realisasi {figure.period_label}: "
        f"{_figure_value(figure)} untuk {title}. Mohon diperiksa, lalu diterima atau ditolak.",
        f"/commitments/{commitment.id}",
    )


@figure_decided.connect
def _figure_decided(figure: RealisationFigure, *, actor=None, **_) -> None:
    commitment = figure.commitment
    users = _recipients(actor, _partner_users([commitment.partner_id]))
    title = _title(commitment.title)
    if figure.status == FigureStatus.REJECTED:
        subject = f"Angka realisasi ditolak: {title}"
        body = (
            f"Angka realisasi {figure.period_label} ({_figure_value(figure)}) untuk {title} "
            f"ditolak oleh {_name(actor)}.\nAlasan: {figure.reject_reason or '-'}\n"
            "Mohon diperbaiki dan dilaporkan kembali."
        )
    else:
        subject = f"Angka realisasi diterima: {title}"
        body = (
            f"Angka realisasi {figure.period_label} ({_figure_value(figure)}) untuk {title} "
            f"diterima oleh {_name(actor)}."
        )
    _send(users, subject, body, f"/commitments/{commitment.id}")


@commitment_comment_added.connect
def _commitment_comment(comment, *, actor=None, **_) -> None:
    """A comment on a commitment (the partner portal's): to the other side."""
    commitment: Commitment = comment.commitment
    if actor is not None and actor.role == Role.PARTNER:
        other_side = _office_users(commitment.agreement.office_id, OFFICE_TEAM)
    else:
        other_side = _partner_users([commitment.partner_id])
    title = _title(commitment.title)
    _send(
        _recipients(actor, other_side),
        f"Komentar baru: {title}",
        f"{_name(actor)} menulis komentar pada {title}:\n\n{comment.body}",
        f"/commitments/{commitment.id}",
    )
