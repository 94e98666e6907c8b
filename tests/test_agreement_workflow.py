"""Agreements: the workflow, review comments, versions and redline, conflicting edits, scope,
and the audit trail of every step.

Users act through the pages (each with their own WebTest browser): they load a page, take the
form it renders, type and press its button. Direct POSTs (`forge`) are kept for what no page
offers that user (a move the page does not show, another office's agreement, a tampered hidden
field). The database race is played out at the service level, in two threads, because that is
where it happens.
"""

import re
import threading
from datetime import date, timedelta
from io import BytesIO

import pytest
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from webtest import TestApp

from partnerships.agreements import drafting, lifecycle, printing, workflow
from partnerships.agreements.errors import ConflictError
from partnerships.agreements.models import Agreement, AgreementParty, AgreementVersion, Comment
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth import services as accounts
from partnerships.auth.models import User
from partnerships.core.formatting import long_date_id
from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.numbering.models import IssuedNumber
from partnerships.organisations.models import Office, Official, Partner
from tests.conftest import EMAILS, OFFICE_DAY, ON_POSTGRES, PASSWORD
from tests.helpers import id_of
from tests.signatures import png_scan, sign_on_paper
from tests.web import fill, find_form, follow, forms, submit

DENPASAR = "Kantor Cabang Bali Denpasar"
SESETAN = "Kelurahan Sesetan"
PEMKOT = "Pemerintah Kota Denpasar"
IRFAN = "Mohamad Irfan"  # Kepala Kantor Cabang Denpasar since 2 January 2019
KARYAWATI = "Ketut Sri Karyawati"  # Lurah Sesetan since 2 March 2015

IN_REVIEW = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
DRAFT = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Dangin Puri Kangin"
ACTIVE = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"  # renews the Sesetan PKS
GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"  # expired

# conftest's "manager" key ends up on the last manager of the demo (Gianyar); be explicit.
MANAGER = "manajer.denpasar@kemitraan.test"

HOSTILE = "<script>alert(1)</script> {{ config }}"


# ---- helpers ------------------------------------------------------------------------------


class Browser(TestApp):
    """WebTest that hands every answer, 4xx included, to the test to check."""

    def do_request(self, req, status=None, expect_errors=None):
        return super().do_request(req, status=status, expect_errors=True)


def signed_in(app, who: str) -> Browser:
    """A browser of its own, logged in through the login form as `who` (a conftest key or an
    e-mail)."""
    web = Browser(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    response = submit(
        web.get("/login"), button="Masuk", email=EMAILS.get(who, who), password=PASSWORD
    )
    assert response.status_int == 302, f"login as {who} failed"
    return web


def forge(
    web: Browser, url: str, data: dict | None = None, *, form_url: str = "/", upload_files=None
):
    """A POST no page offers this user, with the CSRF token of a page they have open."""
    token = web.get(form_url).html.find("input", {"name": "csrf_token"})
    assert token is not None, f"no CSRF token on {form_url}"
    fields = {**(data or {}), "csrf_token": token["value"]}
    return web.post(url, fields, upload_files=upload_files)


def scalar(app, stmt):
    with app.app_context():
        return db.session.scalar(stmt)


def user_id(app, who: str) -> int:
    return scalar(app, select(User.id).where(User.email == EMAILS.get(who, who)))


def state(app, agreement_id: int) -> dict:
    """The agreement's columns and its parties, as the database holds them now."""
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        row = {c.key: getattr(agreement, c.key) for c in Agreement.__table__.columns}
        row["parties"] = [(p.position, p.number, p.signatory_id) for p in agreement.parties]
        return row


def version_numbers(app, agreement_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AgreementVersion.number)
                .where(AgreementVersion.agreement_id == agreement_id)
                .order_by(AgreementVersion.number)
            )
        )


def version_articles(app, agreement_id: int, number: int) -> list[dict]:
    return scalar(
        app,
        select(AgreementVersion.articles).where(
            AgreementVersion.agreement_id == agreement_id, AgreementVersion.number == number
        ),
    )


def comments_of(app, agreement_id: int) -> list[Comment]:
    with app.app_context():
        rows = (
            db.session.scalars(
                select(Comment).where(Comment.agreement_id == agreement_id).order_by(Comment.id)
            )
            .unique()
            .all()
        )
        db.session.expunge_all()
        return rows


def audit_head(app) -> int:
    return scalar(app, select(func.coalesce(func.max(AuditEntry.seq), 0)))


def trail(app, object_type: str, object_id: int, since: int = 0) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == object_type,
                AuditEntry.object_id == str(object_id),
                AuditEntry.seq > since,
            )
            .order_by(AuditEntry.seq)
        )
        return [
            {
                "action": e.action,
                "actor": e.actor_label,
                "before": e.before or {},
                "after": e.after or {},
                "office_id": e.office_id,
            }
            for e in rows
        ]


def status_changes(app, agreement_id: int, since: int = 0) -> list[tuple[str, str, str]]:
    """(from, to, who) for every audited status change of the agreement."""
    return [
        (e["before"].get("status"), e["after"]["status"], e["actor"])
        for e in trail(app, "Agreement", agreement_id, since)
        if e["before"].get("status") != e["after"].get("status")
    ]


def ui(app, message: str, **values) -> str:
    """`message` as the default (Indonesian) UI words it, whatever the catalog holds."""
    with app.test_request_context():
        return str(gettext(message, **values))


def refusal_of_state(app, action: str, status: str) -> str:
    with app.test_request_context():
        return gettext(
            "Cannot %(action)s: the agreement is %(status)s.",
            action=str(workflow.MOVES[action].label).lower(),
            status=str(lifecycle.STATUS_LABELS[status]).lower(),
        )


def managers_only(app, action: str) -> str:
    with app.test_request_context():
        return gettext(
            "Only a manager of the owning office may %(action)s.",
            action=str(workflow.MOVES[action].label).lower(),
        )


def flashed(response) -> list[tuple[str, str]]:
    """(category, message) of each flashed message on the page the redirect leads to."""
    page = follow(response)
    return [
        (
            next(c.removeprefix("alert-") for c in a["class"] if c.startswith("alert-")),
            " ".join(a.get_text(" ").split()),
        )
        for a in page.html.select(".alert")
    ]


def alerts(html: str, category: str = "danger") -> list[str]:
    """The flashed messages a re-rendered page shows."""
    return [
        m.strip()
        for m in re.findall(
            rf'<div class="alert alert-{category}[^"]*" role="alert">\s*(.*?)\s*<button', html, re.S
        )
    ]


def _html(text: str) -> str:
    """`text` as a page shows it."""
    return str(escape(text))


