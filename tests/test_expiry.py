"""Daily upkeep against a real SMTP server on loopback: agreements past their end expire, and
the owning office hears once per threshold (90, 60, 30 days) before one ends."""

import re
import socket
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from partnerships.agreements import expiry
from partnerships.agreements.models import Agreement, ExpiryNotice, Status
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth import services as accounts
from partnerships.auth.models import User
from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.organisations.models import Office
from tests.conftest import EMAILS, OFFICE_DAY, PASSWORD
from tests.web import signed_in

# Denpasar's renewal with Kelurahan Sesetan: active in the demo, owned by Kantor Cabang Denpasar
SESETAN = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
DENPASAR = "Kantor Cabang Bali Denpasar"
DENPASAR_TEAM = ["manajer.denpasar@kemitraan.test", "staf.denpasar@kemitraan.test"]
BULAN = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def tanggal(day: date) -> str:
    """'4 Februari 2027', written out independently of the app's Babel formatting."""
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


# ---- a real SMTP server -------------------------------------------------------------------


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()

    @property
    def to(self) -> list[str]:
        return sorted(address for _name, address in getaddresses([str(self.message["To"])]))


@dataclass
class Inbox:
    mails: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback; the app mails to it (the config is read at send time)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


# ---- helpers ------------------------------------------------------------------------------


def daily(runner, day: date | None = None):
    args = ["agreements", "daily"] + (["--today", day.isoformat()] if day else [])
    return runner.invoke(args=args)


def target(app) -> tuple[int, date, str]:
    """(id, end date, title) of the demo agreement the notices are about."""
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == SESETAN))
        assert agreement.status == Status.ACTIVE and agreement.ends_on
        return agreement.id, agreement.ends_on, agreement.title


def only_this_one_ends_soon(app, keep: int) -> None:
    """Move every other active agreement's end far away, so the mails are about `keep` alone."""
    with app.app_context(), acting_as("test"):
        for agreement in db.session.scalars(
            select(Agreement).where(Agreement.status == Status.ACTIVE, Agreement.id != keep)
        ):
            agreement.ends_on = date(2099, 12, 31)
        db.session.commit()


def notices(app, agreement: int) -> list[int]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(ExpiryNotice.threshold).where(ExpiryNotice.agreement_id == agreement)
            )
        )


def office_id(name: str) -> int:
    return db.session.scalar(select(Office.id).where(Office.name == name))


@pytest.fixture
def bystanders(app):
    """Denpasar users who must not be mailed (deactivated, auditor, partner), one who must (a
    new active staff member), and a regional-office staff member (another office)."""
    with app.app_context(), acting_as("test"):
        denpasar = office_id(DENPASAR)
        regional = db.session.get(Office, denpasar).parent_id
        new = accounts.create_user(
            email="staf.baru.denpasar@kemitraan.test",
            name="Staf Baru",
            role=Role.STAFF,
            password=PASSWORD,
            office_id=denpasar,
        )
        gone = accounts.create_user(
            email="mantan.denpasar@kemitraan.test",
            name="Mantan Staf",
            role=Role.STAFF,
            password=PASSWORD,
            office_id=denpasar,
        )
        accounts.deactivate_user(gone)
        accounts.create_user(
            email="auditor.denpasar@kemitraan.test",
            name="Auditor Cabang",
            role=Role.AUDITOR,
            password=PASSWORD,
            office_id=denpasar,
        )
        accounts.create_user(
            email="staf.kanwil@kemitraan.test",
            name="Staf Kanwil",
            role=Role.STAFF,
            password=PASSWORD,
            office_id=regional,
        )
        partner = db.session.scalar(select(User).where(User.email == EMAILS["partner"]))
        partner.office_id = denpasar  # even a partner user tied to the office is not staff
        db.session.commit()
        assert not db.session.get(User, gone.id).active
        return new.email


# ---- expiry -------------------------------------------------------------------------------


