"""What an event leaves behind, through its page: photos and files uploaded with the form as
rendered (checked by content with Pillow: a text file named photo.jpg and a decompression bomb
refused on the file field; a thumbnail made upright and without metadata; the original kept
as sent), downloaded within the event's scope and removed with a confirmation; registrations
counted towards a linked coverage target, which becomes a realisation figure (a level: the
commitment's level on the event's last day plus them), moves the commitment's progress and is
listed on its page, and every refusal; the scorecard's events held; who may reach each route."""

import hashlib
import io
import struct
import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from webtest import Upload

from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth.models import User
from partnerships.commitments.models import Commitment, FigureStatus, RealisationFigure
from partnerships.events import outcomes, services
from partnerships.events.errors import EventError
from partnerships.events.models import Event, EventAttachment, EventContribution
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import EMAILS, csrf_token
from tests.helpers import forget_demo_events
from tests.web import (
    field_errors,
    find_form,
    flashes,
    follow,
    hand_made,
    matrix_misses,
    signed_in,
    submit,
    submit_tampered,
    text,
    ui_text,
)

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
SESETAN = "Kelurahan Sesetan"
PEMKOT = "Pemerintah Kota Denpasar"
RENEWAL = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
PKS_2016 = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Kelurahan Sesetan"
MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
# bpu_participants, baseline 2.000 (5 February 2024), last figure 2.040 on 30 June 2026
TARGET = "Peserta bukan penerima upah di Kelurahan Sesetan menjadi 2.600"
# the same village's first PKS (2016, for 36 months): its term ended in 2019
OLD_TARGET = "2.000 pekerja bukan penerima upah di Kelurahan Sesetan terlindungi"
COVERAGE = "Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"  # a percentage
BOOTH = "Booth BPJS Ketenagakerjaan di Pasar Malam Sesetan"


@pytest.fixture(autouse=True)
def _no_demo_events(app):
    """These tests start before the demo's events were recorded and its booth's registrations
    counted (tests/test_events_demo.py covers those)."""
    forget_demo_events(app)


def t(app, message: str, **values) -> str:
    return ui_text(app, message, **values)


def _ids(model, column, names) -> list[int]:
    return list(db.session.scalars(select(model.id).where(column.in_(names))))


def held_event(
    app,
    title: str = BOOTH,
    *,
    office: str = DENPASAR,
    partners=(SESETAN,),
    agreements=(RENEWAL,),
    commitments=(TARGET,),
    registrations: int | None = 150,
    hold: bool = True,
) -> int:
    """A booth in Sesetan on 14-16 November 2026 (all day, WITA), linked and recorded as held
    through the events domain's services, as its own pages do (test_events covers them)."""
    from partnerships.agreements.models import Agreement

    data = {
        "kind": "booth",
        "title": title,
        "starts_on": date(2026, 11, 14),
        "ends_on": date(2026, 11, 16),
        "all_day": True,
        "timezone": "Asia/Makassar",
        "venue": "Lapangan Banjar Kaja Sesetan",
        "region_code": "51.71.01.1003",
        "audience": ["informal_workers", "village_officials"],
        "planned_attendance": 250,
        "summary": "Pendaftaran peserta bukan penerima upah di stan pasar malam.",
    }
    with app.app_context(), acting_as("test"):
        event = services.create(
            db.session.scalar(select(Office).where(Office.name == office)), data, None
        )
        services.set_links(
            event,
            _ids(Partner, Partner.name, partners),
            _ids(Agreement, Agreement.title, agreements),
            _ids(Commitment, Commitment.title, commitments),
        )
        if hold:
            services.mark_held(
                event,
                {
                    "actual_attendance": 300,
                    "new_registrations": registrations,
                    "minutes": "Stan dibuka pukul 16.00 setiap hari.",
                },
            )
        db.session.commit()
        return event.id


