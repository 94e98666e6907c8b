"""Follow-ups (issue 10, items 3 and 6): added from an event or an agreement through the pages
as rendered, refused with the field named, audited; overdue ones in "waiting for me", on the
dashboard and in a daily reminder over a real SMTP server (once per follow-up per day); a
partner's users see only their own side's and mark them done with a note and evidence; and
who may reach each new page.

The office's day is the conftest's (Monday 30 November 2026, WITA) unless a test moves the
clock itself."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select
from webtest import Upload

from partnerships.agreements.models import Agreement, AgreementParty
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth.models import User
from partnerships.core import uploads
from partnerships.core.formatting import office_today
from partnerships.dashboard import follow_ups as dashboard_card
from partnerships.dashboard.services import resolve_scope
from partnerships.events import follow_ups as services
from partnerships.events.models import Event, FollowUp, FollowUpEvidence
from partnerships.extensions import db
from partnerships.notifications import services as notifications
from partnerships.organisations.models import Office, Partner
from tests.conftest import EMAILS, OFFICE_DAY
from tests.helpers import counted_statements, forget_demo_events
from tests.test_expiry import free_port, smtp  # noqa: F401 - the real SMTP server fixture
from tests.web import (
    errors_by_field,
    field_errors,
    find_form,
    flashes,
    follow,
    matrix_misses,
    options,
    press,
    signed_in,
    submit,
    submit_tampered,
    text,
    ui_text,
)

DENPASAR, GIANYAR = "Kantor Cabang Bali Denpasar", "Kantor Cabang Bali Gianyar"
CITY, DISNAKER = "Pemerintah Kota Denpasar", "Dinas Tenaga Kerja Kabupaten Gianyar"
PROSECUTOR = "Kejaksaan Negeri Denpasar"
PDF = b"%PDF-1.4\n%%EOF\n"
STAFF_NAME = "Ni Made Ayu Lestari"  # staf.denpasar
YESTERDAY = OFFICE_DAY - timedelta(days=1)


# ---- the demo rows and a few of our own -------------------------------------------------


@pytest.fixture(autouse=True)
def _no_demo_events(app):
    """These tests start before the demo's events and follow-ups were recorded
    (tests/test_events_demo.py covers those)."""
    forget_demo_events(app)


def _id(model, column, value) -> int:
    found = db.session.scalar(select(model.id).where(column == value))
    assert found is not None, f"no {model.__name__} {value!r}"
    return found


@pytest.fixture
def ids(app) -> dict[str, int]:
    """The demo's Denpasar and Gianyar offices, partners and people, Denpasar's agreement in
    review with the city (which the city's users see), a Gianyar agreement of its Disnaker,
    and an event of each branch (the demo has none yet)."""
    with app.app_context(), acting_as("test"):
        found = {
            "denpasar": _id(Office, Office.name, DENPASAR),
            "gianyar": _id(Office, Office.name, GIANYAR),
            "city": _id(Partner, Partner.name, CITY),
            "disnaker": _id(Partner, Partner.name, DISNAKER),
            "prosecutor": _id(Partner, Partner.name, PROSECUTOR),
            **{
                key: _id(User, User.email, EMAILS[key])
                for key in ("staff", "manager", "staff_other", "partner", "partner_other")
            },
        }
        found["review"] = db.session.scalar(
            select(Agreement.id).where(
                Agreement.status == "in_review", Agreement.office_id == found["denpasar"]
            )
        )
        found["gianyar_agreement"] = db.session.scalar(
            select(AgreementParty.agreement_id)
            .join(Agreement, Agreement.id == AgreementParty.agreement_id)
            .where(AgreementParty.partner_id == found["disnaker"], Agreement.status == "active")
            .limit(1)
        )
        starts = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
        for key, office, partners, title in (
            ("event", "denpasar", ["city"], "Rapat koordinasi dengan Pemkot Denpasar"),
            ("gianyar_event", "gianyar", ["disnaker"], "Sosialisasi DPRD Kabupaten Gianyar"),
        ):
            event = Event(
                office_id=found[office],
                kind="coordination",
                title=title,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                timezone="Asia/Makassar",
                partners=[db.session.get(Partner, found[p]) for p in partners],
            )
            db.session.add(event)
            db.session.flush()
            found[key] = event.id
        db.session.commit()
        assert found["review"] and found["gianyar_agreement"]
    return found


def add(app, *, assignee: str, due_on: date, event=None, agreement=None, text="Kirim surat"):
    """A follow-up recorded through the service (for tests about what comes after)."""
    with app.app_context(), acting_as("test"):
        if event is not None:
            found = db.session.get(Event, event)
            subject = services.Subject(found.office_id, event=found)
        else:
            found = db.session.get(Agreement, agreement)
            subject = services.Subject(found.office_id, agreement=found)
        created = services.create(
            subject, {"description": text, "assignee": assignee, "due_on": due_on}, None
        )
        db.session.commit()
        return created.id


def on_event(app, ids, who: str, due_on: date, text: str) -> int:
    """A follow-up of the test event for `who`: a user ("staff", "manager") or a partner's
    side ("city", "prosecutor")."""
    side = "user" if who in ("staff", "manager") else "partner"
    return add(app, event=ids["event"], assignee=f"{side}-{ids[who]}", due_on=due_on, text=text)


def png() -> bytes:
    """A real (tiny) PNG: evidence pictures are decoded, not trusted by their first bytes."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def row(app, follow_up_id: int) -> FollowUp:
    with app.app_context():
        found = db.session.get(FollowUp, follow_up_id)
        db.session.expunge(found)
        return found


def audit_rows(app, follow_up_id: int) -> list[tuple[str, str, dict | None]]:
    with app.app_context():
        return [
            (r.action, r.actor_label, r.after)
            for r in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_type == "FollowUp")
                .where(AuditEntry.object_id == str(follow_up_id))
                .where(AuditEntry.actor_label != "test-seed")  # a demo follow-up's, same id
                .order_by(AuditEntry.seq)
            )
        ]