def test_agreement_past_its_end_expires_with_an_audit_entry(app, runner, smtp):
    agreement, ends_on, _title = target(app)
    only_this_one_ends_soon(app, agreement)

    on_last_day = daily(runner, ends_on)
    assert on_last_day.exit_code == 0, on_last_day.output
    with app.app_context():
        assert db.session.get(Agreement, agreement).status == Status.ACTIVE  # the end day counts

    after = daily(runner, ends_on + timedelta(days=1))
    assert after.exit_code == 0, after.output
    assert after.output.startswith("1 expired")
    with app.app_context():
        expired = db.session.get(Agreement, agreement)
        assert expired.status == Status.EXPIRED
        assert ends_on.isoformat() in expired.status_reason
        entry = db.session.scalar(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "Agreement",
                AuditEntry.object_id == str(agreement),
                AuditEntry.action == "update",
            )
            .order_by(AuditEntry.seq.desc())
        )
        assert entry.actor_label == "cli:agreements-daily"
        assert entry.before["status"] == Status.ACTIVE
        assert entry.after["status"] == Status.EXPIRED
        assert entry.office_id == expired.office_id

    again = daily(runner, ends_on + timedelta(days=2))
    assert again.exit_code == 0
    assert again.output.startswith("0 expired")


def test_only_active_agreements_expire(app, runner, smtp):
    """Drafts, agreements in review or awaiting signature never expire by date."""
    with app.app_context():
        before = {a.id: a.status for a in db.session.scalars(select(Agreement))}
    result = daily(runner, date(2100, 1, 1))
    assert result.exit_code == 0, result.output
    with app.app_context():
        after = {a.id: a.status for a in db.session.scalars(select(Agreement))}
    assert {i for i in before if before[i] != after[i]} == {
        i for i, s in before.items() if s == Status.ACTIVE
    }
    assert all(after[i] == Status.EXPIRED for i, s in before.items() if s == Status.ACTIVE)
    assert smtp.mails == []


# ---- notices ------------------------------------------------------------------------------


def test_one_mail_per_threshold_to_the_owning_office(app, runner, smtp, bystanders):
    agreement, ends_on, title = target(app)
    only_this_one_ends_soon(app, agreement)
    team = sorted([*DENPASAR_TEAM, bystanders])

    result = daily(runner, ends_on - timedelta(days=85))
    assert result.exit_code == 0, result.output
    [mail] = smtp.mails
    assert sorted(mail.recipients) == team
    assert mail.to == team
    assert title in mail.subject and "85" in mail.subject
    assert tanggal(ends_on) in mail.body
    assert f"/agreements/{agreement}" in mail.body
    assert notices(app, agreement) == [90]

    same_day = daily(runner, ends_on - timedelta(days=85))
    assert same_day.exit_code == 0
    assert len(smtp.mails) == 1
    inside_90 = daily(runner, ends_on - timedelta(days=70))
    assert inside_90.exit_code == 0
    assert len(smtp.mails) == 1

    assert daily(runner, ends_on - timedelta(days=55)).exit_code == 0
    assert len(smtp.mails) == 2
    assert "55" in smtp.mails[1].subject and tanggal(ends_on) in smtp.mails[1].body
    assert notices(app, agreement) == [60, 90]
    assert daily(runner, ends_on - timedelta(days=55)).exit_code == 0
    assert len(smtp.mails) == 2

    assert daily(runner, ends_on - timedelta(days=25)).exit_code == 0
    assert len(smtp.mails) == 3
    assert "25" in smtp.mails[2].subject
    assert notices(app, agreement) == [30, 60, 90]

    for days_left in (10, 1, 0):
        assert daily(runner, ends_on - timedelta(days=days_left)).exit_code == 0
    assert len(smtp.mails) == 3
    for mail in smtp.mails:
        assert sorted(mail.recipients) == team
        assert mail.sender == app.config["MAIL_SENDER"]

    with app.app_context():
        recorded = db.session.scalars(
            select(ExpiryNotice).where(ExpiryNotice.agreement_id == agreement)
        ).all()
        assert all(sorted(n.recipients.split(", ")) == team for n in recorded)