def move(web: Browser, agreement_id: int, action: str, **fields):
    """Press the workflow button for `action` on the agreement's page, typing `fields` into its
    form. When the page does not offer that button to this user (wrong state or role), send
    what a forged request would: the server must refuse it just the same."""
    url = f"/agreements/{agreement_id}"
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}
    page = web.get(url)
    for form in forms(page):
        if form.action.endswith("/transition") and form["action"].value == action:
            return fill(form, **values).submit()
    return forge(web, f"{url}/transition", {"action": action, **values}, form_url=url)


def offered(web: Browser, agreement_id: int) -> list[str]:
    """The workflow moves the agreement's page offers this user."""
    page = web.get(f"/agreements/{agreement_id}")
    return [f["action"].value for f in forms(page) if f.action.endswith("/transition")]


def moved(app, web, agreement_id: int, action: str, to: str, **fields) -> None:
    assert action in offered(web, agreement_id)
    response = move(web, agreement_id, action, **fields)
    assert response.status_int == 302
    assert [c for c, _m in flashed(response)] == ["success"]
    assert state(app, agreement_id)["status"] == to


def refused(app, web, agreement_id: int, action: str, message: str, **fields) -> None:
    """The move is refused with `message` flashed, and nothing at all changes."""
    before, head = state(app, agreement_id), audit_head(app)
    response = move(web, agreement_id, action, **fields)
    assert response.status_int == 302
    assert response.headers["Location"].endswith(f"/agreements/{agreement_id}")
    assert flashed(response) == [("danger", message)]
    assert state(app, agreement_id) == before
    assert audit_head(app) == head


def new_draft(
    app,
    client,
    title: str,
    *,
    kind: str = "pks",
    parent: int | None = None,
    partners: tuple[str, ...] = (SESETAN,),
    **fields,
) -> int:
    """Fill in the "new agreement" form (opened from the parent's page for an addendum or a
    renewal); returns the id of the draft it created."""
    page = client.get(
        f"/agreements/new?kind={kind}&parent={parent}" if parent else "/agreements/new"
    )
    data = {
        "kind": kind,
        "office_id": id_of(app, Office, DENPASAR),
        "partner_ids": [id_of(app, Partner, name) for name in partners],
        "title": title,
        "subject": "Perlindungan pekerja bukan penerima upah",
        "programs": ["JKK", "JKM"],
        "funding": "apbd",
        "place": "Denpasar",
        "term_months": "12",
        "effective_on": "",
        "ends_on": "",
        "signed_on": "",
    }
    data.update(fields)
    response = submit(page, button="Buat draf", **data)
    assert response.status_int == 302, alerts(response.text)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def sign_up(
    app,
    client,
    agreement_id: int,
    signers: dict[int, str],
    numbers: dict[int, str] | None = None,
    *,
    page: str | None = None,
):
    """Choose the signatory (and the partner's number) per party position on the parties
    form, leaving the rest as rendered (the partners, the office's issued number); `page` is
    a parties page the user opened earlier. A number typed for the office goes into the hidden
    field that carries it: no person can, so that is a tampered form."""
    page = page or client.get(f"/agreements/{agreement_id}/parties")
    data = {f"signatory_{pos}": id_of(app, Official, name) for pos, name in signers.items()}
    data.update({f"number_{pos}": number for pos, number in (numbers or {}).items()})
    return submit(page, button="Simpan", **data)


def signed_up(
    app,
    client,
    agreement_id: int,
    signers: dict[int, str],
    numbers: dict[int, str] | None = None,
    **kwargs,
) -> None:
    response = sign_up(app, client, agreement_id, signers, numbers, **kwargs)
    assert response.status_int == 302, alerts(response.text)


def _partner_ids(app, agreement_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AgreementParty.partner_id)
                .where(
                    AgreementParty.agreement_id == agreement_id,
                    AgreementParty.partner_id.is_not(None),
                )
                .order_by(AgreementParty.position)
            )
        )


def articles_form(client, agreement_id: int) -> dict:
    """The articles page as the browser received it: its base version, and the page."""
    page = client.get(f"/agreements/{agreement_id}/articles")
    base = find_form(page, button=SAVE_ARTICLES)["base_version"].value
    assert base, "no base_version on the articles form"
    return {"base_version": base, "page": page}


SAVE_ARTICLES = "Simpan sebagai versi baru"


def save_articles(
    client,
    agreement_id: int,
    base: str,
    rows: list[dict],
    *,
    remove: tuple[int, ...] = (),
    note: str = "",
    page=None,
):
    """Type `rows` (heading, body, optionally the order number) into the rows of the articles
    form, top to bottom, clearing the rows left over; tick `remove`; press save. `page` is an
    articles page opened earlier. A `base` other than the one the page carries is a tampered
    hidden field."""
    page = page or client.get(f"/agreements/{agreement_id}/articles")
    form = find_form(page, button=SAVE_ARTICLES)
    size = len(form.fields["heading"])
    assert len(rows) <= size, f"the form has {size} rows, not {len(rows)}"
    for i in range(size):
        row = rows[i] if i < len(rows) else {"heading": "", "body": ""}
        form.set("heading", row["heading"], index=i)
        form.set("body", row["body"], index=i)
        form.set("position", str(row.get("position", i + 1)), index=i)
    for box in form.fields.get("remove", []):
        box.checked = int(box._value) in remove
    form["note"] = note
    form["base_version"] = base
    return form.submit()


def details(app, agreement_id: int, **changes) -> dict:
    """The details form's fields as they stand, with `changes` applied."""
    row = state(app, agreement_id)
    data = {
        "title": row["title"],
        "subject": row["subject"],
        "programs": row["programs"],
        "funding": row["funding"],
        "place": row["place"],
        "term_months": str(row["term_months"] or ""),
        **{
            k: row[k].isoformat() if row[k] else ""
            for k in ("signed_on", "effective_on", "ends_on")
        },
        "lock_version": str(row["lock_version"]),
    }
    data.update(changes)
    return data


@pytest.fixture
def staff(app):
    return signed_in(app, "staff")


@pytest.fixture
def manager(app):
    return signed_in(app, MANAGER)


# ---- 1. the workflow ----------------------------------------------------------------------