def new_follow_up_link(page) -> str:
    return page.html.select_one("#follow-ups a[href$='/follow-ups/new']")["href"]


# ---- adding, from the agreement page and from an event ----------------------------------


def test_staff_add_a_follow_up_from_the_agreement_page_and_it_is_audited(app, ids):
    web = signed_in(app, "staff")
    page = web.get(f"/agreements/{ids['review']}")
    section = page.html.find(id="follow-ups")
    assert ui_text(app, "No follow-up recorded yet.") in section.get_text()
    form_page = web.get(new_follow_up_link(page))
    choices = options(find_form(form_page, field="assignee"), "assignee")
    # the office's staff and managers, and the agreement's government parties' sides
    assert choices[STAFF_NAME] == f"user-{ids['staff']}"
    assert choices["Mohamad Irfan"] == f"user-{ids['manager']}"
    city_side = ui_text(app, "%(partner)s (the partner's side)", partner=CITY)
    assert choices[city_side] == f"partner-{ids['city']}"
    assert "I Gede Wirawan" not in choices  # Gianyar's staff are not Denpasar's

    shown = press(
        form_page,
        ui_text(app, "Save the follow-up"),
        description="Kirim data pekerja non-ASN untuk didaftarkan",
        assignee=f"partner-{ids['city']}",
        due_on="2026-12-15",
    )
    assert flashes(shown) == [ui_text(app, "Follow-up recorded.")]
    assert "Kirim data pekerja non-ASN untuk didaftarkan" in text(shown)
    with app.app_context():
        created = db.session.scalar(select(FollowUp))
        assert (created.agreement_id, created.event_id) == (ids["review"], None)
        assert (created.partner_id, created.assignee_user_id) == (ids["city"], None)
        assert (created.office_id, created.status) == (ids["denpasar"], "open")
        assert created.created_by_id == ids["staff"] and created.due_on == date(2026, 12, 15)
    [(action, actor, after)] = audit_rows(app, created.id)
    assert (action, actor) == ("insert", EMAILS["staff"])
    assert after["description"] == "Kirim data pekerja non-ASN untuk didaftarkan"
    # the agreement page lists it now
    listed = web.get(f"/agreements/{ids['review']}").html.find(id="follow-ups")
    assert "Kirim data pekerja non-ASN" in listed.get_text()