def commitment_id(app, title: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Commitment.id).where(Commitment.title == title))
    assert found is not None, title
    return found


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ---- pictures made here, as cameras and attackers make them -----------------------------


def jpeg(width: int = 64, height: int = 32, orientation: int | None = None) -> bytes:
    """A photo whose left half is red and right half blue, with the camera's EXIF (its make,
    and the orientation it was held in)."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x010F] = "KameraUji"  # Make
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(out, "WEBP")
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A real PNG of width x height black pixels, one bit each: a few kilobytes that would
    decode to width x height bytes in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then the row's bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def upload(web, event_id: int, name: str, content: bytes, kind: str = "photo", **values):
    """Choose the kind and the file in the event page's form, press "Lampirkan"."""
    page = web.get(f"/events/{event_id}")
    return submit(
        page,
        action=f"/events/{event_id}/attachments",
        kind=kind,
        upload=("file", Upload(name, content)),
        **values,
    )


def rows(app, model) -> list:
    with app.app_context():
        found = db.session.scalars(select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return found


# ---- attachments --------------------------------------------------------------------------


def test_a_photo_gets_an_upright_thumbnail_without_metadata_and_shows_in_the_gallery(app):
    event = held_event(app)
    web = signed_in(app, "staff")
    original = jpeg(64, 32, orientation=6)  # held on its side: shown turned 90 degrees
    shown = follow(upload(web, event, "stan-hari-1.jpg", original, caption="Antrean pendaftaran"))
    assert t(app, "%(name)s attached.", name="stan-hari-1.jpg") in flashes(shown)
    [photo] = rows(app, EventAttachment)
    assert (photo.kind, photo.content_type, photo.caption) == (
        "photo",
        "image/jpeg",
        "Antrean pendaftaran",
    )
    assert photo.sha256 == hashlib.sha256(original).hexdigest()  # the original, as sent
    assert photo.stored_name != "stan-hari-1.jpg" and photo.thumbnail_stored_name
    gallery = shown.html.select_one("#attachments ~ .event-gallery img, .event-gallery img")
    assert gallery["alt"] == "Antrean pendaftaran"
    thumb = web.get(gallery["src"])
    assert thumb.content_type == "image/jpeg"
    picture = Image.open(io.BytesIO(thumb.body))
    assert picture.size == (32, 64)  # upright
    assert not picture.getexif() and b"KameraUji" not in thumb.body  # no camera metadata
    # turned clockwise: what was the left (red) half is now on top
    top, bottom = picture.getpixel((16, 4)), picture.getpixel((16, 60))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    download = web.get(shown.html.select_one(".event-gallery a")["href"])
    assert download.body == original
    assert download.headers["Content-Disposition"].startswith("attachment")
    # audited, under the event's office
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "EventAttachment", AuditEntry.object_id == str(photo.id)
            )
        )
        assert entry is not None and entry.action == "insert"


def test_webp_photos_and_pdf_attendance_lists_are_accepted(app):
    event = held_event(app)
    web = signed_in(app, "staff")
    follow(upload(web, event, "stan.webp", webp()))
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    shown = follow(upload(web, event, "daftar hadir.pdf", pdf, kind="attendance_list"))
    found = {a.original_name: a for a in rows(app, EventAttachment)}
    assert found["stan.webp"].content_type == "image/webp" and found["stan.webp"].kind == "photo"
    assert found["stan.webp"].thumbnail_stored_name
    assert found["daftar hadir.pdf"].thumbnail_stored_name is None
    assert "daftar hadir.pdf" in text(shown) and t(app, "Attendance list") in text(shown)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("photo.jpg", b"Bukan foto, hanya teks.\n" * 4, "photo"),  # a text file named .jpg
        ("foto.jpg", b"%PDF-1.4\n%%EOF\n", "photo"),  # a PDF is no photo, whatever its name
        ("rusak.jpg", jpeg()[:200], "photo"),  # a JPEG cut short: its pixels do not decode
        ("daftar.jpg", b"\xff\xd8\xff\xe0" + bytes(60), "attendance_list"),  # JPEG head only
    ],
)
def test_a_file_that_is_not_a_picture_is_refused_on_the_file_field(app, name, content, kind):
    event = held_event(app)
    web = signed_in(app, "staff")
    page = upload(web, event, name, content, kind=kind)
    assert page.status_int == 200  # the form again, with the error under the file field
    [error] = field_errors(page, "file")
    if name == "photo.jpg":
        assert error == t(
            app,
            "A photo must be a JPEG, PNG or WebP picture; this file is none of them, whatever "
            "its name says.",
        )
    assert rows(app, EventAttachment) == [] and stored_files(app) == []


