"""The minutes of a held event (notulen / laporan kegiatan) through its page: "Cetak notulen"
posts the form as rendered, the sealed PDF is in the document store and offered for download,
read back for the conventions of formal Indonesian minutes (letterhead, day names and dates,
place, participants, summary, outcomes, follow-ups, photos, signature blocks), its seal valid
for pyHanko and pdfsig; printing again after a change makes a new version; only held events
get minutes; partner users of a linked partner download them, others never."""

import io
import re
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from partnerships.audit.services import acting_as
from partnerships.documents import certificates, rendering
from partnerships.documents.models import DocKind, Document
from partnerships.events import printing
from partnerships.events.models import Event, FollowUp
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import OFFICE_DAY, csrf_token
from tests.pdf_tools import assert_sealed_and_valid
from tests.test_event_outcomes import (
    BOOTH,
    PEMKOT,
    SESETAN,
    TARGET,
    commitment_id,
    count,
    held_event,
    jpeg,
    upload,
)
from tests.web import find_form, flashes, follow, hand_made, signed_in, submit, ui_text


def t(app, message: str, **values) -> str:
    return ui_text(app, message, **values)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def minutes_documents(app, event_id: int) -> list[Document]:
    with app.app_context():
        found = db.session.scalars(
            select(Document)
            .where(
                Document.subject_type == "Event",
                Document.subject_id == event_id,
                Document.kind == DocKind.EVENT_MINUTES,
            )
            .order_by(Document.version)
        ).all()
        db.session.expunge_all()
        return found


def print_minutes(app, web, event_id: int):
    """Press "Cetak notulen" (Print minutes) on the event's page; the page after."""
    page = web.get(f"/events/{event_id}")
    response = submit(page, action=f"/events/{event_id}/minutes", button=t(app, "Print minutes"))
    assert response.status_int == 302, response.status
    return follow(response)


def a_full_booth(app) -> int:
    """The Sesetan booth, held, with a photo, an attendance list, registrations counted towards
    the village's target, and a follow-up agreed there."""
    event = held_event(app, partners=(SESETAN, PEMKOT))
    staff = signed_in(app, "staff")
    follow(upload(staff, event, "antrean.jpg", jpeg(64, 32), caption="Antrean pendaftaran"))
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    follow(upload(staff, event, "daftar-hadir.pdf", pdf, kind="attendance_list"))
    follow(count(staff, event, commitment_id(app, TARGET), 120))
    with app.app_context(), acting_as("test"):
        found = db.session.get(Event, event)
        db.session.add(
            FollowUp(
                office_id=found.office_id,
                event_id=event,
                description="Menyerahkan data calon peserta yang belum melengkapi NIK",
                partner_id=db.session.scalar(select(Partner.id).where(Partner.name == SESETAN)),
                due_on=date(2026, 12, 15),
            )
        )
        db.session.commit()
    return event