def test_a_follow_up_from_an_event_goes_to_a_user_of_the_office(app, ids):
    web = signed_in(app, "manager")
    event_page = web.get(f"/events/{ids['event']}")
    assert ui_text(app, "No follow-up recorded yet.") in event_page.html.find(id="follow-ups").text
    page = web.get(new_follow_up_link(event_page))
    choices = options(find_form(page, field="assignee"), "assignee")
    assert set(choices.values()) == {
        "",  # "Choose who is to do it": nobody is chosen for the person
        f"user-{ids['staff']}",
        f"user-{ids['manager']}",
        f"partner-{ids['city']}",
    }  # only the partner the event is linked to
    press(
        page,
        ui_text(app, "Save the follow-up"),
        description="Siapkan bahan paparan untuk DPRD",
        assignee=f"user-{ids['staff']}",
        due_on="2026-12-01",
    )
    with app.app_context():
        created = db.session.scalar(select(FollowUp))
        assert (created.event_id, created.agreement_id) == (ids["event"], None)
        assert created.assignee_user_id == ids["staff"] and created.partner_id is None
    assert [a for a, *_ in audit_rows(app, created.id)] == ["insert"]
    # the event page lists it; the city's user sees the event but not the office's own task
    assert (
        "Siapkan bahan paparan"
        in web.get(f"/events/{ids['event']}").html.find(id="follow-ups").text
    )
    city_page = signed_in(app, "partner").get(f"/events/{ids['event']}")
    assert "Siapkan bahan paparan" not in city_page.html.find(id="follow-ups").text
    assert not city_page.html.select("#follow-ups a[href$='/follow-ups/new']")