@pytest.mark.parametrize(
    ("width", "height"),
    # past twice Pillow's limit; past the limit itself; past the 50 million pixels of the
    # default bound (an 86 KB grey PNG that took 170 MB to decode)
    [(20_000, 20_000), (11_000, 11_000), (9_400, 9_400)],
)
def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, width, height):
    bomb = png_bomb(width, height)
    assert len(bomb) < app.config["MAX_UPLOAD_BYTES"]  # small enough to arrive
    event = held_event(app)
    page = upload(signed_in(app, "staff"), event, "bom.png", bomb)
    [error] = field_errors(page, "file")
    assert "juta piksel" in error or "million pixels" in error
    assert rows(app, EventAttachment) == [] and stored_files(app) == []


def test_a_file_over_the_upload_limit_is_refused_with_the_limit_named(app):
    event = held_event(app)
    big = jpeg() + bytes(app.config["MAX_UPLOAD_BYTES"])
    page = upload(signed_in(app, "staff"), event, "besar.jpg", big)
    assert field_errors(page, "file") == [
        t(app, "The file is larger than %(size)s.", size="200 KB")
    ]
    assert rows(app, EventAttachment) == [] and stored_files(app) == []


@pytest.mark.app_config(IMAGE_MAX_DECODED_BYTES=64 * 32 * 3 - 1)
def test_a_png_is_bounded_by_the_memory_its_pixels_take_a_jpeg_is_not(app):
    event = held_event(app)
    web = signed_in(app, "staff")
    out = io.BytesIO()
    Image.new("RGB", (64, 32), "white").save(out, "PNG")
    page = upload(web, event, "layar.png", out.getvalue())
    assert field_errors(page, "file") == [
        t(app, "The picture is too large to process; send a smaller copy, or a JPEG.")
    ]
    follow(upload(web, event, "foto.jpg", jpeg(64, 32)))  # decoded at a reduced scale
    assert len(rows(app, EventAttachment)) == 1


@pytest.mark.app_config(IMAGE_MAX_PIXELS=1000)
def test_the_pixel_bound_is_a_setting(app):
    event = held_event(app)
    page = upload(signed_in(app, "staff"), event, "besar.jpg", jpeg(64, 32))
    assert field_errors(page, "file")  # 2.048 pixels > 1.000
    assert rows(app, EventAttachment) == []


def test_a_caption_with_a_line_break_is_refused_on_its_field(app):
    event = held_event(app)
    web = signed_in(app, "staff")
    page = web.get(f"/events/{event}")
    form = find_form(page, action=f"/events/{event}/attachments")
    form["kind"] = "photo"
    form["file"] = Upload("a.jpg", jpeg())
    form["caption"] = "baris\nkedua"
    refused = form.submit(expect_errors=True)
    assert field_errors(refused, "caption")
    assert rows(app, EventAttachment) == []