def test_minutes_from_the_event_page_read_as_formal_minutes_and_carry_a_valid_seal(app, tmp_path):
    event = a_full_booth(app)
    web = signed_in(app, "staff")
    page = print_minutes(app, web, event)
    [document] = minutes_documents(app, event)
    assert t(
        app,
        "Minutes printed (version %(version)s): %(name)s.",
        version=1,
        name=document.filename,
    ) in flashes(page)
    assert (document.version, document.sealed, document.issued_on, document.office_id) == (
        1,
        True,
        OFFICE_DAY,
        document.office_id,
    )
    link = page.html.select_one(f"#minutes ~ ul a[href='/events/{event}/minutes/{document.id}']")
    assert link is not None and link.get_text(strip=True) == document.filename
    download = web.get(link["href"])
    assert download.content_type == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    words = pdf_text(download.body)
    for expected in (
        "BPJS KETENAGAKERJAAN",
        "KANTOR CABANG BALI DENPASAR",  # the letterhead
        "NOTULEN KEGIATAN",
        "Pameran/Booth",
        BOOTH,
        # three days in Bali's own zone: Saturday 14 to Monday 16 November 2026
        "Hari/Tanggal : Sabtu s.d. Senin, 14 November 2026 s.d. 16 November 2026",
        "Waktu : Sepanjang hari (WITA)",
        "Pada hari ini Sabtu tanggal empat belas bulan November tahun dua ribu dua puluh enam",
        "sampai dengan hari Senin tanggal 16 November 2026",
        "Lapangan Banjar Kaja Sesetan, Kelurahan Sesetan, Kecamatan Denpasar Selatan, Kota "
        "Denpasar",
        f"bersama {SESETAN}, {PEMKOT}",  # the partners, in the partners' order
        "Sasaran peserta : pekerja informal, perangkat desa/kelurahan",
        "Rencana kehadiran : 250 orang",
        "Jumlah hadir : 300 orang",
        "Peserta baru terdaftar : 150 orang",
        "Pendaftaran peserta bukan penerima upah di stan pasar malam.",  # the summary
        "Stan dibuka pukul 16.00 setiap hari.",  # the minutes as typed
        TARGET,
        "120 orang",
        "2.160 per 16 November 2026",  # the level the figure recorded
        "Menyerahkan data calon peserta yang belum melengkapi NIK",  # the follow-up
        "15 Desember 2026",
        "Belum selesai",
        "Dokumentasi",
        "Antrean pendaftaran",  # the photo's caption
        "Lampiran: daftar hadir (daftar-hadir.pdf)",
        "Denpasar, 30 November 2026",
        "Notulis",
        "Mengetahui",
        "Kepala Kantor Cabang",
        "Mohamad Irfan NPK I0219",  # the office's head on the day
    ):
        assert expected in words, expected
    # the photo is in the PDF itself (its thumbnail, inline), not a link
    reader = PdfReader(io.BytesIO(download.body))
    sizes = [image.image.size for page in reader.pages for image in page.images]
    assert (64, 32) in sizes  # the thumbnail of the 64 x 32 photo
    # the seal: both validators, and the document store's hash
    with app.app_context():
        ca_pem = certificates.cert_dir() / "ca.pem"
    report = assert_sealed_and_valid(download.body, ca_pem, tmp_path)
    assert re.search(r"Signer Certificate Common Name: .*Denpasar", report)
    import hashlib

    assert hashlib.sha256(download.body).hexdigest() == document.sha256
    # its QR's page says what it is (the kind), never what it says
    verify = web.get(f"/verify/{document.verify_token}")
    assert t(app, "Event minutes") in verify.text and BOOTH not in verify.text


def test_printing_again_after_a_change_makes_a_new_version(app):
    event = held_event(app)
    web = signed_in(app, "staff")
    print_minutes(app, web, event)
    with app.app_context(), acting_as("test"):
        db.session.get(Event, event).summary = "Ringkasan yang diperbaiki."
        db.session.commit()
    page = print_minutes(app, web, event)
    first, second = minutes_documents(app, event)
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 != second.sha256 and first.filename != second.filename
    assert "Ringkasan yang diperbaiki." in pdf_text(
        web.get(f"/events/{event}/minutes/{second.id}").body
    )
    # both offered, newest first
    links = [a["href"] for a in page.html.select("#minutes ~ ul a")]
    assert links == [f"/events/{event}/minutes/{second.id}", f"/events/{event}/minutes/{first.id}"]


def test_a_planned_event_has_no_minutes_button_and_a_hand_made_post_is_refused(app):
    event = held_event(app, hold=False)
    web = signed_in(app, "staff")
    page = web.get(f"/events/{event}")
    assert not [f for f in page.forms.values() if (f.action or "").endswith("/minutes")]
    client = hand_made(app, "staff")
    response = client.post(
        f"/events/{event}/minutes", data={"csrf_token": csrf_token(client, f"/events/{event}")}
    )
    assert response.status_code == 302
    shown = client.get(response.location).get_data(as_text=True)
    assert t(app, "Minutes are written for a held event.") in shown
    assert minutes_documents(app, event) == []


def test_minutes_need_the_office_s_head_on_the_day(app):
    event = held_event(app)
    from partnerships.organisations.models import Official

    with app.app_context(), acting_as("test"):
        head = db.session.scalar(select(Official).where(Official.name == "Mohamad Irfan"))
        head.tenure_end = date(2026, 10, 31)
        db.session.commit()
    page = print_minutes(app, signed_in(app, "staff"), event)
    assert t(
        app,
        "Nobody is recorded in office at %(office)s on %(day)s to sign the minutes: record the "
        "office's head under Officials.",
        office="Kantor Cabang Bali Denpasar",
        day="30 November 2026",
    ) in flashes(page)
    assert minutes_documents(app, event) == []


