"""The daily reminder of overdue follow-ups (`flask notifications remind`, from cron): each
assignee gets one e-mail listing its open follow-ups past their due date, through the same
SMTP path as the expiry notices (core.mail), at most once per follow-up per day.

A staff assignee is mailed at its own address; the partner's side at its partner's active
users (as the hand-off notifications reach them) or, when the partner has no account at all,
at the partner's own e-mail from its profile. Whoever turned e-mail off is left out.

Per assignee, one transaction claims its follow-ups (`last_reminded_on` set to the day, only
on rows not yet reminded that day: a second run, even a concurrent one, claims nothing),
sends, and commits; a mail that did not go rolls the claim back, so the next run tries again.
"""

import smtplib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import PARTNER_VISIBLE
from partnerships.auth.models import User
from partnerships.core.formatting import long_date_id, office_today
from partnerships.core.mail import MailServerDown, absolute_url, new_message, send_all
from partnerships.core.roles import Role
from partnerships.events.follow_up_permissions import live_follow_ups, partner_takes_part
from partnerships.events.follow_up_queries import overdue
from partnerships.events.models import FollowUp, FollowUpStatus
from partnerships.extensions import db
from partnerships.notifications.services import opted_out
from partnerships.organisations.models import Partner

LINE_MAX = 300  # characters of a description quoted in the mail


@dataclass(frozen=True)
class Line:
    """One follow-up as the mail names it, read before the loop commits."""

    id: int
    description: str
    source: str
    due_on: date


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    has_account: bool = True


@dataclass
class ReminderReport:
    sent: list[tuple[str, list[int]]] = field(default_factory=list)  # (address, follow-ups)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (assignee, why)

    @property
    def reminded(self) -> set[int]:
        return {i for _address, ids in self.sent for i in ids}