def test_bad_input_is_refused_on_its_field_and_nothing_is_written(app, ids):
    web = signed_in(app, "staff")
    page = web.get(f"/events/{ids['event']}/follow-ups/new")
    save = ui_text(app, "Save the follow-up")

    refused = submit(page, button=save, description="  ", assignee="", due_on="")
    assert refused.status_int == 200
    errors = errors_by_field(refused)
    # the first refusal the service meets names its field; the rest are checked one by one
    assert errors == {"assignee": [ui_text(app, "Choose who is to do it.")]}

    refused = submit(page, button=save, description="", assignee=f"user-{ids['staff']}")
    assert field_errors(refused, "description") == [ui_text(app, "Describe what is to be done.")]
    refused = submit(page, button=save, description="Rapat", assignee=f"user-{ids['staff']}")
    assert field_errors(refused, "due_on") == [ui_text(app, "Enter the due date.")]
    refused = submit(
        page, button=save, description="Rapat", assignee=f"user-{ids['staff']}", due_on="1999-01-01"
    )
    assert field_errors(refused, "due_on") == [
        ui_text(
            app, "The due date must fall between %(first)d and %(last)d.", first=2000, last=2100
        )
    ]

    # No select offers these: a hand-edited request. Gianyar's staff member is not Denpasar's,
    # an auditor takes no follow-up, and the prosecutor's office is not linked to the event.
    for value, message in (
        (
            f"user-{ids['staff_other']}",
            "The assignee must be an active staff member or manager of this office.",
        ),
        (f"partner-{ids['prosecutor']}", "The partner must be linked to this event."),
        ("office-1", "Choose who is to do it."),
    ):
        refused = submit_tampered(
            page, button=save, description="Rapat", assignee=value, due_on="2026-12-01"
        )
        assert field_errors(refused, "assignee") == [ui_text(app, message)], value

    agreement_page = web.get(f"/agreements/{ids['review']}/follow-ups/new")
    refused = submit_tampered(
        agreement_page,
        button=save,
        description="Rapat",
        assignee=f"partner-{ids['disnaker']}",
        due_on="2026-12-01",
    )
    assert field_errors(refused, "assignee") == [
        ui_text(app, "The partner must be a party to this agreement.")
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_editing_changes_what_who_and_when_and_the_trail_says_so(app, ids):
    fid = add(app, event=ids["event"], assignee=f"user-{ids['staff']}", due_on=YESTERDAY)
    web = signed_in(app, "staff")
    page = web.get(f"/follow-ups/{fid}")
    edit = web.get(page.html.find("a", href=f"/follow-ups/{fid}/edit")["href"])
    form = find_form(edit, field="assignee")
    assert form["assignee"].value == f"user-{ids['staff']}"
    assert form["due_on"].value == YESTERDAY.isoformat()
    shown = press(
        edit,
        ui_text(app, "Save the follow-up"),
        assignee=f"partner-{ids['city']}",
        due_on="2026-12-10",
    )
    assert flashes(shown) == [ui_text(app, "Follow-up saved.")]
    found = row(app, fid)
    assert (found.partner_id, found.assignee_user_id) == (ids["city"], None)
    assert found.due_on == date(2026, 12, 10)
    action, actor, after = audit_rows(app, fid)[-1]
    assert (action, actor) == ("update", EMAILS["staff"])
    assert after["partner_id"] == ids["city"] and after["due_on"] == "2026-12-10"


# ---- done, with a note and evidence; reopened --------------------------------------------


def test_done_needs_a_note_takes_evidence_and_reopening_undoes_it(app, ids):
    fid = add(app, agreement=ids["review"], assignee=f"user-{ids['staff']}", due_on=YESTERDAY)
    web = signed_in(app, "staff")
    page = web.get(f"/follow-ups/{fid}")
    done_page = web.get(page.html.find("a", href=f"/follow-ups/{fid}/done")["href"])
    mark = ui_text(app, "Mark as done")

    refused = submit(done_page, button=mark, done_note="  ")
    assert errors_by_field(refused) == {"done_note": [ui_text(app, "Write what was done.")]}
    assert row(app, fid).status == "open"
    refused = submit(
        done_page,
        button=mark,
        done_note="Sudah",
        upload=("evidence", Upload("surat.html", b"<html></html>", "text/html")),
    )
    assert field_errors(refused, "evidence") == [
        ui_text(app, "Only PDF, JPEG or PNG files can be attached; this file is none of them.")
    ]
    # a JPEG's first bytes in front of a page are not a picture
    refused = submit(
        done_page,
        button=mark,
        done_note="Sudah",
        upload=("evidence", Upload("foto.jpg", b"\xff\xd8\xff\xe0<html>x</html>", "image/jpeg")),
    )
    assert field_errors(refused, "evidence")
    assert row(app, fid).status == "open"

    shown = press(
        done_page,
        mark,
        done_note="Surat B/12/DPS/112026 dikirim ke Pemkot.",
        upload=("evidence", Upload("surat.pdf", PDF, "application/pdf")),
    )
    assert flashes(shown) == [ui_text(app, "Marked as done.")]
    assert "Surat B/12/DPS/112026 dikirim ke Pemkot." in text(shown)
    found = row(app, fid)
    assert (found.status, found.done_by_id) == ("done", ids["staff"])
    assert found.done_at is not None and found.evidence_id is not None
    download = web.get(shown.html.find("a", string="surat.pdf")["href"])
    assert download.body == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    action, actor, after = audit_rows(app, fid)[-1]
    assert (action, actor, after["status"]) == ("update", EMAILS["staff"], "done")
    assert after["done_note"] == "Surat B/12/DPS/112026 dikirim ke Pemkot."
    with app.app_context():
        logged = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_type == "FollowUpEvidence", AuditEntry.action == "insert")
        )
        assert logged == 1
    # done: no second time, and no editing until it is reopened
    again = follow(web.get(f"/follow-ups/{fid}/done"))
    assert flashes(again) == [ui_text(app, "This follow-up is already done.")]
    assert not shown.html.find("a", href=f"/follow-ups/{fid}/edit")

    reopened = press(shown, ui_text(app, "Reopen"))
    assert flashes(reopened) == [ui_text(app, "The follow-up is open again.")]
    found = row(app, fid)
    assert (found.status, found.done_note, found.evidence_id) == ("open", None, None)
    with app.app_context():
        assert db.session.scalar(select(FollowUpEvidence.is_deleted)) is True
    action, _actor, after = audit_rows(app, fid)[-1]
    assert (action, after["status"], after["done_note"]) == ("update", "open", None)
    assert web.get(f"/follow-ups/{fid}/evidence", expect_errors=True).status_int == 404


def test_the_history_of_a_follow_up_reads_in_words(app, ids):
    fid = on_event(app, ids, "city", YESTERDAY, "Kirim data peserta")
    with app.app_context(), acting_as("test"):
        services.mark_done(db.session.get(FollowUp, fid), {"done_note": "Terkirim"}, None, None)
        db.session.commit()
    admin = signed_in(app, "admin")
    page = admin.get(f"/follow-ups/{fid}")
    history = admin.get(page.html.find("a", href=f"/audit/FollowUp/{fid}")["href"])
    words = text(history)
    assert "Kirim data peserta" in words and "Terkirim" in words
    assert CITY in words  # the partner named, not its id


# ---- overdue: waiting for me, the dashboard --------------------------------------------


def waiting_items(web) -> list[str]:
    section = web.get("/waiting").html.find(id="waiting-follow_ups")
    if section is None:
        return []
    return [" ".join(li.a.get_text().split()) for li in section.select("li.waiting-item")]


