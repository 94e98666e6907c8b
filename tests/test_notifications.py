"""Notifications: the "waiting for me" list each user gets from queries within their role and
office, and one e-mail per hand-off per recipient through a real SMTP server on loopback
(aiosmtpd), sent only once the change commits, never to the actor, never to who opted out."""

import logging
from datetime import date

from sqlalchemy import func, select

from partnerships.agreements import workflow
from partnerships.agreements.models import Agreement, Comment
from partnerships.agreements.review import add_comment
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth.models import User
from partnerships.commitments import services as commitments
from partnerships.commitments.models import Commitment, Kind, RealisationFigure
from partnerships.extensions import db
from partnerships.notifications import outbox
from tests.helpers import counted_statements, id_of
from tests.test_agreement_search import make
from tests.test_expiry import free_port, smtp  # noqa: F401 - the real SMTP server fixture
from tests.web import (
    errors_by_field,
    find_form,
    flashes,
    options,
    press,
    signed_in,
    submit,
    text,
)

IN_REVIEW = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
DRAFT = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Dangin Puri Kangin"
DENPASAR_COVERAGE = "Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"
GIANYAR_BRIEFING = "Sosialisasi program kepada anggota DPRD Kabupaten Gianyar"
STAFF = "staf.denpasar@kemitraan.test"
MANAGER = "manajer.denpasar@kemitraan.test"
PARTNER = "mitra.denpasar@kemitraan.test"
BASE_URL = "http://127.0.0.1:5000"


def delivered(inbox) -> list[tuple[str, str]]:
    """(recipient, subject) of every message received, in a stable order; each message went
    to one person, on the envelope and in its To header alike."""
    for mail in inbox.mails:
        assert len(mail.recipients) == 1 and mail.to == mail.recipients, mail.recipients
    return sorted((mail.recipients[0], mail.subject) for mail in inbox.mails)


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def thread_id(app, aid: int, body: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Comment.id).where(Comment.agreement_id == aid, Comment.body == body)
        )


def section(page, key: str):
    """The section of the waiting page with that key, or None."""
    return page.html.find(id=f"waiting-{key}")


def links(found) -> list[str]:
    return [a["href"] for a in found.select(".waiting-item a")] if found else []


def badge(page) -> str | None:
    link = page.html.find("a", href="/waiting")
    found = link.find(class_="badge") if link else None
    return " ".join(found.get_text(" ").split()) if found else None


# ---- e-mail on each hand-off, through the pages -------------------------------------------


def test_each_hand_off_mails_each_recipient_once(app, smtp):  # noqa: F811
    aid = id_of(app, Agreement, IN_REVIEW)
    url = f"/agreements/{aid}"
    staff, manager, partner = (signed_in(app, who) for who in (STAFF, MANAGER, PARTNER))
    link = f"{BASE_URL}/agreements/{aid}"

    # returned to drafting: the drafter hears, with the reason
    press(manager.get(url), "Kembalikan ke penyusunan draf", reason="Sesuaikan dengan RPJMD")
    assert delivered(smtp) == [(STAFF, f"[Kemitraan] Dikembalikan ke penyusunan: {IN_REVIEW}")]
    assert "Alasan: Sesuaikan dengan RPJMD" in smtp.mails[0].body
    assert link in smtp.mails[0].body
    smtp.mails.clear()

    # sent for review: the office's managers
    page = press(staff.get(url), "Ajukan untuk ditinjau")
    assert "Agreement sent" not in flashes(page)
    assert delivered(smtp) == [(MANAGER, f"[Kemitraan] Menunggu reviu: {IN_REVIEW}")]
    mail = smtp.mails[0]
    assert mail.body.startswith("Yth. Mohamad Irfan,")
    assert "Ni Made Ayu Lestari mengajukan" in mail.body and link in mail.body
    assert mail.sender == "kemitraan@localhost"
    smtp.mails.clear()

    # a partner's comment: the office's staff and managers
    press(partner.get(url), "Tambah komentar", body="Mohon jelaskan sumber dana.")
    cid = thread_id(app, aid, "Mohon jelaskan sumber dana.")
    assert delivered(smtp) == [
        (MANAGER, f"[Kemitraan] Komentar baru: {IN_REVIEW}"),
        (STAFF, f"[Kemitraan] Komentar baru: {IN_REVIEW}"),
    ]
    assert all(f"{link}#comment-{cid}" in m.body for m in smtp.mails)
    assert all("Mohon jelaskan sumber dana." in m.body for m in smtp.mails)
    smtp.mails.clear()

    # the office's reply: the partner's users (and the thread's other voices: the same one)
    reply_to = f"/agreements/{aid}/comments/{cid}/replies"
    press(staff.get(url), "Balas", action=reply_to, body="Dari APBD Kota.")
    assert delivered(smtp) == [(PARTNER, f"[Kemitraan] Balasan komentar: {IN_REVIEW}")]
    assert "Dari APBD Kota." in smtp.mails[0].body
    smtp.mails.clear()

    # resolving tells nobody; the approval tells the drafter and the office's staff
    page = staff.get(url)
    for form in [f for f in page.forms.values() if f.action.endswith("/resolve")]:
        form.submit()
    assert smtp.mails == []
    page = press(manager.get(url), "Setujui")
    with app.app_context():
        assert db.session.get(Agreement, aid).status == "approved", flashes(page)
    assert delivered(smtp) == [(STAFF, f"[Kemitraan] Disetujui: {IN_REVIEW}")]