def test_removing_a_file_asks_first_and_keeps_it_in_the_record(app):
    event = held_event(app)
    web = signed_in(app, "staff")
    shown = follow(upload(web, event, "stan.jpg", jpeg()))
    [photo] = rows(app, EventAttachment)
    form = find_form(shown, action=f"/events/{event}/attachments/{photo.id}/delete")
    assert form.html.find("form").get("data-confirm")  # app.js asks before it posts
    page = follow(form.submit())
    assert t(app, "%(name)s removed.", name="stan.jpg") in flashes(page)
    assert page.html.select(".event-gallery img") == []
    [gone] = rows(app, EventAttachment)
    assert gone.is_deleted and len(stored_files(app)) == 2  # the files stay, as evidence
    assert web.get(f"/events/{event}/attachments/{photo.id}", expect_errors=True).status_int == 404


def test_partner_users_of_a_linked_partner_see_and_download_but_change_nothing(app):
    event = held_event(app, partners=(SESETAN, PEMKOT))
    follow(upload(signed_in(app, "staff"), event, "stan.jpg", jpeg()))
    [photo] = rows(app, EventAttachment)
    city = signed_in(app, "partner")  # the city's user: the city took part
    page = city.get(f"/events/{event}")
    assert page.html.select(".event-gallery img")
    assert not [f for f in page.forms.values() if "/attachments" in (f.action or "")]
    assert city.get(f"/events/{event}/attachments/{photo.id}").status_int == 200
    assert city.get(f"/events/{event}/attachments/{photo.id}/thumbnail").status_int == 200
    gianyar = signed_in(app, "partner_other")  # Gianyar's Disnaker did not
    for url in (
        f"/events/{event}",
        f"/events/{event}/attachments/{photo.id}",
        f"/events/{event}/attachments/{photo.id}/thumbnail",
    ):
        assert gianyar.get(url, expect_errors=True).status_int == 404
    # another event's id with this photo's: not found, whoever asks
    other = held_event(app, "Sosialisasi lain", partners=(PEMKOT,))
    staff = signed_in(app, "staff")
    assert (
        staff.get(f"/events/{other}/attachments/{photo.id}", expect_errors=True).status_int == 404
    )


def test_a_cancelled_event_takes_no_new_file(app):
    """The upload form was open when a colleague cancelled the event: submitting it is refused
    with the reason and stores nothing."""
    event = held_event(app, hold=False)
    web = signed_in(app, "staff")
    form = find_form(web.get(f"/events/{event}"), action=f"/events/{event}/attachments")
    with app.app_context(), acting_as("test"):
        services.cancel(db.session.get(Event, event), {"reason": "Hujan deras"})
        db.session.commit()
    form["kind"] = "photo"
    form["file"] = Upload("a.jpg", jpeg())
    refused = form.submit(expect_errors=True)
    assert refused.status_int == 200
    assert t(app, "A cancelled event is kept as it was.") in text(refused)
    assert rows(app, EventAttachment) == []


# ---- registrations counted towards a commitment -------------------------------------------


def count(web, event_id: int, commitment: int, registrations):
    page = web.get(f"/events/{event_id}")
    return submit(
        page,
        action=f"/events/{event_id}/contributions",
        commitment_id=commitment,
        registrations=registrations,
    )


def figures(app, commitment: int) -> list[RealisationFigure]:
    with app.app_context():
        found = db.session.scalars(
            select(RealisationFigure)
            .where(RealisationFigure.commitment_id == commitment)
            .order_by(RealisationFigure.period_end, RealisationFigure.id)
        ).all()
        db.session.expunge_all()
        return found