def test_overdue_follow_ups_wait_for_their_assignee_on_the_office_day(app, ids):
    on_event(app, ids, "staff", YESTERDAY, "Lewat tenggat kemarin")
    on_event(app, ids, "staff", OFFICE_DAY, "Tenggat hari ini")
    on_event(app, ids, "manager", YESTERDAY, "Milik manajer")
    on_event(app, ids, "city", YESTERDAY, "Sisi Pemkot")
    done = on_event(app, ids, "staff", YESTERDAY, "Sudah selesai")
    with app.app_context(), acting_as("test"):
        services.mark_done(db.session.get(FollowUp, done), {"done_note": "ok"}, None, None)
        db.session.commit()

    staff = signed_in(app, "staff")
    # its own, and the partner's side its office chases; never a colleague's or a done one
    assert waiting_items(staff) == ["Lewat tenggat kemarin", "Sisi Pemkot"]
    badge = staff.get("/waiting").html.find(id="waiting-follow_ups").find(class_="badge")
    assert badge.get_text(strip=True) == "2"
    assert waiting_items(signed_in(app, "partner")) == ["Sisi Pemkot"]
    assert waiting_items(signed_in(app, "staff_other")) == []
    assert waiting_items(signed_in(app, "partner_other")) == []

    # 00:30 WITA on 1 December is still 30 November on a UTC clock: the office's day counts
    with time_machine.travel(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), tick=False):
        with app.app_context():
            assert office_today() == date(2026, 12, 1)
        later = signed_in(app, "staff")  # the morning's session has timed out by now
        assert waiting_items(later) == ["Lewat tenggat kemarin", "Sisi Pemkot", "Tenggat hari ini"]


def card(web, url="/"):
    section = web.get(url).html.find(id="overdue-follow-ups")
    if section is None:
        return None
    count = section.find(class_="badge").get_text(strip=True)
    return count, [" ".join(a.get_text().split()) for a in section.select("li a")]


def test_the_dashboard_counts_the_overdue_follow_ups_in_scope(app, ids):
    on_event(app, ids, "staff", YESTERDAY, "Denpasar lewat")
    add(
        app,
        agreement=ids["review"],
        assignee=f"partner-{ids['city']}",
        due_on=YESTERDAY - timedelta(days=5),
        text="Pemkot lewat",
    )
    on_event(app, ids, "staff", OFFICE_DAY, "Belum lewat")
    add(
        app,
        event=ids["gianyar_event"],
        assignee=f"partner-{ids['disnaker']}",
        due_on=YESTERDAY,
        text="Gianyar lewat",
    )

    assert card(signed_in(app, "staff")) == ("2", ["Pemkot lewat", "Denpasar lewat"])
    assert card(signed_in(app, "staff_other")) == ("1", ["Gianyar lewat"])
    assert card(signed_in(app, "admin")) == (
        "3",
        ["Pemkot lewat", "Denpasar lewat", "Gianyar lewat"],
    )
    assert card(signed_in(app, "auditor_office"))[0] == "3"  # the Kanwil and its branches
    assert card(signed_in(app, "partner")) == ("1", ["Pemkot lewat"])
    assert card(signed_in(app, "partner_other")) == ("1", ["Gianyar lewat"])
    # the card's link opens the overdue list
    staff = signed_in(app, "staff")
    listed = staff.get(staff.get("/").html.find(id="overdue-follow-ups").find_all("a")[-1]["href"])
    rows = listed.html.select(".follow-up-row td:first-child a")
    assert [a.get_text(strip=True) for a in rows] == ["Pemkot lewat", "Denpasar lewat"]
    # done, it leaves the card at once (the page body is kept; the card is not)
    with app.app_context(), acting_as("test"):
        for found in db.session.scalars(select(FollowUp).where(FollowUp.partner_id.is_not(None))):
            services.mark_done(found, {"done_note": "ok"}, None, None)
        db.session.commit()
    assert card(signed_in(app, "staff")) == ("1", ["Denpasar lewat"])
    assert card(signed_in(app, "partner")) is None


def test_the_dashboard_card_is_one_statement(app, ids):
    for _ in range(3):
        add(app, event=ids["event"], assignee=f"user-{ids['staff']}", due_on=YESTERDAY)
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == EMAILS["staff"]))
        scope = resolve_scope(user, None)
        with counted_statements(app) as seen:
            count, rows = dashboard_card.overdue(user, scope, OFFICE_DAY)
        assert (count, len(rows)) == (3, 3)
        assert len(seen) == 1