def test_workflow_from_draft_to_termination_with_every_refusal(app, staff, manager):
    today = OFFICE_DAY
    aid = new_draft(app, staff, "PKS Uji Alur Kelurahan Sesetan")
    start = audit_head(app)
    assert state(app, aid)["status"] == "draft"

    # Impossible moves from a draft: refused with the reason, nothing changes.
    refused(app, manager, aid, "approve", refusal_of_state(app, "approve", "draft"))
    refused(
        app, staff, aid, "activate", refusal_of_state(app, "activate", "draft"), signed_on=today
    )
    refused(
        app, manager, aid, "terminate", refusal_of_state(app, "terminate", "draft"), reason="Uji"
    )
    refused(
        app, staff, aid, "request_signature", refusal_of_state(app, "request_signature", "draft")
    )
    refused(app, staff, aid, "publish", ui(app, "Unknown action."))

    moved(app, staff, aid, "submit", "in_review")
    # Approval and the return to drafting are the manager's.
    refused(app, staff, aid, "approve", managers_only(app, "approve"))
    refused(app, staff, aid, "return", managers_only(app, "return"))
    refused(app, staff, aid, "submit", refusal_of_state(app, "submit", "in_review"))
    moved(app, manager, aid, "return", "draft", reason="Lengkapi pasal pendanaan")
    assert state(app, aid)["status_reason"] == "Lengkapi pasal pendanaan"
    moved(app, staff, aid, "submit", "in_review")
    assert state(app, aid)["status_reason"] is None
    moved(app, manager, aid, "approve", "approved")
    row = state(app, aid)
    assert row["approved_by_id"] == user_id(app, MANAGER)
    assert row["approved_at"] is not None

    # The text is printed and sealed when it is sent: without its signatories it cannot be,
    # and the refusal says what is missing (no number is taken from the register).
    with app.test_request_context():
        agreement = db.session.get(Agreement, aid)
        workflow._issue_office_number(agreement, today)  # as the move does, before it prints
        cannot_print = gettext(
            "The agreement cannot be printed for signature: %(missing)s.",
            missing="; ".join(str(m) for m in printing.missing(agreement, signed=True, on=today)),
        )
        db.session.rollback()
    refused(app, staff, aid, "request_signature", cannot_print)

    # Sending for signature takes the office's next number from the register.
    office = id_of(app, Office, DENPASAR)
    with app.app_context():
        last = db.session.scalar(
            select(func.coalesce(func.max(IssuedNumber.seq), 0)).where(
                IssuedNumber.office_id == office,
                IssuedNumber.doc_type == "agreement",
                IssuedNumber.year == today.year,
            )
        )
    opened_before = staff.get(f"/agreements/{aid}/parties")
    signed_up(app, staff, aid, {1: IRFAN, 2: KARYAWATI}, {2: "470/301/SST/2026"})
    moved(app, staff, aid, "request_signature", "awaiting_signature")
    parties = state(app, aid)["parties"]
    with app.app_context():
        issued = db.session.scalars(
            select(IssuedNumber).where(
                IssuedNumber.subject_type == "Agreement", IssuedNumber.subject_id == aid
            )
        ).all()
        assert [(n.office_id, n.year, n.seq) for n in issued] == [(office, today.year, last + 1)]
        assert parties[0][:2] == (1, issued[0].text)
    assert re.fullmatch(r"\d{3}/PKS/DPS/[IVX]+/\d{4}", parties[0][1])
    assert parties[1][:2] == (2, "470/301/SST/2026")  # the partner's own, typed before sending

    # Recording the signing needs every party's signature: the office's seal is there, the
    # Lurah's is not yet, so the page does not offer it (and refuses it when forged).
    assert "activate" not in offered(staff, aid)
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(
            app,
            "%(party)s has not signed yet: upload its signed PDF or the scan of its signature "
            "under Signing.",
            party=SESETAN,
        ),
        signed_on=today,
    )
    sign_on_paper(staff, aid, today)
    assert "activate" in offered(staff, aid)

    # Recording the signing: a date, not in the future, every party signed by someone in office.
    refused(app, staff, aid, "activate", ui(app, "Enter the date the agreement was signed."))
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(app, "The signing date cannot be in the future."),
        signed_on=today + timedelta(days=1),
    )
    # The parties page opened before the number was issued saves without touching it (and
    # this one, opened before the signatories were chosen, leaves the partner's empty)...
    signed_up(app, staff, aid, {1: IRFAN}, {2: "470/301/SST/2026"}, page=opened_before)
    assert state(app, aid)["parties"][0][:2] == parties[0][:2]
    # ... but the register's number cannot be typed over.
    response = sign_up(app, staff, aid, {1: IRFAN}, {1: "999/PKS/DPS/I/2026"})
    assert response.status_int == 200
    typed_over = "The office's number is issued by the register and cannot be typed over."
    assert alerts(response.text) == [_html(ui(app, typed_over))]
    assert "999/PKS/DPS/I/2026" not in str(state(app, aid)["parties"])
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(app, "Choose who signed for %(party)s.", party=SESETAN),
        signed_on=today,
    )
    signed_up(app, staff, aid, {1: IRFAN, 2: KARYAWATI}, {2: "470/301/SST/2026"})
    before_irfan = date(2018, 6, 1)
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(
            app,
            "%(name)s was not in office on %(day)s.",
            name=IRFAN,
            day=long_date_id(before_irfan),
        ),
        signed_on=before_irfan,
    )
    moved(app, staff, aid, "activate", "active", signed_on=today)
    row = state(app, aid)
    assert (row["signed_on"], row["effective_on"]) == (today, today)
    assert row["ends_on"] == drafting.end_of_term(today, 12)

    # Signed: only a manager ends it, and only with a reason.
    refused(app, staff, aid, "terminate", managers_only(app, "terminate"), reason="Uji")
    refused(app, manager, aid, "terminate", ui(app, "Give the reason for termination."))
    refused(
        app, manager, aid, "terminate", ui(app, "Give the reason for termination."), reason="   "
    )
    refused(app, manager, aid, "submit", refusal_of_state(app, "submit", "active"))
    moved(app, manager, aid, "terminate", "terminated", reason="Kelurahan dimekarkan")
    assert state(app, aid)["status_reason"] == "Kelurahan dimekarkan"
    refused(
        app,
        manager,
        aid,
        "terminate",
        refusal_of_state(app, "terminate", "terminated"),
        reason="Lagi",
    )

    # Every move is in the trail, by whoever made it, scoped to the owning office.
    staff_email, manager_email = EMAILS["staff"], MANAGER
    assert status_changes(app, aid, start) == [
        ("draft", "in_review", staff_email),
        ("in_review", "draft", manager_email),
        ("draft", "in_review", staff_email),
        ("in_review", "approved", manager_email),
        ("approved", "awaiting_signature", staff_email),
        ("awaiting_signature", "active", staff_email),
        ("active", "terminated", manager_email),
    ]
    assert {e["office_id"] for e in trail(app, "Agreement", aid, start)} == {office}
    numbered = [
        e
        for e in trail(app, "AgreementParty", _party_id(app, aid, 1), start)
        if e["after"].get("number") != e["before"].get("number")
    ]
    assert [(e["after"]["number"], e["actor"]) for e in numbered] == [(parties[0][1], staff_email)]
    assert [e["action"] for e in trail(app, "IssuedNumber", issued[0].id)] == ["insert"]


