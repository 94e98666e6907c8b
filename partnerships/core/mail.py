"""Sending e-mail through the configured SMTP server (MAIL_SERVER, MAIL_PORT, MAIL_SENDER):
one place for the expiry notices and the hand-off notifications alike."""

import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from email.message import EmailMessage

from flask import current_app


class MailServerDown(Exception):
    """The mail server could not be reached or dropped the connection."""


_quiet: ContextVar[bool] = ContextVar("mail_quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """Send nothing while inside: loading the demo walks agreements through their hand-offs,
    and its made-up people must not be mailed."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def new_message(to: str | list[str], subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_SENDER"]
    mail["To"] = to if isinstance(to, str) else ", ".join(to)
    mail["Subject"] = " ".join(subject.split())  # a header must be one line
    mail.set_content(body)
    return mail


def absolute_url(path: str) -> str:
    """`path` under BASE_URL: mail is read away from any request, so links carry the host."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/{path.lstrip('/')}"


def _connect() -> smtplib.SMTP:
    config = current_app.config
    try:
        return smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 15)
        )
    except (OSError, smtplib.SMTPConnectError) as error:
        raise MailServerDown(str(error) or type(error).__name__) from error


def send(mail: EmailMessage) -> None:
    """Send one message; MailServerDown, or the SMTPException of a refusal."""
    for _mail, error in send_all([mail]):
        raise error


def send_all(mails: Iterable[EmailMessage]) -> list[tuple[EmailMessage, smtplib.SMTPException]]:
    """Send every message over one connection and return those the server refused, with its
    answer. MailServerDown when it cannot be reached or drops the line."""
    mails = list(mails)
    refused: list[tuple[EmailMessage, smtplib.SMTPException]] = []
    if not mails or _quiet.get():
        return refused
    smtp = _connect()
    try:
        with smtp:
            for mail in mails:
                try:
                    smtp.send_message(mail)
                except smtplib.SMTPServerDisconnected:
                    raise
                except smtplib.SMTPException as error:  # this message refused; go on
                    refused.append((mail, error))
    except smtplib.SMTPServerDisconnected as error:
        raise MailServerDown(str(error) or type(error).__name__) from error
    except smtplib.SMTPException:
        raise  # the server answered and refused (SMTPException is an OSError too)
    except OSError as error:  # a timeout or a reset connection
        raise MailServerDown(str(error) or type(error).__name__) from error
    return refused