def test_partner_users_of_a_linked_partner_download_the_minutes_others_never(app):
    event = held_event(app, partners=(SESETAN, PEMKOT))
    print_minutes(app, signed_in(app, "staff"), event)
    [document] = minutes_documents(app, event)
    url = f"/events/{event}/minutes/{document.id}"
    city = signed_in(app, "partner")
    page = city.get(f"/events/{event}")
    assert page.html.select_one(f"a[href='{url}']") is not None
    assert not [f for f in page.forms.values() if (f.action or "").endswith("/minutes")]
    assert city.get(url).content_type == "application/pdf"
    for who in ("partner_other", "staff_other"):
        assert signed_in(app, who).get(url, expect_errors=True).status_int == 404
    # a document of another kind or subject is never served under an event's minutes
    with app.app_context():
        letter = db.session.scalar(
            select(Document.id).where(Document.kind != DocKind.EVENT_MINUTES)
        )
    assert (
        signed_in(app, "admin")
        .get(f"/events/{event}/minutes/{letter}", expect_errors=True)
        .status_int
        == 404
    )


def test_the_minutes_data_is_plain_and_says_none_where_nothing_was_recorded(app):
    event = held_event(app, partners=(), agreements=(), commitments=(), registrations=None)
    with app.test_request_context():
        data = printing.minutes_data(db.session.get(Event, event), OFFICE_DAY, "Staf Uji")
        rendering.check_plain(data)  # no ORM object reaches the template
        assert (data["outcomes"], data["follow_ups"], data["photos"], data["partners"]) == (
            [],
            [],
            [],
            [],
        )
        words = " ".join(
            rendering.render_html(printing.TEMPLATE, {**data, "verify_url": "x"}).split()
        )
    assert "Peserta baru terdaftar</td><td>:</td><td>-" in words
    assert "Tidak ada tindak lanjut yang dicatat." in words
    assert "Dokumentasi" not in words


def test_the_minutes_form_is_csrf_protected(app):
    event = held_event(app)
    client = hand_made(app, "staff")
    response = client.post(f"/events/{event}/minutes", data={})
    assert response.status_code in (302, 400)
    assert minutes_documents(app, event) == []
    page = signed_in(app, "staff").get(f"/events/{event}")
    form = find_form(page, action=f"/events/{event}/minutes")
    assert "csrf_token" in form.fields


def test_in_chromium_staff_attach_a_photo_count_registrations_and_print_the_minutes(
    app, open_page, axe_source
):
    """The event page's records in a real browser, every page checked (axe-core, WCAG 2.1 AA,
    no sideways scrolling at 390 px): a photo through the file input, registrations through
    the select, the minutes through their button, then the commitment's "from events"."""
    from tests.browser import check

    event = held_event(app, partners=(SESETAN, PEMKOT))
    page = open_page("staff")
    page.goto(f"/events/{event}")
    check(page, axe_source)
    form = page.locator(f"form[action='/events/{event}/attachments']")
    form.get_by_label(t(app, "What it is")).select_option("photo")
    form.get_by_label(t(app, "File"), exact=True).set_input_files(
        files=[{"name": "antrean.jpg", "mimeType": "image/jpeg", "buffer": jpeg(64, 32)}]
    )
    form.get_by_label(t(app, "Caption")).fill("Antrean pendaftaran")
    form.get_by_role("button", name=t(app, "Attach")).click()
    page.wait_for_load_state()
    gallery = page.get_by_role("img", name="Antrean pendaftaran")
    # the thumbnail loads under the CSP (waited for: a busy machine serves it a moment later;
    # one the CSP blocked would never complete with a width)
    gallery.element_handle().wait_for_element_state("visible")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=gallery.element_handle()
    )
    assert gallery.evaluate("img => img.naturalWidth") == 64
    check(page, axe_source)
    form = page.locator(f"form[action='/events/{event}/contributions']")
    form.get_by_label(t(app, "Commitment"), exact=True).select_option(
        str(commitment_id(app, TARGET))
    )
    form.get_by_label(t(app, "New registrations that count towards it")).fill("120")
    form.get_by_role("button", name=t(app, "Count towards the commitment")).click()
    page.wait_for_load_state()
    check(page, axe_source)
    page.get_by_role("button", name=t(app, "Print minutes")).click()
    page.wait_for_load_state()
    check(page, axe_source)
    [document] = minutes_documents(app, event)
    with page.expect_download() as waiting:
        page.get_by_role("link", name=document.filename).click()
    assert waiting.value.suggested_filename == document.filename
    page.get_by_role("table").get_by_role("link", name=TARGET).click()  # counted towards
    page.wait_for_load_state()
    check(page, axe_source)
    assert page.get_by_role("link", name=BOOTH).count() == 1