def test_registrations_become_a_figure_and_the_commitment_shows_where_it_came_from(app):
    event = held_event(app)
    target = commitment_id(app, TARGET)
    web = signed_in(app, "staff")
    before = web.get(f"/commitments/{target}")
    assert t(app, "From events") not in text(before)
    shown = follow(count(web, event, target, 120))
    assert t(app, "%(n)s registrations now count towards %(commitment)s.", n=120,
             commitment=TARGET) in flashes(shown)  # fmt: skip
    figure = figures(app, target)[-1]
    # a level: 2.040 (30 June 2026) + 120, dated the booth's last day, accepted, named after it
    assert (figure.period_end, figure.value, figure.status) == (
        date(2026, 11, 16),
        Decimal("2160.00"),
        FigureStatus.ACCEPTED,
    )
    assert figure.source == f"Kegiatan: {BOOTH} (16 November 2026)"
    assert figure.note == "120 peserta baru terdaftar pada kegiatan ini"
    [contribution] = rows(app, EventContribution)
    assert (contribution.registrations, contribution.figure_id, contribution.commitment_id) == (
        120,
        figure.id,
        target,
    )
    # the event page lists it, and what is left to count
    section = " ".join(shown.html.select_one("#outcomes").parent.get_text(" ").split())
    assert TARGET in section
    assert (
        t(
            app,
            "%(left)s of the event's %(total)s new registrations are not counted towards a "
            "commitment yet.",
            left="30",
            total="150",
        )
        in section
    )
    # the commitment's page: the figure, its progress from it, and the event it came from
    page = web.get(f"/commitments/{target}")
    words = text(page)
    assert t(app, "From events") in words
    link = page.html.select_one(f"a[href='/events/{event}']")
    assert link is not None and link.get_text(strip=True) == BOOTH
    assert t(app, "%(n)s new registrations", n="120") in words
    assert "2.160" in words  # the latest figure, in the status sentence and the table
    with app.app_context():
        commitment = db.session.get(Commitment, target)
        assert commitment.status_on is not None  # recomputed with the figure (signals)
    # audited: the contribution and the figure
    with app.app_context():
        kinds = set(
            db.session.scalars(
                select(AuditEntry.object_type).where(
                    AuditEntry.object_type.in_(["EventContribution", "RealisationFigure"]),
                    AuditEntry.action == "insert",
                )
            )
        )
        assert kinds == {"EventContribution", "RealisationFigure"}


def test_a_level_comes_from_the_figure_before_the_event_not_after(app):
    """Levels: a figure recorded after the event's last day stays as it is; the event's figure
    adds to the level on its own day."""
    target = commitment_id(app, TARGET)
    with app.app_context(), acting_as("test"):
        from partnerships.commitments import services as commitment_services

        commitment = db.session.get(Commitment, target)
        commitment_services.add_figure(
            commitment,
            {"period_end": date(2026, 10, 31), "value": 2100, "source": "Data"},
            None,
            None,
        )
        db.session.commit()
    event = held_event(app)
    follow(count(signed_in(app, "staff"), event, target, 50))
    assert [(f.period_end, f.value) for f in figures(app, target)][-2:] == [
        (date(2026, 10, 31), Decimal("2100.00")),
        (date(2026, 11, 16), Decimal("2150.00")),
    ]


def test_more_registrations_than_the_event_has_left_are_refused_on_their_field(app):
    event = held_event(app, registrations=100)
    target = commitment_id(app, TARGET)
    web = signed_in(app, "staff")
    page = count(web, event, target, 101)
    assert page.status_int == 200
    [error] = field_errors(page, "registrations")
    assert error == t(
        app,
        "Only %(left)s of the event's %(total)s new registrations are left to count "
        "(%(counted)s already count towards its commitments).",
        left=100,
        total=100,
        counted=0,
    )
    for bad in ("0", "-5"):
        assert field_errors(count(web, event, target, bad), "registrations")
    assert rows(app, EventContribution) == [] and len(figures(app, target)) == 4


def test_the_total_across_commitments_stays_within_the_event_s_registrations(app):
    event = held_event(app, registrations=100, commitments=(TARGET,))
    target = commitment_id(app, TARGET)
    with app.app_context(), acting_as("test"):
        staff = db.session.scalar(select(User).where(User.email == EMAILS["staff"]))
        outcomes.contribute(db.session.get(Event, event), target, 70, staff)
        db.session.commit()
        # a second commitment, of the village's first PKS, linked too
        found = db.session.get(Event, event)
        assert outcomes.remaining(found) == 30
        with pytest.raises(EventError) as refused:
            outcomes.contribute(found, target, 10, staff)  # already counted towards it
        assert refused.value.field == "commitment_id"