def test_late_first_run_sends_one_mail_and_records_every_threshold(app, runner, smtp):
    agreement, ends_on, title = target(app)
    only_this_one_ends_soon(app, agreement)

    assert daily(runner, ends_on - timedelta(days=25)).exit_code == 0
    [mail] = smtp.mails
    assert title in mail.subject and "25" in mail.subject
    assert notices(app, agreement) == [30, 60, 90]

    for days_left in (24, 20, 5):
        assert daily(runner, ends_on - timedelta(days=days_left)).exit_code == 0
    assert len(smtp.mails) == 1


def test_nothing_is_sent_more_than_90_days_ahead(app, runner, smtp):
    agreement, ends_on, _title = target(app)
    only_this_one_ends_soon(app, agreement)
    assert daily(runner, ends_on - timedelta(days=91)).exit_code == 0
    assert smtp.mails == []
    assert daily(runner, ends_on - timedelta(days=90)).exit_code == 0
    assert len(smtp.mails) == 1
    assert notices(app, agreement) == [90]


def test_each_office_hears_about_its_own_agreements(app, runner, smtp):
    """Every active agreement ending within 90 days gets one mail, to its own office only."""
    day = date(2000, 1, 1)
    with app.app_context(), acting_as("test"):
        active = db.session.scalars(
            select(Agreement).where(Agreement.status == Status.ACTIVE)
        ).all()
        assert len({a.office_id for a in active}) >= 2, "two offices have active agreements"
        for offset, agreement in enumerate(active):
            agreement.ends_on = day + timedelta(days=40 + offset)
        db.session.commit()
        expected = {}
        for agreement in active:
            team = db.session.scalars(
                select(User.email).where(
                    User.office_id == agreement.office_id,
                    User.active,
                    User.role.in_([Role.STAFF, Role.MANAGER]),
                )
            ).all()
            expected[agreement.title] = sorted(team)
    result = daily(runner, day)
    assert result.exit_code == 0, result.output
    assert len(smtp.mails) == len(expected)
    for mail in smtp.mails:
        [title] = [t for t in expected if t in mail.subject]
        assert sorted(mail.recipients) == expected[title]


# ---- a mail server that is down -----------------------------------------------------------


def test_server_down_fails_the_run_records_nothing_and_retries_later(app, runner):
    agreement, ends_on, title = target(app)
    only_this_one_ends_soon(app, agreement)
    day = ends_on - timedelta(days=85)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there

    down = daily(runner, day)
    assert down.exit_code != 0
    assert f"agreement {agreement}" in down.output
    assert notices(app, agreement) == []

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_PORT=controller.port)
        up = daily(runner, day + timedelta(days=1))
        assert up.exit_code == 0, up.output
        [mail] = inbox.mails
        assert title in mail.subject
        assert notices(app, agreement) == [90]
        assert daily(runner, day + timedelta(days=1)).exit_code == 0
        assert len(inbox.mails) == 1
    finally:
        controller.stop()


def test_expiry_is_kept_even_when_the_mail_server_is_down(app, runner):
    agreement, ends_on, _title = target(app)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with app.app_context(), acting_as("test"):
        # another active agreement ends within 30 days of the run, so a mail is due and fails
        other = db.session.scalars(
            select(Agreement).where(Agreement.status == Status.ACTIVE, Agreement.id != agreement)
        ).first()
        other.ends_on = ends_on + timedelta(days=20)
        db.session.commit()
        other_id = other.id
    result = daily(runner, ends_on + timedelta(days=1))
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.get(Agreement, agreement).status == Status.EXPIRED
        assert db.session.get(Agreement, other_id).status == Status.ACTIVE
    assert notices(app, other_id) == []


