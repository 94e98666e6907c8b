"""Progress letters through the pages: issued from the partner page (the form as rendered), read
back out of the PDF for the conventions of a surat dinas, asked for again (the same letter, no
second number), refused with every reason when there is nothing to report or nobody to address
or sign, downloaded by the partner's own users only, listed page by page; the letter's data is
plain and costs the same few queries however many commitments it reports."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from partnerships.audit.services import acting_as
from partnerships.commitments import chart, letters
from partnerships.commitments.models import ProgressLetter
from partnerships.commitments.status import Point, assess_budget
from partnerships.core.formatting import long_date
from partnerships.documents.models import DocKind, Document
from partnerships.extensions import db
from partnerships.numbering.models import IssuedNumber
from partnerships.organisations import services as orgs
from partnerships.organisations.models import Office, Partner
from tests.conftest import OFFICE_DAY, post
from tests.helpers import counted_statements, forget_demo_letters, id_of
from tests.web import flashes, follow, hand_made, signed_in, submit, text, ui_text


@pytest.fixture(autouse=True)
def _no_letters_yet(app):
    """The demo wrote October's letters; these tests write them themselves."""
    forget_demo_letters(app)


SESETAN = "Kelurahan Sesetan"
DISNAKER = "Dinas Tenaga Kerja Kabupaten Gianyar"
PEMKOT = "Pemerintah Kota Denpasar"
KEJAKSAAN = "Kejaksaan Negeri Denpasar"
BPMD = "Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah"


def pdf_text(data: bytes) -> str:
    """The words of every page, whitespace collapsed; a number broken after a slash at the end
    of a line ("001/ PKS/DPS") is joined again."""
    reader = PdfReader(io.BytesIO(data))
    words = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    return re.sub(r"/ ", "/", words)


def month_label(app, key: str) -> str:
    with app.test_request_context():
        return letters.parse_period(key).label


def issue_from_partner_page(web, partner_id: int, period: str):
    """Open the partner page, fill the letter form's month, press its button; the page after."""
    page = web.get(f"/partners/{partner_id}")
    response = submit(page, action=f"/partners/{partner_id}/letters", period=period)
    assert response.status_int == 302, response.status
    return follow(response)


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(ProgressLetter)),
            db.session.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.kind == DocKind.PROGRESS_LETTER)
            ),
            db.session.scalar(
                select(func.count())
                .select_from(IssuedNumber)
                .where(IssuedNumber.doc_type == "letter")
            ),
        )


def test_a_letter_from_the_partner_page_reads_as_a_surat_dinas(app):
    sesetan = id_of(app, Partner, SESETAN)
    staff = signed_in(app, "staff")
    page = issue_from_partner_page(staff, sesetan, "2026-10")
    number = "B/1/DPS/112026"  # the branch's first letter of November 2026
    assert flashes(page)[0] == ui_text(
        app,
        "Letter %(number)s for %(period)s issued.",
        number=number,
        period=month_label(app, "2026-10"),
    )
    link = page.html.select_one("#letters a[href$='/download']")
    download = staff.get(link["href"])
    assert download.content_type == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert (
        "surat-perkembangan-2026-10-kelurahan-sesetan.pdf"
        in download.headers["Content-Disposition"]
    )
    words = pdf_text(download.body)
    for expected in (
        "BPJS KETENAGAKERJAAN",
        "KANTOR CABANG BALI DENPASAR",  # the letterhead
        f"Nomor : {number}",
        "Sifat : Biasa",
        "Lampiran : 1 (satu) berkas",  # the charts' annex
        "Hal : Laporan Perkembangan Pelaksanaan Komitmen Kerja Sama Periode Oktober 2026",
        "Denpasar, 30 November 2026",  # place and date
        "Yth. Lurah Sesetan Ketut Sri Karyawati Kelurahan Sesetan di Denpasar",
        "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan Nomor 001/PKS/DPS/II/2024",
        "sampai dengan 31 Oktober 2026",
        "Peserta bukan penerima upah di Kelurahan Sesetan menjadi 2.600",
        "2.040 per 30 Juni 2026",  # the latest accepted figure, Babel's id_ID digits
        "Tertinggal",  # behind: 2.040 where the straight line expects 2.547
        "Kepala Kantor Cabang",
        "Mohamad Irfan NPK I0219",  # the office head's signature block
        "Tembusan: 1. Kepala Kantor Wilayah Bali, Nusa Tenggara dan Papua 2. Pemerintah Kota "
        "Denpasar 3. Arsip",
        "Seharusnya menurut garis lurus 2.547 per 31 Oktober 2026",  # the annex
        "5 Februari 2024",  # the chart's time axis, from the baseline ...
        "4 Februari 2027",  # ... to the due date
    ):
        assert expected in words, expected
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.number == number))
        assert (document.kind, document.subject_type, document.subject_id) == (
            DocKind.PROGRESS_LETTER,
            "Partner",
            sesetan,
        )
        assert (document.period, document.issued_on, document.sealed) == (
            "2026-10",
            OFFICE_DAY,
            True,
        )
        issued = db.session.scalar(select(IssuedNumber).where(IssuedNumber.text == number))
        letter = db.session.scalar(select(ProgressLetter))
        assert (issued.subject_type, issued.subject_id) == ("ProgressLetter", letter.id)