def _party_id(app, agreement_id: int, position: int) -> int:
    return scalar(
        app,
        select(AgreementParty.id).where(
            AgreementParty.agreement_id == agreement_id, AgreementParty.position == position
        ),
    )


def test_visible_buttons_follow_the_workflow(app, staff, manager):
    aid = id_of(app, Agreement, IN_REVIEW)
    assert offered(staff, aid) == []
    assert offered(manager, aid) == ["return", "approve"]


def test_an_active_renewal_supersedes_what_it_renews(app, staff, manager):
    parent = id_of(app, Agreement, ACTIVE)
    assert state(app, parent)["status"] == "active"
    # No partner chosen: the renewal takes the parties of what it renews.
    aid = new_draft(
        app,
        staff,
        "Perpanjangan Kedua PKS Kelurahan Sesetan",
        kind="renewal",
        parent=parent,
        partners=(),
    )
    assert [p for p, _n, _s in state(app, aid)["parties"]] == [1, 2]
    assert _partner_ids(app, aid) == [id_of(app, Partner, SESETAN)]
    signed_up(app, staff, aid, {1: IRFAN, 2: KARYAWATI}, {2: "470/5/SST/2026"})
    start = audit_head(app)
    moved(app, staff, aid, "submit", "in_review")
    moved(app, manager, aid, "approve", "approved")
    moved(app, staff, aid, "request_signature", "awaiting_signature")
    assert state(app, parent)["status"] == "active"  # not until the renewal is signed
    sign_on_paper(staff, aid, OFFICE_DAY)
    moved(app, staff, aid, "activate", "active", signed_on=OFFICE_DAY)

    row = state(app, parent)
    assert row["status"] == "superseded"
    assert row["status_reason"] == f"renewal #{aid}"
    assert status_changes(app, parent, start) == [("active", "superseded", EMAILS["staff"])]


def test_a_renewal_leaves_a_terminated_parent_terminated(app, staff, manager):
    parent = id_of(app, Agreement, ACTIVE)
    aid = new_draft(
        app,
        staff,
        "Perpanjangan PKS Sesetan setelah pengakhiran",
        kind="renewal",
        parent=parent,
        partners=(),
    )
    signed_up(app, staff, aid, {1: IRFAN, 2: KARYAWATI}, {2: "470/6/SST/2026"})
    moved(app, staff, aid, "submit", "in_review")
    moved(app, manager, aid, "approve", "approved")
    moved(app, staff, aid, "request_signature", "awaiting_signature")
    moved(app, manager, parent, "terminate", "terminated", reason="Diakhiri lebih awal")
    sign_on_paper(staff, aid, OFFICE_DAY)
    moved(app, staff, aid, "activate", "active", signed_on=OFFICE_DAY)
    row = state(app, parent)
    assert (row["status"], row["status_reason"]) == ("terminated", "Diakhiri lebih awal")


def test_an_agreement_already_ended_when_its_signing_is_recorded_is_expired(app, staff, manager):
    # Recorded late: in force through 2020, signed in December 2019.
    aid = new_draft(
        app,
        staff,
        "PKS Sesetan 2020 (dicatat belakangan)",
        effective_on="2020-01-01",
        term_months="12",
    )
    assert state(app, aid)["ends_on"] == date(2020, 12, 31)
    signed_up(app, staff, aid, {1: IRFAN, 2: KARYAWATI}, {2: "470/12/SST/2019"})
    moved(app, staff, aid, "submit", "in_review")
    moved(app, manager, aid, "approve", "approved")
    # The text went out for signature on 19 December 2019: sent from the page it would be
    # sealed today, and no partner signs a text before it is sealed. The service is given that
    # day, as the demo does for the agreements of its stories.
    with app.test_request_context(), acting_as(EMAILS["staff"]):
        agreement = db.session.get(Agreement, aid)
        sender = db.session.scalar(select(User).where(User.email == EMAILS["staff"]))
        workflow.transition(agreement, "request_signature", sender, today=date(2019, 12, 19))
        db.session.commit()
    sign_on_paper(staff, aid, date(2019, 12, 20))
    start = audit_head(app)
    response = move(staff, aid, "activate", signed_on=date(2019, 12, 20))
    assert response.status_int == 302
    assert [c for c, _m in flashed(response)] == ["success"]
    row = state(app, aid)
    assert (row["status"], row["signed_on"]) == ("expired", date(2019, 12, 20))
    assert status_changes(app, aid, start) == [("awaiting_signature", "expired", EMAILS["staff"])]


def test_the_signing_cannot_be_recorded_after_the_agreement_ended(app, staff, manager):
    aid = new_draft(
        app,
        staff,
        "PKS Sesetan 2020 (tanggal tanda tangan keliru)",
        effective_on="2020-01-01",
        term_months="12",
    )
    signed_up(app, staff, aid, {1: IRFAN, 2: KARYAWATI}, {2: "470/13/SST/2021"})
    moved(app, staff, aid, "submit", "in_review")
    moved(app, manager, aid, "approve", "approved")
    moved(app, staff, aid, "request_signature", "awaiting_signature")
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(app, "The agreement cannot end before it is signed."),
        signed_on=date(2021, 3, 1),
    )


# ---- 2. review comments -------------------------------------------------------------------