# ---- the expiring pages -------------------------------------------------------------------


def _subtree(office: int, offices: list[Office]) -> set[int]:
    found, frontier = {office}, [office]
    while frontier:
        parent = frontier.pop()
        children = [o.id for o in offices if o.parent_id == parent]
        found.update(children)
        frontier.extend(children)
    return found


def expected_expiring(app, who: str, days: int) -> set[int]:
    """Computed from the database with the rules spelled out here, not the app's query."""
    today = OFFICE_DAY
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAILS.get(who, who)))
        offices = db.session.scalars(select(Office)).all()
        rows = db.session.scalars(select(Agreement).where(~Agreement.is_deleted)).all()
        if user.role == Role.ADMIN or user.office_id is None:
            scope = {o.id for o in offices}
        else:
            scope = _subtree(user.office_id, offices)
        return {
            a.id
            for a in rows
            if a.status == Status.ACTIVE
            and a.ends_on is not None
            and today <= a.ends_on <= today + timedelta(days=days)
            and a.office_id in scope
        }


def listed(app, who: str, days: int) -> set[int]:
    """The agreements `who` sees after choosing "Dalam `days` hari" on the expiring page (a
    window the page does not offer is typed into the address bar)."""
    web = signed_in(app, who)
    page = web.get("/").click(description="Akan berakhir", href=r"^/agreements/expiring$")
    if f"Dalam {days} hari" in page.text:
        response = page.click(description=f"Dalam {days} hari")
    else:
        response = web.get(f"/agreements/expiring?days={days}")
    assert response.status_int == 200
    table = response.text.split("<main", 1)[-1]
    return {int(i) for i in re.findall(r'href="/agreements/(\d+)"', table)}


USERS = [
    "staff",
    "manajer.denpasar@kemitraan.test",
    "staff_other",
    "manajer.gianyar@kemitraan.test",
    "admin",
    "auditor",
    "auditor_office",
]


@pytest.mark.parametrize("who", USERS)
def test_expiring_pages_list_the_demo_agreements_in_scope(app, who):
    for days in (30, 60, 90):
        assert listed(app, who, days) == expected_expiring(app, who, days), (who, days)


@pytest.mark.parametrize("who", USERS)
def test_expiring_pages_at_the_edges_of_each_window(app, who):
    """Make the demo's agreements past drafting active and put their ends at the edges: today,
    in exactly 30, 31, 60, 61, 90 and 91 days, and yesterday (active until the daily sweep).
    Drafts end within the window too, and must not be listed."""
    today = OFFICE_DAY
    offsets = [0, 30, 31, 60, 61, 90, 91, -1]
    with app.app_context(), acting_as("test"):
        rows = db.session.scalars(select(Agreement).order_by(Agreement.id)).all()
        signed = [a for a in rows if a.status != Status.DRAFT]
        assert len(signed) >= len(offsets)
        for agreement, offset in zip(signed, offsets * 2, strict=False):
            agreement.status = Status.ACTIVE
            agreement.ends_on = today + timedelta(days=offset)
        for agreement in rows:
            if agreement.status == Status.DRAFT:
                agreement.ends_on = today + timedelta(days=10)
        db.session.commit()
    for days in (30, 60, 90):
        expected = expected_expiring(app, who, days)
        assert listed(app, who, days) == expected, (who, days)
    assert expected_expiring(app, "admin", 30) and expected_expiring(app, "staff_other", 90)


def test_expiring_page_defaults_to_90_days_and_refuses_partners(app):
    assert (
        listed(app, "admin", 90) == listed(app, "admin", 7) == expected_expiring(app, "admin", 90)
    )
    web = signed_in(app, "partner")
    assert "/agreements/expiring" not in web.get("/").text  # no menu entry leads there
    web.get("/agreements/expiring?days=30", status=403)