def test_asking_again_gives_the_same_letter_and_draws_no_number(app):
    sesetan = id_of(app, Partner, SESETAN)
    staff = signed_in(app, "staff")
    issue_from_partner_page(staff, sesetan, "2026-10")
    before = counts(app)
    assert before == (1, 1, 1)
    manager = signed_in(app, "manager")
    page = issue_from_partner_page(manager, sesetan, "2026-10")
    assert flashes(page)[0] == ui_text(
        app,
        "The letter for %(period)s was already issued as %(number)s: here it is again.",
        period=month_label(app, "2026-10"),
        number="B/1/DPS/112026",
    )
    assert counts(app) == before
    # another month is another letter, with the next number
    issue_from_partner_page(manager, sesetan, "2026-09")
    assert counts(app) == (2, 2, 2)
    with app.app_context():
        assert (
            db.session.scalar(
                select(ProgressLetter.number).where(ProgressLetter.period == "2026-09")
            )
            == "B/2/DPS/112026"
        )


def today_text(app) -> str:
    with app.test_request_context():
        return long_date(OFFICE_DAY)


def test_refusals_say_what_is_missing_and_draw_no_number(app):
    staff = signed_in(app, "staff")
    kejaksaan, pemkot = id_of(app, Partner, KEJAKSAAN), id_of(app, Partner, PEMKOT)
    page = issue_from_partner_page(staff, kejaksaan, "2026-10")
    assert flashes(page) == [
        ui_text(
            app,
            "%(partner)s has nothing to report for %(period)s: none of its commitments comes "
            "from an agreement in force that month.",
            partner=KEJAKSAAN,
            period=month_label(app, "2026-10"),
        ),
        # and every other reason with it: the prosecutor's office has no official recorded
        ui_text(
            app,
            "Nobody is recorded in office at %(partner)s on %(day)s to address the letter to: "
            "record its head under Officials.",
            partner=KEJAKSAAN,
            day=today_text(app),
        ),
    ]
    # the city's MoU was in force in June 2020, but nobody of the city is in office today
    page = issue_from_partner_page(staff, pemkot, "2020-06")
    assert flashes(page) == [
        ui_text(
            app,
            "Nobody is recorded in office at %(partner)s on %(day)s to address the letter to: "
            "record its head under Officials.",
            partner=PEMKOT,
            day=today_text(app),
        )
    ]
    # a month that has not begun, and one that is no month (typed into a browser without a
    # month picker)
    page = issue_from_partner_page(staff, pemkot, "2027-01")
    assert flashes(page) == [ui_text(app, "A letter reports on a month that has begun.")]
    page = issue_from_partner_page(staff, pemkot, "2026-13")
    assert flashes(page) == [ui_text(app, "Not a valid date value.")]
    assert counts(app) == (0, 0, 0)


def test_every_reason_at_once_office_head_too(app):
    """Kalimantan Tengah's agency in 2018: its head left in 2019, and so did the Kanwil's."""
    admin = signed_in(app, "admin")
    bpmd = id_of(app, Partner, BPMD)
    page = issue_from_partner_page(admin, bpmd, "2018-06")
    today = today_text(app)
    assert flashes(page) == [
        ui_text(
            app,
            "Nobody is recorded in office at %(partner)s on %(day)s to address the letter to: "
            "record its head under Officials.",
            partner=BPMD,
            day=today,
        ),
        ui_text(
            app,
            "Nobody is recorded in office at %(office)s on %(day)s to sign the letter: record "
            "the office's head under Officials.",
            office="Kantor Wilayah Kalimantan",
            day=today,
        ),
    ]
    assert counts(app) == (0, 0, 0)