# ---- the daily reminder, over a real SMTP server ----------------------------------------


def remind(runner, day: date):
    result = runner.invoke(args=["notifications", "remind", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result


def delivered(smtp) -> list[tuple[str, str]]:  # noqa: F811
    return sorted((m.to[0], m.subject) for m in smtp.mails)


def test_reminders_go_once_per_follow_up_per_day(app, runner, ids, smtp):  # noqa: F811
    late = on_event(app, ids, "staff", YESTERDAY, "Kirim rekap kepesertaan")
    on_event(app, ids, "staff", OFFICE_DAY, "Belum lewat tenggat")
    city = add(
        app,
        agreement=ids["review"],
        assignee=f"partner-{ids['city']}",
        due_on=date(2026, 11, 2),
        text="Terbitkan SK tim terpadu",
    )
    done = add(app, event=ids["event"], assignee=f"user-{ids['manager']}", due_on=YESTERDAY)
    with app.app_context(), acting_as("test"):
        services.mark_done(db.session.get(FollowUp, done), {"done_note": "ok"}, None, None)
        db.session.commit()
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry))

    result = remind(runner, OFFICE_DAY)
    assert "2 reminders sent for 2 follow-ups, 0 failed" in result.output
    subject = "[Kemitraan] 1 tindak lanjut lewat tenggat"
    assert delivered(smtp) == [(EMAILS["partner"], subject), (EMAILS["staff"], subject)]
    staff_mail = next(m for m in smtp.mails if m.to == [EMAILS["staff"]])
    assert staff_mail.body.startswith(f"Yth. {STAFF_NAME},")
    assert "Kirim rekap kepesertaan" in staff_mail.body
    assert "Tenggat: 29 November 2026 (1 hari lalu)" in staff_mail.body
    assert f"/follow-ups/{late}" in staff_mail.body
    assert "Belum lewat tenggat" not in staff_mail.body
    city_mail = next(m for m in smtp.mails if m.to == [EMAILS["partner"]])
    assert "Terbitkan SK tim terpadu" in city_mail.body and f"/follow-ups/{city}" in city_mail.body
    assert "Tenggat: 2 November 2026 (28 hari lalu)" in city_mail.body
    with app.app_context():
        assert db.session.get(FollowUp, late).last_reminded_on == OFFICE_DAY
        # the reminder's bookkeeping is nobody's change: no audit entry for it
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries

    # the same day again: nothing new
    smtp.mails.clear()
    assert "0 reminders sent" in remind(runner, OFFICE_DAY).output
    assert smtp.mails == []
    # the next day, each is named again (and the one due today has become overdue)
    remind(runner, OFFICE_DAY + timedelta(days=1))
    assert delivered(smtp) == [
        (EMAILS["partner"], subject),
        (EMAILS["staff"], "[Kemitraan] 2 tindak lanjut lewat tenggat"),
    ]
    assert "Belum lewat tenggat" in next(m for m in smtp.mails if m.to == [EMAILS["staff"]]).body


def test_reminders_respect_the_e_mail_preference_and_reach_a_partner_without_accounts(
    app,
    runner,
    ids,
    smtp,  # noqa: F811
):
    with app.app_context(), acting_as("test"):
        staff = db.session.get(User, ids["staff"])
        notifications.set_email_enabled(staff, False)
        prosecutor = db.session.get(Partner, ids["prosecutor"])
        prosecutor.email = "kejari.denpasar@example.test"
        event = db.session.get(Event, ids["event"])
        event.partners.append(prosecutor)
        db.session.commit()
        assert not db.session.scalar(select(User.id).where(User.partner_id == prosecutor.id))
    quiet = add(app, event=ids["event"], assignee=f"user-{ids['staff']}", due_on=YESTERDAY)
    on_event(app, ids, "prosecutor", YESTERDAY, "Kirim daftar badan usaha")

    remind(runner, OFFICE_DAY)
    assert delivered(smtp) == [
        ("kejari.denpasar@example.test", "[Kemitraan] 1 tindak lanjut lewat tenggat")
    ]
    assert smtp.mails[0].body.startswith(f"Yth. {PROSECUTOR},")
    assert "settings/notifications" not in smtp.mails[0].body  # no account to set it in
    # nobody was told about the opted-out staff member's: it stays unreminded
    assert row(app, quiet).last_reminded_on is None