def test_an_opted_out_user_gets_no_mail_but_still_sees_the_item(app, smtp):  # noqa: F811
    aid = id_of(app, Agreement, IN_REVIEW)
    partner, staff = signed_in(app, PARTNER), signed_in(app, STAFF)
    page = partner.get("/settings/notifications")
    assert find_form(page, button="Simpan")["email_enabled"].checked  # on until turned off
    page = press(page, "Simpan", email_enabled=False)
    assert flashes(page) == ["Notifikasi e-mail dimatikan."]
    assert not find_form(page, button="Simpan")["email_enabled"].checked
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "NotificationPreference")
        ).all()
    assert changes == ["insert"]
    trail = text(signed_in(app, "admin").get("/audit"))
    assert "Pengaturan notifikasi e-mail" in trail and "Staf Setda Kota Denpasar" in trail

    press(staff.get(f"/agreements/{aid}"), "Tambah komentar", body="Mohon konfirmasi Pasal 3.")
    assert smtp.mails == []  # the partner's users were the only ones to tell
    cid = thread_id(app, aid, "Mohon konfirmasi Pasal 3.")
    assert f"/agreements/{aid}#comment-{cid}" in links(section(partner.get("/waiting"), "comments"))

    # turned back on, the next one arrives
    press(partner.get("/settings/notifications"), "Simpan", email_enabled=True)
    press(staff.get(f"/agreements/{aid}"), "Tambah komentar", body="Dan Pasal 4.")
    assert delivered(smtp) == [(PARTNER, f"[Kemitraan] Komentar baru: {IN_REVIEW}")]


def test_a_rolled_back_change_sends_nothing(app, smtp):  # noqa: F811
    aid = id_of(app, Agreement, IN_REVIEW)
    with app.app_context(), acting_as("test"):
        agreement = db.session.get(Agreement, aid)
        workflow.transition(agreement, "return", user(MANAGER), reason="Belum lengkap")
        assert len(outbox.pending()) == 1  # queued in the flush, not sent
        db.session.rollback()
        assert outbox.pending() == []
        db.session.commit()  # a later commit finds nothing left over
        assert smtp.mails == []
        # nor does one after a session closed without committing
        workflow.transition(db.session.get(Agreement, aid), "return", user(MANAGER))
        db.session.close()
        assert outbox.pending() == []
        db.session.commit()
        assert smtp.mails == []
        # the same change committed is mailed
        agreement = db.session.get(Agreement, aid)
        workflow.transition(agreement, "return", user(MANAGER), reason="Belum lengkap")
        db.session.commit()
    assert delivered(smtp) == [(STAFF, f"[Kemitraan] Dikembalikan ke penyusunan: {IN_REVIEW}")]