def test_a_new_head_is_addressed_and_the_signatory_of_the_agreement_preferred(app):
    """The city's Wali Kota, recorded today, is whom the 2020 letter goes to; among two people
    in office the one with a head's title is chosen over a secretary."""
    pemkot = id_of(app, Partner, PEMKOT)
    with app.app_context(), acting_as("test"):
        partner = db.session.get(Partner, pemkot)
        for name, title in (
            ("Contoh Sekretaris", "Sekretaris Daerah Kota Denpasar"),
            ("Contoh Wali Kota", "Wali Kota Denpasar"),
        ):
            orgs.save_official(
                None,
                {"name": name, "title": title, "tenure_start": date(2021, 2, 26)},
                owner=partner,
            )
        db.session.commit()
    staff = signed_in(app, "staff")
    page = issue_from_partner_page(staff, pemkot, "2020-06")
    download = staff.get(page.html.select_one("#letters a[href$='/download']")["href"])
    words = pdf_text(download.body)
    assert "Yth. Wali Kota Denpasar Contoh Wali Kota Pemerintah Kota Denpasar di Denpasar" in words
    # both the MoU's targets of 2016 and 2017, lapsed without reaching them
    assert words.count("Tidak tercapai") == 4  # in the table and in the annex, each


def test_partner_users_read_only_their_own_letters(app):
    sesetan, disnaker = id_of(app, Partner, SESETAN), id_of(app, Partner, DISNAKER)
    issue_from_partner_page(signed_in(app, "staff"), sesetan, "2026-10")
    issue_from_partner_page(signed_in(app, "staff_other"), disnaker, "2026-10")
    with app.app_context():
        mine, theirs = (
            db.session.scalar(select(ProgressLetter.id).where(ProgressLetter.partner_id == p))
            for p in (disnaker, sesetan)
        )
    partner = signed_in(app, "partner_other")  # Disnaker Gianyar's user
    listing = partner.get("/letters")
    links = [a["href"] for a in listing.html.select("main a[href$='/download']")]
    assert links == [f"/letters/{mine}/download"]
    assert "B/1/GNR/112026" in text(listing)
    assert partner.get(f"/letters/{mine}/download").content_type == "application/pdf"
    assert partner.get(f"/letters/{theirs}/download", expect_errors=True).status_int == 404
    own_page = partner.get(f"/partners/{disnaker}")
    assert own_page.html.select_one("#letters form") is None  # partners do not issue letters
    assert own_page.html.select_one("#letters a[href$='/download']") is not None
    # the Gianyar branch's staff see Gianyar's letters, not Denpasar's
    other = signed_in(app, "staff_other")
    assert [a["href"] for a in other.get("/letters").html.select("main a[href$='/download']")] == [
        f"/letters/{mine}/download"
    ]
    assert other.get(f"/letters/{theirs}/download", expect_errors=True).status_int == 404


@pytest.mark.parametrize("who", ["staff_other", "partner"])
def test_only_the_partners_own_office_issues_its_letters(app, who):
    """Gianyar's staff see no form on Sesetan's page, and a hand-made POST from them or a
    partner user is refused without a letter."""
    sesetan = id_of(app, Partner, SESETAN)
    if who == "staff_other":  # a partner user does not see another partner's page at all
        page = signed_in(app, who).get(f"/partners/{sesetan}")
        assert page.html.select_one("#letters form") is None
    client = hand_made(app, who)
    response = post(client, f"/partners/{sesetan}/letters", {"period": "2026-10"})
    assert response.status_code == 403
    assert counts(app) == (0, 0, 0)


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
def test_the_list_of_letters_goes_page_by_page_and_filters(app):
    sesetan = id_of(app, Partner, SESETAN)
    with app.test_request_context(), acting_as("test"):
        partner = db.session.get(Partner, sesetan)
        for month in range(4, 11):  # April to October 2026: seven letters
            letters.issue_letter(partner, letters.parse_period(f"2026-{month:02d}"), OFFICE_DAY)
        db.session.commit()
    staff = signed_in(app, "staff")
    first = staff.get("/letters")
    rows = first.html.select("#letter-list tbody tr")
    assert len(rows) == 5  # PAGE_SIZE in the tests
    assert month_label(app, "2026-10") in rows[0].get_text()  # the newest first
    following = staff.get(first.html.select_one("a.page-link[href*='after=']")["href"])
    assert len(following.html.select("#letter-list tbody tr")) == 2
    filtered = staff.get("/letters", {"period": "2026-07"})
    assert [
        td.get_text(strip=True) for td in filtered.html.select("#letter-list td:nth-of-type(2)")
    ] == [month_label(app, "2026-07")]
    # the partner page shows the latest and links to the rest
    page = staff.get(f"/partners/{sesetan}")
    assert len(page.html.select("#letters tbody tr")) == 7