def test_review_comments_from_partners_block_approval_until_resolved(app, manager):
    aid = id_of(app, Agreement, IN_REVIEW)
    partner = signed_in(app, "partner")
    [demo_comment] = comments_of(app, aid)
    assert demo_comment.author_id == user_id(app, "partner")
    assert demo_comment.resolved_at is None
    start = audit_head(app)

    # The partner comments on article 3 of the version in review.
    page = partner.get(f"/agreements/{aid}")
    response = submit(
        page,
        button="Tambah komentar",
        article_index="2",
        body="Mohon rincian data yang dipertukarkan.",
    )
    assert response.status_int == 302
    assert [c for c, _m in flashed(response)] == ["success"]
    added = comments_of(app, aid)[-1]
    assert (added.author_id, added.article_index, added.version_number, added.body) == (
        user_id(app, "partner"),
        2,
        version_numbers(app, aid)[-1],
        "Mohon rincian data yang dipertukarkan.",
    )

    # An article the version does not have (a tampered choice), or a blank comment, is refused.
    for index, body in (("99", "Pasal mana?"), ("-1", "Pasal mana?"), ("0", "   ")):
        form = find_form(partner.get(f"/agreements/{aid}"), button="Tambah komentar")
        form["article_index"].force_value(index)
        form["body"] = body
        response = form.submit()
        assert response.status_int == 302
        assert [c for c, _m in flashed(response)] == ["danger"]
    assert len(comments_of(app, aid)) == 2

    # The partner may not resolve comments (no button; forged: refused), and the manager may
    # not approve while any is open.
    assert "Tandai selesai" not in partner.get(f"/agreements/{aid}").text
    response = forge(
        partner, f"/agreements/{aid}/comments/{added.id}/resolve", form_url=f"/agreements/{aid}"
    )
    assert response.status_int == 403
    refused(
        app,
        manager,
        aid,
        "approve",
        ui(app, "%(n)d review comments are still open; resolve them before approval.", n=2),
    )

    for comment in comments_of(app, aid):
        page = manager.get(f"/agreements/{aid}")
        response = submit(
            page, action=f"/agreements/{aid}/comments/{comment.id}/resolve", button="Tandai selesai"
        )
        assert response.status_int == 302
    assert all(
        c.resolved_by_id == user_id(app, MANAGER) and c.resolved_at for c in comments_of(app, aid)
    )
    moved(app, manager, aid, "approve", "approved")

    inserted = trail(app, "Comment", added.id, start)
    assert [(e["action"], e["actor"]) for e in inserted] == [
        ("insert", EMAILS["partner"]),
        ("update", MANAGER),
    ]
    assert inserted[0]["after"]["body"] == "Mohon rincian data yang dipertukarkan."
    assert inserted[1]["after"]["resolved_by_id"] == user_id(app, MANAGER)
    assert [(e["action"], e["actor"]) for e in trail(app, "Comment", demo_comment.id, start)] == [
        ("update", MANAGER)
    ]


def test_only_parties_comment_and_only_while_in_review(app, staff):
    in_review = id_of(app, Agreement, IN_REVIEW)
    with app.app_context():
        accounts.create_user(
            email="mitra.sesetan@kemitraan.test",
            name="Staf Kelurahan Sesetan",
            role=Role.PARTNER,
            password=PASSWORD,
            partner_id=id_of(app, Partner, SESETAN),
        )
        db.session.commit()
    outsider = signed_in(app, "mitra.sesetan@kemitraan.test")
    count = len(comments_of(app, in_review))

    # A partner that is not a party does not even learn the agreement exists.
    assert outsider.get(f"/agreements/{in_review}").status_int == 404
    response = forge(
        outsider,
        f"/agreements/{in_review}/comments",
        {"article_index": "0", "body": "Kami ikut berkomentar."},
    )
    assert response.status_int == 404
    # ... while the agreements it is a party to are open to it.
    assert outsider.get(f"/agreements/{id_of(app, Agreement, ACTIVE)}").status_int == 200

    # Auditors read, they do not take part in the review.
    for who in ("auditor", "auditor_office"):
        auditor = signed_in(app, who)
        assert auditor.get(f"/agreements/{in_review}").status_int == 200
        assert "Tambah komentar" not in auditor.get(f"/agreements/{in_review}").text
        response = forge(
            auditor,
            f"/agreements/{in_review}/comments",
            {"article_index": "0", "body": "Catatan auditor."},
        )
        assert response.status_int == 403
    assert len(comments_of(app, in_review)) == count

    # Not in review: a draft (staff) or a signed agreement (its partner) offers no comment
    # form, and a forged comment is refused.
    message = ui(app, "Comments are taken while a draft is in review.")
    draft = id_of(app, Agreement, DRAFT)
    assert "Tambah komentar" not in staff.get(f"/agreements/{draft}").text
    response = forge(
        staff,
        f"/agreements/{draft}/comments",
        {"article_index": "0", "body": "Komentar pada draf."},
        form_url=f"/agreements/{draft}",
    )
    assert response.status_int == 302
    assert flashed(response) == [("danger", message)]
    partner = signed_in(app, "partner")
    mou = id_of(app, Agreement, MOU)
    assert "Tambah komentar" not in partner.get(f"/agreements/{mou}").text
    response = forge(
        partner,
        f"/agreements/{mou}/comments",
        {"article_index": "0", "body": "Komentar pada naskah lama."},
        form_url=f"/agreements/{mou}",
    )
    assert response.status_int == 302
    assert flashed(response) == [("danger", message)]
    assert comments_of(app, draft) == comments_of(app, mou) == []


# ---- 3. versions and the redline ----------------------------------------------------------


def test_article_edits_make_immutable_versions_and_a_word_level_redline(app, staff):
    aid = id_of(app, Agreement, DRAFT)
    v1 = version_articles(app, aid, 1)
    assert version_numbers(app, aid) == [1]
    first_body = v1[0]["body"]
    assert " dimaksudkan " in first_body
    start = audit_head(app)

    # Version 2: one word of article 1 changes.
    form = articles_form(staff, aid)
    assert form["base_version"] == "1"
    rows = [dict(a) for a in v1]
    rows[0]["body"] = first_body.replace(" dimaksudkan ", " disusun ")
    response = save_articles(staff, aid, form["base_version"], rows, note="Perbaikan kata")
    assert response.status_int == 302
    assert version_numbers(app, aid) == [1, 2]
    assert version_articles(app, aid, 1) == v1  # the old version is untouched

    html = staff.get(f"/agreements/{aid}/compare?a=1&b=2").text
    redline = re.search(r'<div class="border rounded p-3 redline">(.*?)</div>', html, re.S)
    assert redline
    assert re.findall(r"<(del|ins)>(.*?)</\1>", redline.group(1), re.S) == [
        ("del", "dimaksudkan"),
        ("ins", "disusun"),
    ]

    # Version 3: add, remove and reorder in one save (the last article moves to the top,
    # article 2 goes, a new one comes after the rest).
    form = articles_form(staff, aid)
    assert form["base_version"] == "2"
    v2 = version_articles(app, aid, 2)
    rows = [
        {"heading": a["heading"], "body": a["body"], "position": i + 1} for i, a in enumerate(v2)
    ]
    rows[-1]["position"] = "0.5"
    rows.append(
        {"heading": HOSTILE, "body": "{{ 7*7 }} {% raw %}x <b>tebal</b>", "position": len(rows) + 1}
    )
    rows.append({"heading": "", "body": "", "position": len(rows) + 1})  # a row left empty
    response = save_articles(staff, aid, "2", rows, remove=(1,), note="Susunan baru")
    assert response.status_int == 302
    v3 = version_articles(app, aid, 3)
    assert v3 == [
        v2[-1],
        v2[0],
        *v2[2:-1],
        {"heading": HOSTILE, "body": "{{ 7*7 }} {% raw %}x <b>tebal</b>"},
    ]
    assert version_articles(app, aid, 2) == v2

    # The user's text is shown as text: escaped, never run as a template.
    escaped = (
        "&lt;script&gt;alert(1)&lt;/script&gt; {{ config }}",
        "{{ 7*7 }} {% raw %}x &lt;b&gt;tebal&lt;/b&gt;",
    )
    for url in (f"/agreements/{aid}", f"/agreements/{aid}/compare?a=2&b=3"):
        html = staff.get(url).text
        assert "<script>alert(1)" not in html and "<b>tebal" not in html
        assert "test-only-key" not in html and "SQLALCHEMY" not in html
        if url.endswith("b=3"):  # the new article is one insertion at the end
            pattern = r"<ins>[^<]*{}\s+{}</ins></div>".format(*map(re.escape, escaped))
            assert re.search(pattern, html)
        else:
            assert f"&mdash; {escaped[0]}</h3>" in html.replace("—", "&mdash;")
            assert f'<div class="article-body">{escaped[1]}</div>' in html

    versions = staff.get(f"/agreements/{aid}/versions").text
    assert "Perbaikan kata" in versions and "Susunan baru" in versions
    assert staff.get(f"/agreements/{aid}/compare?a=1&b=9").status_int == 404

    # saving text adds versions; the agreement row itself (and its lock) is untouched
    assert trail(app, "Agreement", aid, start) == []
    with app.app_context():
        ids = dict(
            db.session.execute(
                select(AgreementVersion.number, AgreementVersion.id).where(
                    AgreementVersion.agreement_id == aid
                )
            ).all()
        )
    for number in (2, 3):
        [entry] = trail(app, "AgreementVersion", ids[number], start)
        assert (entry["action"], entry["actor"]) == ("insert", EMAILS["staff"])
        assert entry["after"]["number"] == number
        assert entry["after"]["author_id"] == user_id(app, "staff")