def test_a_mail_server_that_is_down_does_not_undo_the_action(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens
    aid = id_of(app, Agreement, DRAFT)
    staff = signed_in(app, STAFF)
    with caplog.at_level(logging.WARNING, logger="partnerships.notifications.outbox"):
        page = press(staff.get(f"/agreements/{aid}"), "Ajukan untuk ditinjau")
    assert page.status_int == 200
    with app.app_context():
        assert db.session.get(Agreement, aid).status == "in_review"
    assert any("mail server unreachable" in r.getMessage() for r in caplog.records)


# ---- figures and commitment comments: unit tests of the receivers -------------------------
# Figures and the commitment thread, through the portal's forms: Disnaker Gianyar's partner
# user reports, the Gianyar branch decides.

GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"
GIANYAR_BUDGET = "APBD 2026 untuk iuran JKK dan JKM 12.800 pekerja rentan"
GIANYAR_STAFF = "staf.gianyar@kemitraan.test"
GIANYAR_MANAGER = "manajer.gianyar@kemitraan.test"
GIANYAR_PARTNER = "mitra.gianyar@kemitraan.test"


def _commitment(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Commitment.id).where(Commitment.title == title))


def test_a_submitted_figure_mails_the_office_and_its_decision_mails_the_partner(app, smtp):  # noqa: F811
    cid = _commitment(app, GIANYAR_TARGET)
    partner = signed_in(app, "partner_other")
    page = press(
        partner.get(f"/commitments/{cid}"),
        "Ajukan angka",
        period_end="2026-10-31",
        value="12900",
        source="Data kepesertaan Disnaker Gianyar",
    )
    assert "diajukan" in flashes(page)[0]
    subject = f"[Kemitraan] Angka realisasi menunggu diterima: {GIANYAR_TARGET}"
    assert delivered(smtp) == [(GIANYAR_MANAGER, subject), (GIANYAR_STAFF, subject)]
    assert f"{BASE_URL}/commitments/{cid}" in smtp.mails[0].body
    with app.app_context():
        figure_id = db.session.scalar(select(func.max(RealisationFigure.id)))
    staff = signed_in(app, "staff_other")
    assert f"/commitments/{cid}" in links(section(staff.get("/waiting"), "figures"))

    smtp.mails.clear()
    field = f"figure{figure_id}-reason"
    page = press(
        staff.get(f"/commitments/{cid}"),
        "Tolak",
        action=f"/commitments/{cid}/figures/{figure_id}/decision",
        **{field: "Melebihi jumlah pekerja rentan terdata."},
    )
    assert flashes(page) == ["Angka ditolak."]
    assert delivered(smtp) == [
        (GIANYAR_PARTNER, f"[Kemitraan] Angka realisasi ditolak: {GIANYAR_TARGET}")
    ]
    assert "Alasan: Melebihi jumlah pekerja rentan terdata." in smtp.mails[0].body
    rejected = section(partner.get("/waiting"), "rejected")
    assert links(rejected) == [f"/commitments/{cid}"]
    assert "Oktober 2026: Melebihi jumlah pekerja rentan terdata." in rejected.get_text()


def test_a_commitment_message_mails_the_other_side(app, smtp):  # noqa: F811
    cid = _commitment(app, GIANYAR_BUDGET)
    subject = f"[Kemitraan] Komentar baru: {GIANYAR_BUDGET}"
    partner = signed_in(app, "partner_other")
    staff = signed_in(app, "staff_other")
    assert section(staff.get("/waiting"), "messages") is None
    press(partner.get(f"/commitments/{cid}"), "Kirim", body="Pencairan triwulan IV menunggu SP2D.")
    assert delivered(smtp) == [(GIANYAR_MANAGER, subject), (GIANYAR_STAFF, subject)]
    # the office's turn: on its list (even with e-mail off), not on the partner's
    assert links(section(staff.get("/waiting"), "messages")) == [f"/commitments/{cid}"]
    assert section(partner.get("/waiting"), "messages") is None
    smtp.mails.clear()
    press(staff.get(f"/commitments/{cid}"), "Kirim", body="Terima kasih, kami tunggu.")
    assert delivered(smtp) == [(GIANYAR_PARTNER, subject)]
    assert section(staff.get("/waiting"), "messages") is None
    assert links(section(partner.get("/waiting"), "messages")) == [f"/commitments/{cid}"]