def test_refusals_name_what_is_wrong(app):
    target, old, coverage = (commitment_id(app, x) for x in (TARGET, OLD_TARGET, COVERAGE))
    held = held_event(
        app,
        partners=(SESETAN, PEMKOT),
        agreements=(RENEWAL, PKS_2016, MOU),
        commitments=(TARGET, OLD_TARGET, COVERAGE),
    )
    planned = held_event(app, "Booth yang belum berlangsung", hold=False)
    unlinked = held_event(app, "Booth tanpa komitmen", commitments=())
    with app.app_context(), acting_as("test"):
        staff = db.session.scalar(select(User).where(User.email == EMAILS["staff"]))

        def refusal(event_id, commitment, n=10):
            with pytest.raises(EventError) as refused:
                outcomes.contribute(db.session.get(Event, event_id), commitment, n, staff)
            db.session.rollback()
            return refused.value.field, str(refused.value)

        # not held yet
        field, message = refusal(planned, target)
        assert field is None and "held" in message.lower() + t(app, "held").lower()
        # not linked to the commitment
        assert refusal(unlinked, target)[0] == "commitment_id"
        # a percentage: registrations do not add to it
        field, message = refusal(held, coverage)
        assert field == "commitment_id" and message == t(
            app,
            "Registrations count only towards a target that counts people (participants, "
            "informal participants, non-ASN or vulnerable workers covered).",
        )
        # the commitments domain's own rule: outside the 2016 agreement's term
        field, message = refusal(held, old)
        assert field == "commitment_id" and "2019" in message
    assert rows(app, EventContribution) == []
    # the form offers only what may count; a tampered choice is refused on its field
    web = signed_in(app, "staff")
    page = web.get(f"/events/{held}")
    form = find_form(page, action=f"/events/{held}/contributions")
    offered = {value for value, _on, _label in form["commitment_id"].options if value != "None"}
    # neither the percentage nor the 2016 PKS's target (its term ended in 2019): the page
    # says why of each instead of letting the form refuse them
    assert offered == {str(target)}
    shown = text(page)
    assert t(app, "Linked but not offered:") in shown
    assert f"{COVERAGE}: {t(app, 'it does not count people')}" in shown
    outside = t(
        app,
        "the event's last day, %(day)s, is outside the agreement's term",
        day="16 November 2026",
    )
    assert f"{OLD_TARGET}: {outside}" in shown
    refused = submit_tampered(
        page,
        action=f"/events/{held}/contributions",
        commitment_id=coverage,  # no person could choose it: the select does not offer it
        registrations="5",
    )
    assert field_errors(refused, "commitment_id")
    # the planned event shows no form; posting one by hand is refused with the reason
    assert not [
        f for f in web.get(f"/events/{planned}").forms.values() if "contributions" in f.action
    ]
    client = hand_made(app, "staff")
    response = client.post(
        f"/events/{planned}/contributions",
        data={
            "csrf_token": csrf_token(client, f"/events/{planned}"),
            "commitment_id": str(target),
            "registrations": "5",
        },
    )
    assert response.status_code == 200
    assert rows(app, EventContribution) == []


def test_a_figure_in_a_month_that_has_one_follows_the_commitments_rule(app):
    """The commitments domain keeps one figure a month: an event in a month already reported
    is refused with its words, on the commitment field."""
    target = commitment_id(app, TARGET)
    with app.app_context(), acting_as("test"):
        from partnerships.commitments import services as commitment_services

        commitment_services.add_figure(
            db.session.get(Commitment, target),
            {"period_end": date(2026, 11, 20), "value": 2300, "source": "Data"},
            None,
            None,
        )
        db.session.commit()
    event = held_event(app)
    page = count(signed_in(app, "staff"), event, target, 10)
    [error] = field_errors(page, "commitment_id")
    assert "20 November 2026" in error or "20 Nov" in error
    assert rows(app, EventContribution) == []