def due(today: date) -> list[FollowUp]:
    """Open follow-ups past their due date not yet reminded `today`; a partner's side only
    those its users may read (an agreement still in drafting, an event the partner no longer
    takes part in, is not theirs to see)."""
    partner_visible = select(Agreement.id).where(Agreement.status.in_(PARTNER_VISIBLE))
    stmt = (
        overdue(live_follow_ups(), today)
        .where(
            or_(FollowUp.last_reminded_on.is_(None), FollowUp.last_reminded_on < today),
            or_(FollowUp.assignee_user_id.is_not(None), FollowUp.partner_id.is_not(None)),
            or_(
                FollowUp.partner_id.is_(None),
                and_(
                    or_(
                        FollowUp.agreement_id.is_(None),
                        FollowUp.agreement_id.in_(partner_visible),
                    ),
                    partner_takes_part(),
                ),
            ),
        )
        .options(joinedload(FollowUp.event), joinedload(FollowUp.agreement))
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    return list(db.session.scalars(stmt).unique())


def _line(follow_up: FollowUp) -> Line:
    text = " ".join(follow_up.description.split())
    if len(text) > LINE_MAX:
        text = text[: LINE_MAX - 1] + "…"
    source = follow_up.event or follow_up.agreement
    return Line(follow_up.id, text, " ".join(source.title.split()), follow_up.due_on)


def _user_recipients(user_id: int) -> list[Recipient]:
    user = db.session.get(User, user_id)
    if user is None or not user.active or opted_out({user.id}):
        return []
    return [Recipient(user.email, user.name)]


def _partner_recipients(partner_id: int) -> list[Recipient]:
    users = list(
        db.session.scalars(
            select(User)
            .where(User.partner_id == partner_id, User.role == Role.PARTNER)
            .order_by(User.email)
        )
    )
    if users:  # the partner has accounts: those who are active and want mail
        silent = opted_out({u.id for u in users})
        return [Recipient(u.email, u.name) for u in users if u.active and u.id not in silent]
    partner = db.session.get(Partner, partner_id)
    if partner is None or not (partner.email or "").strip():
        return []
    return [Recipient(partner.email.strip(), partner.name, has_account=False)]


def message(recipient: Recipient, lines: list[Line], today: date):
    items = []
    for number, line in enumerate(lines, start=1):
        late = (today - line.due_on).days
        items.append(
            f"{number}. {line.description}\n"
            f"   Dari: {line.source}\n"
            f"   Tenggat: {long_date_id(line.due_on)} ({late} hari lalu)\n"
            f"   {absolute_url(f'/follow-ups/{line.id}')}"
        )
    footer = (
        "Pesan ini dikirim otomatis oleh aplikasi Kemitraan. Pemberitahuan e-mail dapat "
        f"dimatikan di {absolute_url('/settings/notifications')}.\n"
        if recipient.has_account
        else "Pesan ini dikirim otomatis oleh aplikasi Kemitraan.\n"
    )
    return new_message(
        recipient.email,
        f"[Kemitraan] {len(lines)} tindak lanjut lewat tenggat",
        f"Yth. {recipient.name},\n\n"
        "Tindak lanjut berikut sudah lewat tenggat dan belum ditandai selesai:\n\n"
        + "\n\n".join(items)
        + "\n\nMohon diselesaikan, lalu ditandai selesai beserta catatan (dan bukti bila ada). "
        "Pengingat ini dikirim paling banyak sekali sehari selama tindak lanjut masih "
        "terbuka.\n\n" + footer,
    )


def _claim(ids: list[int], today: date) -> set[int]:
    """Mark those of `ids` still open and not reminded today as reminded today; the ids
    claimed. A bulk UPDATE: the reminder's own bookkeeping, not a change anyone made (the
    audit trail skips the column, and `updated_at` stays as it was)."""
    stmt = (
        update(FollowUp)
        .where(
            FollowUp.id.in_(ids),
            FollowUp.status == FollowUpStatus.OPEN,
            or_(FollowUp.last_reminded_on.is_(None), FollowUp.last_reminded_on < today),
        )
        .values(last_reminded_on=today, updated_at=FollowUp.updated_at)
        .returning(FollowUp.id)
        .execution_options(synchronize_session=False)
    )
    return set(db.session.execute(stmt).scalars())


def run(today: date | None = None) -> ReminderReport:
    """Send the day's reminders, one assignee at a time (see the module's docstring)."""
    today = today or office_today()
    report = ReminderReport()
    groups: dict[tuple[str, int], list[Line]] = {}
    for follow_up in due(today):
        key = (
            ("partner", follow_up.partner_id)
            if follow_up.partner_id is not None
            else ("user", follow_up.assignee_user_id)
        )
        groups.setdefault(key, []).append(_line(follow_up))
    db.session.rollback()  # the reads end here; each assignee's claim is a transaction
    for (kind, assignee_id), lines in groups.items():
        who = f"{kind} {assignee_id}"
        recipients = (
            _partner_recipients(assignee_id) if kind == "partner" else _user_recipients(assignee_id)
        )
        if not recipients:
            db.session.rollback()
            continue
        claimed = _claim([line.id for line in lines], today)
        lines = [line for line in lines if line.id in claimed]
        if not lines:
            db.session.rollback()
            continue
        mails = [message(recipient, lines, today) for recipient in recipients]
        try:
            refused = send_all(mails)
        except MailServerDown as error:
            db.session.rollback()
            # every other mail would wait out the same timeout: they wait for the next run
            report.failed.append((who, f"{error} (mail server unreachable; the rest wait)"))
            break
        except (smtplib.SMTPException, OSError) as error:
            db.session.rollback()
            report.failed.append((who, str(error) or type(error).__name__))
            continue
        if len(refused) == len(mails):
            db.session.rollback()  # nobody got it: not reminded
            report.failed.append((who, "; ".join(str(error) for _mail, error in refused)))
            continue
        db.session.commit()  # the claim and the mail together
        refused_to = {str(mail["To"]) for mail, _error in refused}
        for recipient in recipients:
            if recipient.email not in refused_to:
                report.sent.append((recipient.email, [line.id for line in lines]))
        for address in sorted(refused_to):
            report.failed.append((who, f"refused for {address}"))
    return report