# ---- the waiting list ---------------------------------------------------------------------


def test_a_manager_waits_on_a_draft_sent_for_review(app):
    aid = id_of(app, Agreement, DRAFT)
    staff, manager = signed_in(app, STAFF), signed_in(app, MANAGER)
    before = manager.get("/waiting")
    assert f"/agreements/{aid}" not in links(section(before, "review"))
    press(staff.get(f"/agreements/{aid}"), "Ajukan untuk ditinjau")
    page = manager.get("/waiting")
    review = section(page, "review")
    assert f"/agreements/{aid}" in links(review)
    assert review.find("h2").get_text(" ", strip=True).startswith("Tinjauan yang harus dilakukan")
    assert int(badge(page).split()[0]) == int(badge(before).split()[0]) + 1
    # the Gianyar staff never see Denpasar's work
    assert f"/agreements/{aid}" not in text(signed_in(app, "staff_other").get("/waiting"))


def test_a_returned_draft_waits_on_its_drafter_and_an_approval_on_the_signature(app):
    aid = id_of(app, Agreement, IN_REVIEW)
    url = f"/agreements/{aid}"
    staff, manager = signed_in(app, STAFF), signed_in(app, MANAGER)
    assert section(staff.get("/waiting"), "returned") is None
    press(manager.get(url), "Kembalikan ke penyusunan draf", reason="Sesuaikan dengan RPJMD")
    assert links(section(staff.get("/waiting"), "returned")) == [url]
    assert section(manager.get("/waiting"), "returned") is None  # not the manager's draft
    press(staff.get(url), "Ajukan untuk ditinjau")
    assert section(staff.get("/waiting"), "returned") is None
    page = staff.get(url)
    for form in [f for f in page.forms.values() if f.action.endswith("/resolve")]:
        form.submit()
    press(manager.get(url), "Setujui")
    assert url in links(section(staff.get("/waiting"), "signature"))
    assert url in links(section(manager.get("/waiting"), "signature"))
    assert url not in links(section(manager.get("/waiting"), "review"))


def test_a_drafter_waits_on_a_comment_until_answering_it(app):
    aid = id_of(app, Agreement, IN_REVIEW)
    staff, partner = signed_in(app, STAFF), signed_in(app, PARTNER)
    with app.app_context():
        demo = db.session.scalar(select(Comment.id).where(Comment.agreement_id == aid))
    assert f"/agreements/{aid}#comment-{demo}" in links(section(staff.get("/waiting"), "comments"))
    assert section(partner.get("/waiting"), "comments") is None  # the partner spoke last
    press(
        staff.get(f"/agreements/{aid}"),
        "Balas",
        action=f"/agreements/{aid}/comments/{demo}/replies",
        body="Akan kami sesuaikan.",
    )
    assert f"/agreements/{aid}#comment-{demo}" not in links(
        section(staff.get("/waiting"), "comments")
    )
    assert f"/agreements/{aid}#comment-{demo}" in links(
        section(partner.get("/waiting"), "comments")
    )


def _action(staff, pks: int, title: str, due_on: str) -> None:
    form_page = staff.get(f"/agreements/{pks}/commitments/new?kind=action")
    choices = options(find_form(form_page, button="Simpan"), "article")
    article = next(value for value in choices.values() if value)
    page = submit(form_page, button="Simpan", article=article, title=title, due_on=due_on)
    assert page.status_int == 302, errors_by_field(page)


