"""Daily upkeep: agreements past their end date expire, and the office is told by e-mail when
one comes within 90, 60 and 30 days of its end — once per threshold."""

import smtplib
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from sqlalchemy import select

from partnerships.agreements.models import EXPIRY_WINDOWS, Agreement, ExpiryNotice, Status
from partnerships.agreements.search import expiring_within
from partnerships.auth.models import User
from partnerships.core.formatting import long_date_id, office_today
from partnerships.core.mail import MailServerDown, absolute_url, new_message, send
from partnerships.core.roles import Role
from partnerships.extensions import db

THRESHOLDS = tuple(sorted(EXPIRY_WINDOWS, reverse=True))  # widest first


@dataclass
class DailyReport:
    expired: list[int] = field(default_factory=list)
    notified: list[tuple[int, int]] = field(default_factory=list)  # (agreement, threshold)
    failed: list[tuple[int, str]] = field(default_factory=list)


def expire_overdue(today: date) -> list[Agreement]:
    overdue = list(
        db.session.scalars(
            select(Agreement).where(
                Agreement.status == Status.ACTIVE, Agreement.ends_on < today, ~Agreement.is_deleted
            )
        )
    )
    for agreement in overdue:
        agreement.status = Status.EXPIRED
        agreement.status_reason = f"berakhir {agreement.ends_on.isoformat()}"
    db.session.flush()
    return overdue


def recipients(agreement: Agreement) -> list[str]:
    """The owning office's active staff and managers."""
    return list(
        db.session.scalars(
            select(User.email)
            .where(
                User.office_id == agreement.office_id,
                User.role.in_([Role.STAFF, Role.MANAGER]),
                User.active,
            )
            .order_by(User.email)
        )
    )


def message(agreement: Agreement, days_left: int, to: list[str]) -> EmailMessage:
    number = next((p.number for p in agreement.parties if p.office_id and p.number), "-")
    link = absolute_url(f"/agreements/{agreement.id}")
    return new_message(
        to,
        f"[Kemitraan] {agreement.title} berakhir dalam {days_left} hari",
        f"Yth. Bapak/Ibu,\n\n"
        f"{agreement.title} (Nomor {number}) tentang {agreement.subject} "
        f"akan berakhir pada {long_date_id(agreement.ends_on)}, {days_left} hari lagi.\n"
        f"Mohon segera dipertimbangkan perpanjangan atau addendum.\n\n{link}\n",
    )


def notify_expiring(today: date, report: DailyReport) -> None:
    """E-mail each agreement's office for the tightest threshold newly crossed; thresholds
    already passed are recorded too, so a late start never sends three mails at once."""
    # Read the whole list first: the loop commits after every mail.
    due = db.session.scalars(
        expiring_within(select(Agreement), max(THRESHOLDS), today)
        .where(~Agreement.is_deleted)
        .order_by(Agreement.ends_on, Agreement.id)
    ).all()
    for agreement in due:
        days_left = (agreement.ends_on - today).days
        crossed = [t for t in THRESHOLDS if days_left <= t]
        sent = set(
            db.session.scalars(
                select(ExpiryNotice.threshold).where(ExpiryNotice.agreement_id == agreement.id)
            )
        )
        new = [t for t in crossed if t not in sent]
        to = recipients(agreement)
        if not new or not to:
            continue
        try:
            send(message(agreement, days_left, to))
        except MailServerDown as error:
            # Every other mail would wait out the same timeout: leave them for the next run.
            report.failed.append(
                (
                    agreement.id,
                    f"{error} (mail server unreachable; the "
                    f"remaining notices wait for the next run)",
                )
            )
            break
        except smtplib.SMTPException as error:
            report.failed.append((agreement.id, str(error)))
            continue  # not recorded: tomorrow's run tries again
        for threshold in new:
            db.session.add(
                ExpiryNotice(
                    agreement_id=agreement.id, threshold=threshold, recipients=", ".join(to)
                )
            )
        db.session.commit()  # one agreement at a time: a mail sent is a mail recorded
        report.notified.append((agreement.id, min(new)))


def run_daily(today: date | None = None) -> DailyReport:
    today = today or office_today()
    report = DailyReport()
    report.expired = [a.id for a in expire_overdue(today)]
    db.session.commit()
    notify_expiring(today, report)
    return report