def _plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | Decimal | date | bool)


def test_the_letters_data_is_plain_and_costs_the_same_queries_for_five_commitments_or_one(app):
    """The template gets dicts, lists, strings, numbers and dates, never a row; Disnaker
    Gianyar's letter (five commitments, four charts) reads as many statements as Sesetan's (one)."""
    with app.test_request_context(), acting_as("test"):
        reserved = {}
        for name in (SESETAN, DISNAKER):
            partner = db.session.scalar(select(Partner).where(Partner.name == name))
            reserved[name] = letters.reserve(partner, letters.parse_period("2026-10"), OFFICE_DAY)
        db.session.commit()
        ids = {name: letter.id for name, letter in reserved.items()}
    spent = {}
    for name, letter_id in ids.items():
        with app.test_request_context():
            letter = db.session.get(ProgressLetter, letter_id)
            with counted_statements(app) as seen:
                data = letters.letter_data(letter)
            spent[name] = len(seen)
            assert _plain(data)
            assert len(data["commitments"]) == (1 if name == SESETAN else 5)
    assert spent[SESETAN] == spent[DISNAKER], spent


def test_the_charts_value_labels_fit_in_its_left_margin():
    """'Rp2.580.480.000,00' is wider than the default margin: the margin grows to hold it."""
    found = assess_budget(
        2_580_480_000, 2026, [Point(date(2026, 9, 30), 1_935_360_000.0)], OFFICE_DAY
    )
    drawn = chart.draw(found, [Point(date(2026, 9, 30), 1_935_360_000.0)], lambda v: f"Rp{v:,.2f}")
    assert drawn.high_label == "Rp2,580,480,000.00"
    assert drawn.left - chart.LABEL_GAP >= len(drawn.high_label) * chart.CHAR_WIDTH
    assert drawn.line[0][0] == drawn.left  # the plot starts at the axis
    plain = chart.draw(found, [])
    assert plain.left == chart.LEFT


def test_an_office_with_a_letter_pattern_numbers_by_it(app):
    """A pattern kept on /numbering for letters is what the letter's Nomor follows."""
    from partnerships.numbering.models import NumberPattern

    with app.app_context(), acting_as("test"):
        office = db.session.scalar(select(Office).where(Office.code == "DPS"))
        db.session.add(
            NumberPattern(office_id=office.id, doc_type="letter", pattern="B/{seq}/{office}/{year}")
        )
        db.session.commit()
    page = issue_from_partner_page(signed_in(app, "staff"), id_of(app, Partner, SESETAN), "2026-10")
    assert re.search(r"B/1/DPS/2026\b", " ".join(flashes(page)))


def test_a_worker_rehearses_the_latest_letter_sealed_and_keeps_nothing(app, tmp_path):
    """A bulk-letter worker's warm-up writes the latest letter again, sealed by its office,
    and keeps none of it: no document, number, letter, audit entry or stored file."""
    from partnerships.audit.models import AuditEntry
    from partnerships.documents import certificates
    from tests.pdf_tools import pyhanko_statuses

    def rows() -> tuple:
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Document, IssuedNumber, ProgressLetter, AuditEntry)
        )

    with app.test_request_context(), acting_as("test"):
        assert letters.rehearse() is None  # nothing written yet: nothing to rehearse
        partner = db.session.scalar(select(Partner).where(Partner.name == SESETAN))
        latest = letters.issue_letter(partner, letters.parse_period("2026-10"), OFFICE_DAY)
        db.session.commit()
        before, files = rows(), sorted(tmp_path.rglob("*"))
        pdf = letters.rehearse()
        assert not (db.session.new or db.session.dirty or db.session.deleted)
        db.session.commit()
        assert rows() == before and sorted(tmp_path.rglob("*")) == files
        [status] = pyhanko_statuses(pdf, certificates.cert_dir() / "ca.pem")
        assert status.intact and status.valid and status.trusted
        assert latest.number in pdf_text(pdf) and SESETAN in pdf_text(pdf)