def test_a_silent_mail_server_costs_one_timeout_not_one_per_agreement(app, runner):
    """A server that accepts connections but never answers: the run gives up after the first
    timeout instead of waiting it out for every due agreement, and records nothing."""
    with app.app_context(), acting_as("test"):
        active = db.session.scalars(
            select(Agreement).where(Agreement.status == Status.ACTIVE)
        ).all()
        assert len(active) >= 2
        for agreement in active:
            agreement.ends_on = date(2000, 2, 1)
        db.session.commit()
        ids = [a.id for a in active]
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        app.config.update(
            MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=0.5
        )
        result = daily(runner, date(2000, 1, 1))
        assert result.exit_code != 0
        silent.setblocking(False)
        attempts = []
        try:
            while True:
                attempts.append(silent.accept()[0])
        except BlockingIOError:
            pass
        for connection in attempts:
            connection.close()
    assert len(attempts) == 1
    assert all(notices(app, i) == [] for i in ids)


def test_deleted_agreement_is_neither_expired_nor_announced(app, runner, smtp):
    agreement, ends_on, _title = target(app)
    only_this_one_ends_soon(app, agreement)
    with app.app_context(), acting_as("test"):
        db.session.get(Agreement, agreement).is_deleted = True
        db.session.commit()
    assert daily(runner, ends_on - timedelta(days=20)).exit_code == 0
    assert smtp.mails == []
    assert notices(app, agreement) == []
    assert daily(runner, ends_on + timedelta(days=1)).exit_code == 0
    with app.app_context():
        assert db.session.get(Agreement, agreement).status == Status.ACTIVE


def test_without_a_date_the_run_is_for_today_at_the_office(app, runner, smtp):
    agreement, _ends_on, title = target(app)
    only_this_one_ends_soon(app, agreement)
    with app.app_context(), acting_as("test"):
        db.session.get(Agreement, agreement).ends_on = OFFICE_DAY + timedelta(days=45)
        db.session.commit()
    result = daily(runner)
    assert result.exit_code == 0, result.output
    [mail] = smtp.mails
    assert title in mail.subject and "45" in mail.subject
    assert notices(app, agreement) == [60, 90]
    with app.app_context(), acting_as("test"):
        db.session.get(Agreement, agreement).ends_on = OFFICE_DAY - timedelta(days=1)
        db.session.commit()
    assert daily(runner).exit_code == 0
    with app.app_context():
        assert db.session.get(Agreement, agreement).status == Status.EXPIRED


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 12, 31, 15, 59, tzinfo=UTC), date(2026, 12, 31)),
        # 00:30 WITA on New Year's Day is still 31 December on a UTC server
        (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2027, 1, 1, 7, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_the_office_day_is_the_wita_day_not_the_servers(app, instant, day):
    with app.app_context():
        assert expiry.office_today(instant) == day


class RefusingDenpasar(Inbox):
    """A server that answers, but refuses Denpasar's addresses."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("denpasar@kemitraan.test"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_mail_fails_that_agreement_only(app, runner):
    """A mail the server refuses is retried on the next run; the other offices still hear."""
    sesetan, _ends_on, _title = target(app)
    with app.app_context(), acting_as("test"):
        active = db.session.scalars(
            select(Agreement).where(Agreement.status == Status.ACTIVE).order_by(Agreement.id)
        ).all()
        for agreement in active:
            agreement.ends_on = date(2000, 2, 1)
        db.session.commit()
        others = {a.id for a in active} - {sesetan}
        assert others
    inbox = RefusingDenpasar()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        result = daily(runner, date(2000, 1, 1))
    finally:
        controller.stop()
    assert result.exit_code != 0
    assert f"agreement {sesetan}" in result.output
    assert notices(app, sesetan) == []
    assert all(notices(app, i) == [60, 90] for i in others)
    assert len(inbox.mails) == len(others)