def test_subject_with_template_syntax_is_filled_into_clauses_literally(app, staff):
    subject = "Uji <b>tebal</b> {{ config.SECRET_KEY }}"
    aid = new_draft(app, staff, "PKS Uji Teks Pengguna", subject=subject)
    assert subject in version_articles(app, aid, 1)[0]["body"]
    html = staff.get(f"/agreements/{aid}").text
    assert "Uji &lt;b&gt;tebal&lt;/b&gt; {{ config.SECRET_KEY }}" in html
    assert "test-only-key" not in html


def test_articles_need_heading_and_text(app, staff):
    aid = id_of(app, Agreement, DRAFT)
    for rows in ([{"heading": "Pasal tanpa isi", "body": ""}], [{"heading": "", "body": ""}]):
        response = save_articles(staff, aid, "1", rows)
        assert response.status_int == 200
        assert alerts(response.text)
    assert version_numbers(app, aid) == [1]


def test_a_refused_save_shows_the_users_text_again_from_the_same_base(app, staff):
    aid = id_of(app, Agreement, DRAFT)
    v1 = version_articles(app, aid, 1)
    rows = [{"heading": "Pasal Baru di Atas", "body": "Teks baru.", "position": "0"}, *v1]
    response = save_articles(staff, aid, "1", rows, remove=(2,), note="x" * 301)
    assert response.status_int == 200
    assert version_numbers(app, aid) == [1]
    html = response.text
    assert 'name="base_version" type="hidden" value="1"' in html
    assert re.findall(r'id="note"[^>]*>\s*<div class="invalid-feedback d-block">', html)
    headings = re.findall(r'name="heading" value="([^"]*)"', html)
    assert headings == [
        "Pasal Baru di Atas",
        v1[0]["heading"],
        *(a["heading"] for a in v1[2:]),
        "",
        "",
    ]


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        (ACTIVE, "The agreement has been signed; its text changes through an addendum."),
        (IN_REVIEW, "The text is in review; return it to drafting to change it."),
    ],
)
def test_text_outside_drafting_is_frozen(app, staff, title, reason):
    aid = id_of(app, Agreement, title)
    before, head = state(app, aid), audit_head(app)
    numbers = version_numbers(app, aid)
    show = f"/agreements/{aid}"
    # The editors do not open: the user is sent back to the agreement with the reason.
    for path in ("articles", "edit"):
        response = staff.get(f"{show}/{path}")
        assert response.status_int == 302
        assert response.headers["Location"].endswith(show)
        assert alerts(staff.get(show).text, "warning") == [_html(ui(app, reason))]
    # A save no page offers any more (forged) is refused the same way, before it is read.
    response = forge(
        staff,
        f"{show}/articles",
        {"base_version": str(numbers[-1]), "heading": ["Pasal baru"], "body": ["Teks baru."]},
        form_url=show,
    )
    assert response.status_int == 302
    response = forge(
        staff,
        f"{show}/edit",
        details(app, aid, title="Judul diubah setelah ditandatangani"),
        form_url=show,
    )
    assert response.status_int == 302
    assert version_numbers(app, aid) == numbers
    assert state(app, aid) == before
    assert audit_head(app) == head
    page = staff.get(show).text
    assert f"{show}/articles" not in page and f"{show}/edit" not in page


# ---- 4. conflicting edits -----------------------------------------------------------------


def test_articles_saved_from_the_same_version_first_wins(app, staff, manager):
    aid = id_of(app, Agreement, DRAFT)
    mine, theirs = articles_form(staff, aid), articles_form(manager, aid)
    assert mine["base_version"] == theirs["base_version"] == "1"
    v1 = version_articles(app, aid, 1)

    response = save_articles(
        staff,
        aid,
        mine["base_version"],
        [*v1, {"heading": "Pasal Staf", "body": "Tambahan staf."}],
        page=mine["page"],
    )
    assert response.status_int == 302
    head = audit_head(app)
    response = save_articles(  # the manager's page, opened before the staff saved
        manager,
        aid,
        theirs["base_version"],
        [*v1, {"heading": "Pasal Manajer", "body": "Tambahan manajer."}],
        page=theirs["page"],
    )
    assert response.status_int == 200
    with app.test_request_context():
        conflict = gettext(
            "Version %(n)d was saved by %(who)s while you were editing version %(base)d. "
            "Nothing was overwritten: reload, then apply your changes again.",
            n=2,
            who="Ni Made Ayu Lestari",
            base=1,
        )
    assert alerts(response.text) == [_html(conflict)]
    assert version_numbers(app, aid) == [1, 2]
    assert version_articles(app, aid, 2)[-1]["heading"] == "Pasal Staf"
    assert audit_head(app) == head

    # A base version that is not a number (a tampered hidden field) is a conflict too.
    response = save_articles(manager, aid, "dua", v1)
    assert response.status_int == 200
    assert alerts(response.text)
    assert version_numbers(app, aid) == [1, 2]