def test_a_mail_server_that_is_down_reminds_nobody_and_the_next_run_tries_again(app, runner, ids):
    fid = add(app, event=ids["event"], assignee=f"user-{ids['staff']}", due_on=YESTERDAY)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    result = runner.invoke(args=["notifications", "remind", "--today", OFFICE_DAY.isoformat()])
    assert result.exit_code == 1
    assert "1 failed" in result.output
    assert row(app, fid).last_reminded_on is None


# ---- partner users -----------------------------------------------------------------------


def listed(web, query: str = "") -> list[str]:
    page = web.get(f"/follow-ups{query}")
    return [a.get_text(strip=True) for a in page.html.select(".follow-up-row td:first-child a")]


def test_partners_see_their_own_side_only_and_mark_it_done_with_evidence(app, ids):
    own = add(
        app,
        agreement=ids["review"],
        assignee=f"partner-{ids['city']}",
        due_on=YESTERDAY,
        text="Milik Pemkot",
    )
    internal = on_event(app, ids, "staff", YESTERDAY, "Internal kantor")
    other = add(
        app,
        event=ids["gianyar_event"],
        assignee=f"partner-{ids['disnaker']}",
        due_on=YESTERDAY,
        text="Milik Disnaker",
    )

    city = signed_in(app, "partner")
    assert listed(city) == ["Milik Pemkot"]
    assert listed(city, "?status=all&who=mine") == ["Milik Pemkot"]
    assert listed(signed_in(app, "partner_other")) == ["Milik Disnaker"]
    assert listed(signed_in(app, "staff")) == ["Milik Pemkot", "Internal kantor"]
    for hidden in (internal, other):
        for path in ("", "/done", "/evidence"):
            assert city.get(f"/follow-ups/{hidden}{path}", expect_errors=True).status_int == 404
    # the agreement page shows the city its own follow-up, not the office's internal ones
    section = city.get(f"/agreements/{ids['review']}").html.find(id="follow-ups")
    assert "Milik Pemkot" in section.get_text()
    assert not section.find("a", href=f"/agreements/{ids['review']}/follow-ups/new")

    page = city.get(f"/follow-ups/{own}")
    assert not page.html.find("a", href=f"/follow-ups/{own}/edit")
    done_page = city.get(page.html.find("a", href=f"/follow-ups/{own}/done")["href"])
    shown = press(
        done_page,
        ui_text(app, "Mark as done"),
        done_note="SK Wali Kota Nomor 188.45/123 telah terbit.",
        upload=("evidence", Upload("sk.png", png(), "image/png")),
    )
    assert flashes(shown) == [ui_text(app, "Marked as done.")]
    found = row(app, own)
    assert (found.status, found.done_by_id) == ("done", ids["partner"])
    assert city.get(shown.html.find("a", string="sk.png")["href"]).body.startswith(b"\x89PNG")
    action, actor, after = audit_rows(app, own)[-1]
    assert (action, actor, after["status"]) == ("update", EMAILS["partner"], "done")
    # the office reads how it was done and may reopen it; the partner may not
    staff_page = signed_in(app, "staff").get(f"/follow-ups/{own}")
    assert "SK Wali Kota Nomor 188.45/123 telah terbit." in text(staff_page)
    assert find_form(staff_page, button=ui_text(app, "Reopen"))
    assert not page.html.find("form", action=f"/follow-ups/{own}/reopen")


def test_a_partner_taken_off_the_event_loses_its_follow_up_and_its_reminder(
    app,
    runner,
    ids,
    smtp,  # noqa: F811
):
    fid = on_event(app, ids, "city", YESTERDAY, "Kirim data peserta")
    city = signed_in(app, "partner")
    assert city.get(f"/follow-ups/{fid}").status_int == 200
    web = signed_in(app, "staff")
    links = f"/events/{ids['event']}/links"
    follow(submit(web.get(links), action=links, partner_ids=[]))
    for path in ("", "/done"):
        assert city.get(f"/follow-ups/{fid}{path}", expect_errors=True).status_int == 404
    assert listed(city, "?status=all") == []
    remind(runner, OFFICE_DAY)
    assert EMAILS["partner"] not in [to for to, _subject in delivered(smtp)]
    # the office still has it in hand
    assert web.get(f"/follow-ups/{fid}").status_int == 200


