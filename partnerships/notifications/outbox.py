"""Mail waits for the transaction: receivers queue messages on the session while the change
is flushed, and they leave only once it commits. A rolled-back change sends nothing; a mail
server that is down is logged and never undoes what the user did."""

import logging
import smtplib
from email.message import EmailMessage

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from partnerships.core.mail import MailServerDown, send_all
from partnerships.extensions import db

log = logging.getLogger(__name__)

_OUTBOX = "notifications.outbox"


def queue(mail: EmailMessage) -> None:
    db.session.info.setdefault(_OUTBOX, []).append(mail)


def pending(session: Session | None = None) -> list[EmailMessage]:
    return list((session or db.session()).info.get(_OUTBOX, []))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    mails = session.info.pop(_OUTBOX, None)
    if not mails:
        return
    try:
        refused = send_all(mails)
    except MailServerDown as error:
        log.warning("mail server unreachable; %d notifications not sent: %s", len(mails), error)
        return
    except (smtplib.SMTPException, OSError) as error:  # anything else SMTP may throw
        log.warning("notifications not sent: %s", error)
        return
    for mail, error in refused:
        log.warning("notification to %s refused: %s", mail["To"], error)


@event.listens_for(Session, "after_transaction_end")
def _drop_unsent(session: Session, transaction: SessionTransaction) -> None:
    # Runs after `after_commit` has taken the mail of a committed transaction: whatever is left
    # belongs to one rolled back or closed without a commit. Only the outermost transaction
    # holds the whole change (a savepoint ending inside it leaves its queue to it).
    if transaction.parent is None:
        session.info.pop(_OUTBOX, None)