def test_details_saved_from_a_stale_form_are_refused(app, staff, manager):
    aid = id_of(app, Agreement, DRAFT)
    stale = manager.get(f"/agreements/{aid}/edit")  # the manager opens the form first
    lock = find_form(stale, button="Simpan")["lock_version"].value
    assert lock == str(state(app, aid)["lock_version"])

    response = submit(
        staff.get(f"/agreements/{aid}/edit"), button="Simpan", title="Judul dari staf"
    )
    assert response.status_int == 302
    assert state(app, aid)["title"] == "Judul dari staf"
    assert state(app, aid)["lock_version"] > int(lock)
    # The new title is what the agreement is found by.
    assert state(app, aid)["search_text"].splitlines()[0] == "Judul dari staf"
    found = staff.get("/agreements?q=judul+dari+staf").text
    assert f'href="/agreements/{aid}"' in found
    before, head = state(app, aid), audit_head(app)
    conflict = ui(
        app,
        "Someone else changed this agreement while you were editing. Reload the "
        "page to see their changes; nothing was saved.",
    )

    response = submit(stale, button="Simpan", title="Judul dari manajer")
    assert response.status_int == 200
    assert alerts(response.text) == [_html(conflict)]
    # A form without its lock, or with a garbled one (tampered), cannot overwrite either.
    for lock_version in (None, "", "x"):
        data = details(app, aid, title="Judul tanpa kunci")
        if lock_version is None:
            del data["lock_version"]
        else:
            data["lock_version"] = lock_version
        response = forge(
            manager, f"/agreements/{aid}/edit", data, form_url=f"/agreements/{aid}/edit"
        )
        assert response.status_int == 200
        assert alerts(response.text) == [_html(conflict)]
    assert state(app, aid) == before
    assert audit_head(app) == head

    [entry] = [e for e in trail(app, "Agreement", aid) if e["after"]["title"] == "Judul dari staf"]
    assert (entry["action"], entry["actor"]) == ("update", EMAILS["staff"])
    assert entry["before"]["title"] == DRAFT


def test_a_change_committed_between_read_and_write_is_a_conflict_not_a_crash(app):
    """What PostgreSQL lets happen under READ COMMITTED: another transaction commits after this
    one read the agreement. The row's lock_version no longer matches, and the save is refused."""
    aid = id_of(app, Agreement, DRAFT)
    with app.app_context():
        agreement = db.session.get(Agreement, aid)
        seen = agreement.lock_version
        data = {
            "title": "Judul saya",
            "subject": agreement.subject,
            "programs": agreement.programs,
            "funding": agreement.funding,
            "place": agreement.place,
            "term_months": agreement.term_months,
        }
        db.session.execute(
            update(Agreement.__table__)
            .where(Agreement.__table__.c.id == aid)
            .values(lock_version=seen + 1, title="Judul orang lain")
        )
        with pytest.raises(ConflictError):
            drafting.update_details(agreement, data, seen)
        db.session.rollback()
        staff = db.session.scalar(select(User).where(User.email == EMAILS["staff"]))
        agreement = db.session.get(Agreement, aid)
        db.session.execute(
            update(Agreement.__table__)
            .where(Agreement.__table__.c.id == aid)
            .values(lock_version=seen + 1)
        )
        with pytest.raises(ConflictError):
            workflow.transition(agreement, "submit", staff)
        db.session.rollback()
    assert state(app, aid)["status"] == "draft"
    assert state(app, aid)["title"] == DRAFT