def test_withdrawing_deletes_the_figure_and_frees_the_registrations(app):
    event = held_event(app)
    target = commitment_id(app, TARGET)
    web = signed_in(app, "staff")
    shown = follow(count(web, event, target, 120))
    [contribution] = rows(app, EventContribution)
    form = find_form(shown, action=f"/events/{event}/contributions/{contribution.id}/withdraw")
    assert form.html.find("form").get("data-confirm")
    page = follow(form.submit())
    assert t(app, "The registrations no longer count towards the commitment.") in flashes(page)
    [gone] = rows(app, EventContribution)
    assert gone.is_deleted
    assert figures(app, target)[-1].is_deleted
    assert t(app, "From events") not in text(web.get(f"/commitments/{target}"))
    # counted again, with another number: the same row comes back with a new figure
    follow(count(web, event, target, 100))
    [again] = rows(app, EventContribution)
    assert (again.id, again.is_deleted, again.registrations) == (contribution.id, False, 100)
    assert figures(app, target)[-1].value == Decimal("2140.00")


def test_counted_registrations_hold_the_event_s_record_until_withdrawn(app):
    """What counts towards a commitment stands on the event's registrations and its link: an
    edit to fewer registrations, or unlinking the commitment, is refused on its field and the
    figure stays, until the registrations are withdrawn."""
    event = held_event(app)  # 150 new registrations
    target = commitment_id(app, TARGET)
    web = signed_in(app, "staff")
    follow(count(web, event, target, 120))
    figure = figures(app, target)[-1]

    fewer = submit(
        web.get(f"/events/{event}/edit"), action=f"/events/{event}/edit", new_registrations="100"
    )
    assert field_errors(fewer, "new_registrations")
    again = submit(
        web.get(f"/events/{event}/held"), action=f"/events/{event}/held", new_registrations=""
    )
    assert field_errors(again, "new_registrations")
    with app.app_context():
        assert db.session.get(Event, event).new_registrations == 150

    unlinked = submit(
        web.get(f"/events/{event}/links"), action=f"/events/{event}/links", commitment_ids=[]
    )
    assert TARGET in " ".join(field_errors(unlinked, "commitment_ids"))
    assert [f.id for f in figures(app, target) if not f.is_deleted][-1] == figure.id
    with app.app_context():
        assert [c.id for c in db.session.get(Event, event).commitments] == [target]

    [contribution] = rows(app, EventContribution)
    shown = web.get(f"/events/{event}")
    follow(
        find_form(
            shown, action=f"/events/{event}/contributions/{contribution.id}/withdraw"
        ).submit()
    )
    done = follow(
        submit(
            web.get(f"/events/{event}/edit"),
            action=f"/events/{event}/edit",
            new_registrations="100",
        )
    )
    assert done.request.path == f"/events/{event}"  # saved: back on the event's page
    with app.app_context():
        assert db.session.get(Event, event).new_registrations == 100


def test_the_commitment_page_lists_only_events_the_reader_may_see(app):
    event = held_event(app)  # Sesetan only: the city's user does not see it
    target = commitment_id(app, TARGET)
    follow(count(signed_in(app, "staff"), event, target, 20))
    assert t(app, "From events") in text(signed_in(app, "auditor").get(f"/commitments/{target}"))
    assert t(app, "From events") in text(
        signed_in(app, "auditor_office").get(f"/commitments/{target}")
    )