def test_a_partner_does_not_see_follow_ups_under_an_agreement_still_in_drafting(app, ids):
    fid = add(app, agreement=ids["review"], assignee=f"partner-{ids['city']}", due_on=YESTERDAY)
    city = signed_in(app, "partner")
    assert listed(city) != []
    with app.app_context(), acting_as("test"):
        db.session.get(Agreement, ids["review"]).status = "draft"  # returned to drafting
        db.session.commit()
    assert city.get(f"/follow-ups/{fid}", expect_errors=True).status_int == 404
    assert listed(city) == []
    assert waiting_items(city) == []


# ---- the list ----------------------------------------------------------------------------


def test_the_list_filters_and_pages_by_keyset(app, ids):
    app.config["PAGE_SIZE"] = 2
    for day in range(5):
        add(
            app,
            event=ids["event"],
            assignee=f"user-{ids['manager']}",
            due_on=date(2026, 11, 28) + timedelta(days=day),
            text=f"Butir {day}",
        )
    add(
        app,
        event=ids["event"],
        assignee=f"user-{ids['staff']}",
        due_on=date(2026, 12, 20),
        text="Punya staf",
    )
    web = signed_in(app, "staff")
    page = web.get("/follow-ups")
    seen = []
    while True:
        seen += [
            a.get_text(strip=True) for a in page.html.select(".follow-up-row td:first-child a")
        ]
        nxt = page.html.find("a", string=lambda s: s and ui_text(app, "Next page") in s)
        if nxt is None or nxt["href"] == "#":
            break
        page = web.get(nxt["href"])
    assert seen == [f"Butir {d}" for d in range(5)] + ["Punya staf"]
    assert listed(web, "?status=overdue") == ["Butir 0", "Butir 1"]
    assert listed(web, "?who=mine") == ["Punya staf"]
    assert listed(web, "?status=done") == []
    empty = web.get("/follow-ups?status=done")
    assert ui_text(app, "No follow-up matches these filters.") in text(empty)
    assert listed(web, "?status=nonsense") == []
    assert web.get("/follow-ups?after=garbage").status_int == 200  # a tampered cursor


# ---- who may reach each page -------------------------------------------------------------

WHO = [
    "anonymous",
    "admin",
    "staff",
    "manager",
    "partner",
    "partner_other",
    "auditor",
    "auditor_office",
    "staff_other",
]
# city: the city's side of Denpasar's agreement in review; internal: Denpasar's staff member's;
# closed: the city's, done with evidence. L: sent to sign in.
ROUTES = {
    "GET /follow-ups": "L 200 200 200 200 200 200 200 200",
    "GET /follow-ups/{city}": "L 200 200 200 200 404 200 200 404",
    "GET /follow-ups/{internal}": "L 200 200 200 404 404 200 200 404",
    "GET /follow-ups/{closed}/evidence": "L 200 200 200 200 404 200 200 404",
    "GET /events/{event}/follow-ups/new": "L 200 200 200 403 403 403 403 404",
    "GET /agreements/{review}/follow-ups/new": "L 200 200 200 403 403 403 403 404",
    "GET /follow-ups/{city}/edit": "L 200 200 200 403 403 403 403 404",
    "GET /follow-ups/{city}/done": "L 200 200 200 200 404 403 403 404",
    "GET /follow-ups/{internal}/done": "L 200 200 200 404 404 403 403 404",
    "POST /follow-ups/{closed}/reopen": "L 302 302 302 403 403 403 403 404",
}


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("who", WHO)
def test_who_may_reach_each_follow_up_page(app, ids, who):
    objects = {
        **ids,
        "city": add(
            app, agreement=ids["review"], assignee=f"partner-{ids['city']}", due_on=YESTERDAY
        ),
        "internal": add(app, event=ids["event"], assignee=f"user-{ids['staff']}", due_on=YESTERDAY),
        "closed": add(
            app, agreement=ids["review"], assignee=f"partner-{ids['city']}", due_on=YESTERDAY
        ),
    }
    with app.app_context(), acting_as("test"):
        evidence = FollowUpEvidence(
            office_id=ids["denpasar"],
            original_name="bukti.pdf",
            stored_name="bukti.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
        )
        uploads.path_of("bukti.pdf").write_bytes(PDF)
        closed = db.session.get(FollowUp, objects["closed"])
        closed.status, closed.done_note, closed.evidence = "done", "ok", evidence
        db.session.commit()
    routes = [("", request, cells) for request, cells in ROUTES.items()]
    assert matrix_misses(app, who, WHO.index(who), routes, objects) == []