def test_simultaneous_saves_from_the_same_version_make_exactly_one(app, monkeypatch):
    """Two writers save from version N at the same moment. On PostgreSQL both pass the
    version check and the unique (agreement, number) constraint picks the winner; on SQLite
    BEGIN IMMEDIATE queues the second writer, which then finds version N+1 already there."""
    aid = id_of(app, Agreement, DRAFT)
    base = version_numbers(app, aid)[-1]
    start = threading.Barrier(2)
    if ON_POSTGRES:
        # Hold both writers after the version check, so that both really try to insert N+1.
        checked = threading.Barrier(2)
        original = drafting.add_version

        def add_version_together(*args, **kwargs):
            checked.wait(timeout=30)
            return original(*args, **kwargs)

        monkeypatch.setattr(drafting, "add_version", add_version_together)
    authors = {who: user_id(app, who) for who in (EMAILS["staff"], MANAGER)}
    outcomes: list[tuple[str, str]] = []
    causes: list[BaseException | None] = []
    errors: list[BaseException] = []

    def write(who: str) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                user = db.session.scalar(select(User).where(User.email == who))
                agreement = db.session.get(Agreement, aid)
                try:
                    drafting.save_articles(
                        agreement,
                        [{"heading": f"Pasal {who}", "body": f"Teks dari {who}."}],
                        base,
                        user,
                        note=who,
                    )
                    db.session.commit()
                    outcomes.append(("saved", who))
                except ConflictError as conflict:
                    db.session.rollback()
                    outcomes.append(("conflict", who))
                    causes.append(conflict.__cause__)
        except BaseException as error:  # collected: a failing writer fails the test
            errors.append(error)
            start.abort()
            if ON_POSTGRES:
                checked.abort()

    threads = [threading.Thread(target=write, args=(who,)) for who in (EMAILS["staff"], MANAGER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sorted(kind for kind, _who in outcomes) == ["conflict", "saved"]
    [winner] = [who for kind, who in outcomes if kind == "saved"]
    # PostgreSQL: both passed the check, the constraint refused the second insert.
    # SQLite: the second writer waited for the first, then the version check refused it.
    assert [type(cause) for cause in causes] == [IntegrityError if ON_POSTGRES else type(None)]

    assert version_numbers(app, aid) == [*range(1, base + 1), base + 1]
    assert version_articles(app, aid, base + 1) == [
        {"heading": f"Pasal {winner}", "body": f"Teks dari {winner}."}
    ]
    with app.app_context():
        version = db.session.scalar(
            select(AgreementVersion).where(
                AgreementVersion.agreement_id == aid, AgreementVersion.number == base + 1
            )
        )
        assert version.author_id == authors[winner]
        version_id = version.id
    assert [e["action"] for e in trail(app, "AgreementVersion", version_id)] == ["insert"]


# ---- 5. who sees what ---------------------------------------------------------------------


def test_staff_of_another_office_cannot_reach_denpasar_agreements(app):
    other = signed_in(app, "staff_other")
    for title in (DRAFT, IN_REVIEW, ACTIVE):
        aid = id_of(app, Agreement, title)
        before = state(app, aid)
        for url in ("", "/versions", "/compare?a=1&b=1", "/articles", "/edit", "/parties"):
            assert other.get(f"/agreements/{aid}{url}").status_int == 404, url
        response = forge(other, f"/agreements/{aid}/transition", {"action": "submit"})
        assert response.status_int == 404
        response = forge(
            other, f"/agreements/{aid}/comments", {"article_index": "0", "body": "Dari Gianyar."}
        )
        assert response.status_int == 404
        assert state(app, aid) == before
    # Their own office's agreements are theirs.
    assert other.get(f"/agreements/{id_of(app, Agreement, GIANYAR_PKS)}").status_int == 200


def test_partner_users_see_only_their_agreements_and_never_drafts(app, staff):
    partner = signed_in(app, "partner")
    # A draft with the partner as a party is still on the drafting table.
    draft = new_draft(
        app, staff, "KB Uji Draf Pemerintah Kota Denpasar", kind="mou", partners=(PEMKOT,)
    )
    for title in (DRAFT, ACTIVE, GIANYAR_PKS):
        aid = id_of(app, Agreement, title)
        assert partner.get(f"/agreements/{aid}").status_int == 404, title
        for url in ("/versions", "/compare?a=1&b=1"):  # not theirs: as if it did not exist
            assert partner.get(f"/agreements/{aid}{url}").status_int == 404, (title, url)
    assert partner.get(f"/agreements/{draft}").status_int == 404

    # Once it is sent for review, it is theirs to read; never to edit.
    moved(app, staff, draft, "submit", "in_review")
    assert partner.get(f"/agreements/{draft}").status_int == 200
    for aid in (draft, id_of(app, Agreement, IN_REVIEW)):
        for url in ("/articles", "/edit", "/parties"):
            assert partner.get(f"/agreements/{aid}{url}").status_int == 403, url
        before = state(app, aid)
        assert move(partner, aid, "approve").status_int == 403
        response = forge(
            partner,
            f"/agreements/{aid}/articles",
            {"base_version": "1", "heading": ["X"], "body": ["Y"]},
        )
        assert response.status_int == 403
        assert state(app, aid) == before
    assert partner.get("/agreements/new").status_int == 403

    # The export lists the agreements they may see, and only those.
    csv = partner.get("/agreements/export.csv").text
    assert IN_REVIEW in csv and "KB Uji Draf Pemerintah Kota Denpasar" in csv
    assert DRAFT not in csv and ACTIVE not in csv and GIANYAR_PKS not in csv


# ---- 6. the audit trail -------------------------------------------------------------------


def test_drafting_steps_land_in_the_audit_trail(app, staff):
    start = audit_head(app)
    aid = new_draft(app, staff, "PKS Uji Jejak Audit")
    response = submit(staff.get(f"/agreements/{aid}/edit"), button="Simpan", place="Sesetan")
    assert response.status_int == 302
    signed_up(app, staff, aid, {1: IRFAN, 2: KARYAWATI}, {2: "470/77/SST/2026"})
    save = save_articles(staff, aid, "1", [{"heading": "Satu-satunya", "body": "Pasal tunggal."}])
    assert save.status_int == 302

    entries = trail(app, "Agreement", aid, start)
    assert entries[0]["action"] == "insert"
    assert entries[0]["after"]["title"] == "PKS Uji Jejak Audit"
    assert any(
        e["before"].get("place") == "Denpasar" and e["after"]["place"] == "Sesetan" for e in entries
    )
    assert {e["actor"] for e in entries} == {EMAILS["staff"]}
    assert "search_text" not in entries[0]["after"]
    with app.app_context():
        parties = dict(
            db.session.execute(
                select(AgreementParty.position, AgreementParty.id).where(
                    AgreementParty.agreement_id == aid
                )
            ).all()
        )
        versions = list(
            db.session.scalars(
                select(AgreementVersion.id)
                .where(AgreementVersion.agreement_id == aid)
                .order_by(AgreementVersion.number)
            )
        )
    irfan, karyawati = id_of(app, Official, IRFAN), id_of(app, Official, KARYAWATI)
    for position, signatory in ((1, irfan), (2, karyawati)):
        party = trail(app, "AgreementParty", parties[position], start)
        assert party[0]["action"] == "insert"
        assert party[-1]["after"]["signatory_id"] == signatory
    assert trail(app, "AgreementParty", parties[2], start)[-1]["after"]["number"] == (
        "470/77/SST/2026"
    )
    assert [[e["action"] for e in trail(app, "AgreementVersion", v, start)] for v in versions] == [
        ["insert"],
        ["insert"],
    ]
    office = id_of(app, Office, DENPASAR)
    assert all(
        e["office_id"] == office for v in versions for e in trail(app, "AgreementVersion", v, start)
    )


def test_recording_the_signing_keeps_a_typed_end_date(app):
    """Term and end date both given, no start: the signing fills in the start, not the end."""
    from partnerships.agreements import signing
    from partnerships.agreements.drafting import create
    from partnerships.agreements.parties import set_parties
    from partnerships.agreements.workflow import transition

    with app.app_context(), acting_as("test"):
        staff = db.session.scalar(select(User).where(User.email == EMAILS["staff"]))
        manager = db.session.scalar(select(User).where(User.email == EMAILS["manager"]))
        pemkot = db.session.scalar(
            select(Partner).where(Partner.name == "Pemerintah Kota Denpasar")
        )
        agreement = create(
            {
                "kind": "pks", "parent_id": None, "office_id": staff.office_id,
                "partner_ids": [pemkot.id], "title": "PKS tanggal akhir", "subject": "uji",
                "programs": ["JKK"], "funding": "apbd", "place": "Denpasar",
                "effective_on": None, "term_months": 12, "ends_on": date(2019, 12, 31),
                # planned for the day it was signed: the text sent for signature states it
                "signed_on": date(2019, 3, 1),
            },
            staff,
        )  # fmt: skip
        signers = {1: "Mohamad Irfan", 2: "Nyoman Ngurah Jimmy Sidharta"}
        set_parties(agreement, None, {
            pos: {"signatory_id": db.session.scalar(select(Official.id).where(
                Official.name == name)), "number": "100.3.7/9/HK/2019" if pos == 2 else None}
            for pos, name in signers.items()
        })  # fmt: skip
        for action, who in (("submit", staff), ("approve", manager)):
            transition(agreement, action, who)
        # sent for signature that day: a partner signs no text before it is sealed
        transition(agreement, "request_signature", staff, today=date(2019, 3, 1))
        signing.record_wet_ink(
            agreement, 2, BytesIO(png_scan()), "ttd.png", staff,
            signer_name=signers[2], signed_on=date(2019, 3, 1),
        )  # fmt: skip
        transition(agreement, "activate", staff, signed_on=date(2019, 3, 1))
        assert agreement.effective_on == date(2019, 3, 1)
        assert agreement.ends_on == date(2019, 12, 31)
        db.session.rollback()