def test_a_partner_waits_on_its_actions_due(app):
    pks = make(app, "PKS Pendataan Pekerja Rentan Kota Denpasar")
    staff, partner = signed_in(app, STAFF), signed_in(app, PARTNER)
    _action(staff, pks, "Menyerahkan data pekerja rentan", "2026-12-15")  # within 30 days
    _action(staff, pks, "Menerbitkan surat edaran", "2026-11-01")  # overdue
    _action(staff, pks, "Rapat evaluasi tahunan", "2027-06-30")  # not yet
    page = partner.get("/waiting")
    actions = section(page, "actions")
    titles = [a.get_text(strip=True) for a in actions.select(".waiting-item a")]
    assert titles == ["Menerbitkan surat edaran", "Menyerahkan data pekerja rentan"]
    assert "terlambat sejak 1 November 2026" in actions.get_text(" ")
    assert "jatuh tempo 15 Desember 2026" in actions.get_text(" ")
    # the office's staff see them too; Gianyar's done briefing is nobody's
    staff_titles = text(staff.get("/waiting"))
    assert "Menyerahkan data pekerja rentan" in staff_titles
    assert GIANYAR_BRIEFING not in text(signed_in(app, "staff_other").get("/waiting"))


def test_nothing_waiting_says_so(app):
    page = signed_in(app, "auditor").get("/waiting")
    assert "Tidak ada yang menunggu Anda." in text(page)
    assert badge(page) is None


def test_the_waiting_page_takes_the_same_queries_however_many_rows(app):
    aid = id_of(app, Agreement, IN_REVIEW)
    staff = signed_in(app, STAFF)
    staff.get("/waiting")

    def statements() -> int:
        with counted_statements(app) as seen:
            staff.get("/waiting", status=200)
        return len(seen)

    def badge_statements() -> int:  # an ordinary page with the menu's count
        with counted_statements(app) as seen:
            staff.get("/agreements", status=200)
        return len(seen)

    before, before_badge = statements(), badge_statements()
    pks = make(app, "PKS Banyak Aksi")
    with app.app_context(), acting_as("test"):
        agreement = db.session.get(Agreement, aid)
        partner_user = user(PARTNER)
        for n in range(12):
            add_comment(agreement, partner_user, n % 3, f"Komentar nomor {n}")
        for n in range(8):
            commitments.create(
                db.session.get(Agreement, pks),
                Kind.ACTION,
                {
                    "partner_id": partner_user.partner_id,
                    "article": 1,
                    "title": f"Aksi {n}",
                    "description": "",
                    "due_on": date(2026, 12, 1 + n),
                },
                None,
            )
        db.session.commit()
    assert statements() == before
    assert badge_statements() == before_badge
    page = staff.get("/waiting")
    assert len(section(page, "comments").select(".waiting-item")) == 13
    assert len(section(page, "actions").select(".waiting-item")) == 8
    # 13 comments, 8 actions and the demo's follow-up overdue for this staff member
    assert len(section(page, "follow_ups").select(".waiting-item")) == 1
    assert badge(page) == "22 butir"


def test_the_menu_count_is_the_users_own_after_a_move_to_another_office(app):
    """The menu's count statement is kept per user and day (built once, executed on every
    page): a user moved to another office counts that office's work at once."""
    from partnerships.notifications import services
    from partnerships.organisations.models import Office

    with app.test_request_context("/"):
        manager = db.session.scalar(select(User).where(User.email == MANAGER))

        def fresh() -> dict:  # the count's statement built anew, never kept
            stmt = services._count_select(services.statements(manager))
            return db.session.execute(stmt).one()._asdict()

        denpasar = services.counts(manager)
        assert denpasar == fresh() and denpasar["review"] >= 1  # the demo's renewal in review
        manager.office_id = db.session.scalar(select(Office.id).where(Office.code == "GNR"))
        db.session.flush()
        gianyar = services.counts(manager)
        assert gianyar == fresh() and gianyar != denpasar