def test_the_scorecard_counts_events_held_with_each_partner(app):
    def held_count(web, partner: int) -> str:
        row = web.get("/scorecard?sort=name").html.select_one(f"tr[data-partner='{partner}']")
        if row is None:  # on a later page
            page = web.get("/scorecard?sort=name")
            while row is None:
                nxt = page.html.select_one("a.page-link[href*='after=']")
                page = web.get(nxt["href"])
                row = page.html.select_one(f"tr[data-partner='{partner}']")
        return row.select("td")[4].get_text(strip=True)

    with app.app_context():
        sesetan = db.session.scalar(select(Partner.id).where(Partner.name == SESETAN))
    admin = signed_in(app, "admin")
    assert held_count(admin, sesetan) == "0"
    held_event(app)
    held_event(app, "Sosialisasi kedua")
    held_event(app, "Masih direncanakan", hold=False)  # planned: not counted
    assert held_count(admin, sesetan) == "2"
    with app.app_context():
        assert outcomes.held_by_partner()[sesetan] == 2
        assert db.session.scalar(select(func.count()).where(Event.is_deleted.is_(False))) == 3


# ---- who may reach what -------------------------------------------------------------------

ROLES = [
    "anonymous",
    "admin",
    "staff",
    "manager",
    "partner",  # the city's user: the city took part in the event
    "partner_other",  # Gianyar's Disnaker: it did not
    "auditor",
    "auditor_office",
    "staff_other",  # the Gianyar branch: not its event
]
ROUTES = {
    # endpoint: (request, statuses in the order of ROLES); L = sent to log in
    "events.attachments_page": (
        "GET /events/{event}/attachments",
        "L 200 200 200 403 403 403 403 404",
    ),
    "events.attachment": (
        "GET /events/{event}/attachments/{photo}",
        "L 200 200 200 200 404 200 200 404",
    ),
    "events.attachment_thumbnail": (
        "GET /events/{event}/attachments/{photo}/thumbnail",
        "L 200 200 200 200 404 200 200 404",
    ),
    "events.contributions": (
        "GET /events/{event}/contributions",
        "L 200 200 200 403 403 403 403 404",
    ),
    "events.minutes": (
        "GET /events/{event}/minutes/{minutes}",
        "L 200 200 200 200 404 200 200 404",
    ),
    # an empty form posted: the page again, saying what is missing
    "events.attachments_page#post": (
        "POST /events/{event}/attachments",
        "L 200 200 200 403 403 403 403 404",
    ),
    "events.contributions#post": (
        "POST /events/{event}/contributions",
        "L 200 200 200 403 403 403 403 404",
    ),
    # done, and back to the event
    "events.minutes_issue": (
        "POST /events/{event}/minutes",
        "L 302 302 302 403 403 403 403 404",
    ),
    "events.contribution_withdraw": (
        "POST /events/{event}/contributions/{contribution}/withdraw",
        "L 302 302 302 403 403 403 403 404",
    ),
    "events.attachment_delete": (
        "POST /events/{event}/attachments/{photo}/delete",
        "L 302 302 302 403 403 403 403 404",
    ),
}


def test_every_records_route_is_in_the_matrix(app):
    endpoints = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if app.view_functions[r.endpoint].__module__ == "partnerships.events.records"
    }
    assert endpoints == {key.split("#")[0] for key in ROUTES}


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(app, role):
    event = held_event(app, partners=(SESETAN, PEMKOT))
    staff = signed_in(app, "staff")
    follow(upload(staff, event, "stan.jpg", jpeg()))
    follow(count(staff, event, commitment_id(app, TARGET), 10))
    follow(submit(staff.get(f"/events/{event}"), action=f"/events/{event}/minutes"))
    with app.app_context():
        from partnerships.documents.models import Document

        ids = {
            "event": event,
            "photo": db.session.scalar(select(EventAttachment.id)),
            "contribution": db.session.scalar(select(EventContribution.id)),
            "minutes": db.session.scalar(
                select(Document.id).where(Document.kind == "event_minutes")
            ),
        }
    assert all(ids.values()), ids
    routes = [(endpoint, *row) for endpoint, row in ROUTES.items()]
    assert matrix_misses(app, role, ROLES.index(role), routes, ids) == []
