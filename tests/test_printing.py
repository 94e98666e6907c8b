"""The agreement as a PDF (agreements/printing.py, pdf_templates/agreement.html): every kind of
the demo printed and its text read back with pypdf for the conventions of DOMAIN.md (title in
capitals, one Nomor per party, the opening in words with the place, PIHAK KESATU/KEDUA with
name, jabatan and NIP/NPK, recitals citing the parent, Pasal by Pasal, amounts in figures and
words, the stamp-duty boxes, "Halaman x dari y", the running header, DRAF only on drafts);
refusals that list what is missing; the route for every role, and through the page."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import gettext
from pypdf import PdfReader
from sqlalchemy import select

from partnerships.agreements import drafting, printing, queries, review, workflow
from partnerships.agreements.models import Agreement
from partnerships.audit.services import acting_as
from partnerships.auth.models import User
from partnerships.core import mail
from partnerships.core.formatting import opening_id, rupiah_id, rupiah_words_id
from partnerships.documents import rendering
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import OFFICE_DAY, login
from tests.helpers import id_of
from tests.test_drafting import MOU_TITLE, SESETAN_PKS, SESETAN_RENEWAL
from tests.web import find_form, flashes, follow, signed_in, submit

TABANAN = "Perjanjian Kerja Sama Perlindungan Tenaga Kerja Non ASN Kabupaten Tabanan"
GIANYAR = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_ADDENDUM = f"Addendum {GIANYAR}"
KALTENG = (
    "Perjanjian Kerja Sama Optimalisasi Penyelenggaraan Jaminan Sosial melalui PTSP dan PATEN "
    "di Provinsi Kalimantan Tengah"
)
CITY_RENEWAL = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
VILLAGE_DRAFT = (
    "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Dangin Puri Kangin"
)
DISNAKER_NUMBER = "500.15.15.1/88/Disnaker/2026"
PLAIN = (dict, list, str, int, Decimal, date, type(None))  # bool is an int


def pages_of(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def flat(text: str) -> str:
    """The text as one line: justified lines and line breaks read as single spaces (a line
    broken after the hyphen of "perundang-undangan" joined again)."""
    return " ".join(re.sub(r"-[ \t]*\n", "-", text).split())


# What every page repeats around the text: the page number, the running header, the watermark,
# and the list markers pypdf reads apart from their items.
FURNITURE = re.compile(r"^(Halaman \d+ dari \d+|.* · Nomor: .*|DRAF|\d+\. ?|[a-z]\. ?)$")


def body_of(pages: list[str]) -> str:
    """The running text of the document, across page breaks, as one line."""
    lines = [line for page in pages for line in page.splitlines()]
    return flat("\n".join(line for line in lines if not FURNITURE.match(line.strip())))


def assert_plain(value, where="data") -> None:
    assert isinstance(value, PLAIN), f"{where} is a {type(value)}"
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), where
            assert_plain(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_plain(item, f"{where}[{index}]")


def get(title: str) -> Agreement:
    return db.session.scalar(select(Agreement).where(Agreement.title == title))


def printed(app, title: str, on: date | None = None) -> tuple[dict, list[str], dict]:
    """(the template's data, the text of each page, what the test compares it with)."""
    with app.test_request_context():
        agreement = get(title)
        content = printing.agreement_pdf(agreement, on=on)
        data = printing.agreement_data(agreement, on=on)
        version = queries.latest_version(agreement)
        expected = {
            "articles": [a["heading"] for a in version.articles],
            "numbers": [p.number for p in agreement.parties],
            "signatories": [
                (p.signatory.name, p.signatory.title, p.signatory.identifier)
                for p in agreement.parties
            ],
        }
    return data, pages_of(content), expected


def give_number(app, title: str, who: str, number: str) -> None:
    """The partner's own number typed on the parties page, as the office does."""
    web = signed_in(app, who)
    page = web.get(f"/agreements/{id_of(app, Agreement, title)}/parties")
    response = submit(page, button="Simpan", number_2=number)
    assert response.status_int == 302, flashes(follow(response))


def appoint(app, partner: str, name: str, title: str, nip: str = "") -> None:
    """An official of the partner in office since 2021, added on the partner page."""
    web = signed_in(app, "staff")
    page = web.get(f"/partners/{id_of(app, Partner, partner)}").click(description="Tambah pejabat")
    response = submit(
        page,
        button="Simpan",
        name=name,
        title=title,
        identifier_kind="NIP" if nip else "",
        identifier=nip,
        tenure_start="2021-02-26",
    )
    assert response.status_int == 302, flashes(response)


def choose_signatories(app, title: str, who: str = "staff") -> None:
    """The officials in office today chosen on the parties page, as the drafter does."""
    if title == CITY_RENEWAL:  # the city's signatory of 2016 left office in 2019
        appoint(app, "Pemerintah Kota Denpasar", "I Gusti Ngurah Jaya Negara", "Wali Kota Denpasar")
    if title == VILLAGE_DRAFT:  # the demo has no official of the village yet
        appoint(
            app,
            "Desa Dangin Puri Kangin",
            "I Made Contoh Wirawan",
            "Perbekel Dangin Puri Kangin",
            "197803152006041012",
        )
    web = signed_in(app, who)
    page = web.get(f"/agreements/{id_of(app, Agreement, title)}/parties")
    form = find_form(page, button="Simpan")
    values = {
        name: next(v for v, _on, label in form[name].options if label.endswith("sekarang)"))
        for name in form.fields
        if name and name.startswith("signatory_")
    }
    response = submit(page, button="Simpan", **values)
    assert response.status_int == 302, flashes(follow(response))


# ---- every kind, read back ----------------------------------------------------------------

KINDS = {
    # title: (document heading, what its recitals cite, parties)
    MOU_TITLE: ("KESEPAKATAN BERSAMA ANTARA", None, 2),
    SESETAN_PKS: ("PERJANJIAN KERJA SAMA ANTARA", "implements", 2),
    SESETAN_RENEWAL: ("PERJANJIAN KERJA SAMA ANTARA", "renews", 2),
    GIANYAR: ("PERJANJIAN KERJA SAMA ANTARA", None, 2),
    GIANYAR_ADDENDUM: ("ADDENDUM PERTAMA PERJANJIAN KERJA SAMA ANTARA", "amends", 2),
    KALTENG: ("PERJANJIAN KERJA SAMA ANTARA", None, 3),
}


@pytest.mark.parametrize("title", list(KINDS))
def test_every_kind_prints_with_the_conventions(app, title):
    heading, cites, count = KINDS[title]
    on = None
    if title == GIANYAR_ADDENDUM:  # sent for signature without the Disnaker's own number
        give_number(app, title, "staff_other", DISNAKER_NUMBER)
        on = date(2026, 12, 1)  # not signed yet: the day named when printing
    data, pages, expected = printed(app, title, on)
    assert_plain(data)
    whole = flat("\n".join(pages))
    first = pages[0]

    # the title, in capitals, as the first thing on the page
    assert data["title"] == data["title"].upper()
    assert data["title"].startswith(heading)
    assert " DENGAN " in data["title"] and " TENTANG " in data["title"]
    assert flat(first).startswith(data["title"])

    # one "Nomor:" per party, each party's own number, on the first page
    assert len(expected["numbers"]) == count and all(expected["numbers"])
    block = flat(first).removeprefix(data["title"]).split("Pada hari ini")[0]
    assert re.findall(r"Nomor: (\S+)", block) == expected["numbers"]
    assert block.strip() == " ".join(f"Nomor: {n}" for n in expected["numbers"])

    # the opening in words with the place; the parties; PARA PIHAK
    signed_on = data["signed_on"]
    assert f"{opening_id(signed_on)}, bertempat di {data['place']}" in whole
    roles = ["PIHAK KESATU", "PIHAK KEDUA", "PIHAK KETIGA"][:count]
    for role, (name, position, identifier) in zip(roles, expected["signatories"], strict=True):
        assert f"selanjutnya disebut {role}." in whole
        assert f"Nama : {name}" in whole
        assert f"Jabatan : {flat(position)}" in whole
        if identifier:
            assert re.search(rf"(NIP|NPK) : {identifier}", whole)
    assert "disebut PARA PIHAK" in whole
    assert "PIHAK KEEMPAT" not in whole and ("PIHAK KETIGA" in whole) == (count == 3)

    # the parent cited in the recitals
    if cites is None:
        assert data["citation"] is None
    else:
        assert data["citation"]["relation"] == cites
        assert flat(data["citation"]["text"]) in whole

    # the articles as Pasal, numbered in order, each with its heading
    found = [int(n) for n in re.findall(r"^Pasal (\d+)$", "\n".join(pages), re.MULTILINE)]
    headings = expected["articles"]
    assert found[: len(headings)] == list(range(1, len(headings) + 1))
    for number, article in enumerate(headings, start=1):
        assert f"Pasal {number} {article}" in whole

    # signature blocks: a stamp-duty box per party (the closing article says "bermeterai")
    assert data["meterai"] is True
    assert whole.count("METERAI Rp10.000") == count

    # every page numbered "Halaman x dari y"; the numbers in the running header from page 2
    total = len(pages)
    for index, page in enumerate(pages, start=1):
        assert f"Halaman {index} dari {total}" in page
        if index > 1:
            assert all(f"Nomor: {n}" in page for n in expected["numbers"]), index
    assert "DRAF" not in whole  # final: approved or later


def test_a_budget_is_printed_in_figures_and_words(app):
    data, pages, _expected = printed(app, GIANYAR)
    whole = flat("\n".join(pages))
    amounts = sorted(line["amount"] for line in data["budget"])
    assert amounts == [6400 * 16800 * 6, 12800 * 16800 * 12]  # the demo's two budget lines
    for amount in amounts:
        assert rupiah_id(amount) in whole
        assert f"Terbilang: {rupiah_words_id(amount)}" in whole
    assert "Rp2.580.480.000,00" in whole
    assert "dua miliar lima ratus delapan puluh juta empat ratus delapan puluh ribu rupiah" in whole
    assert "LAMPIRAN" in pages[-1] and "RINCIAN PEMBIAYAAN" in pages[-1]
    # an MoU sets no budget: no annex
    data, pages, _expected = printed(app, MOU_TITLE)
    assert data["budget"] == [] and "LAMPIRAN" not in flat("\n".join(pages))


def test_the_mou_opens_as_the_story_did(app):
    _data, pages, _expected = printed(app, MOU_TITLE)
    assert (
        "Pada hari ini Selasa tanggal dua puluh dua bulan Maret tahun dua ribu enam belas, "
        "bertempat di Denpasar, kami yang bertanda tangan di bawah ini:"
    ) in flat(pages[0])


# ---- drafts and the frozen text -----------------------------------------------------------


def test_a_draft_prints_with_draf_on_every_page_then_final_from_the_frozen_text(app):
    choose_signatories(app, CITY_RENEWAL)  # in review: signatories may still be chosen
    data, pages, _expected = printed(app, CITY_RENEWAL, on=OFFICE_DAY)
    assert data["draft"] is True and data["numbered"] is False
    assert all("DRAF" in page for page in pages)
    assert f"DRAF versi {data['version']}" in flat(pages[1])
    # not numbered yet: the lines are there to be filled in
    block = flat(pages[0]).removeprefix(data["title"]).split("Pada hari ini")[0]
    assert re.fullmatch(r"(Nomor: \.+ ?){2}", block.strip()), block
    assert f"{opening_id(OFFICE_DAY)}, bertempat di Denpasar" in flat(pages[0])

    with app.test_request_context(), acting_as("test"), mail.quiet():
        agreement = get(CITY_RENEWAL)
        text = [dict(a) for a in queries.latest_version(agreement).articles]
        manager = db.session.scalar(
            select(User).where(User.email == "manajer.denpasar@kemitraan.test")
        )
        for threads in review.threads(agreement).values():
            for thread in threads:
                review.resolve_comment(thread.comment, manager)
        workflow.transition(agreement, "approve", manager)
        db.session.commit()
    data, pages, _expected = printed(app, CITY_RENEWAL, on=OFFICE_DAY)
    assert data["draft"] is False
    assert not any("DRAF" in page for page in pages)
    whole = body_of(pages)
    for article in text:  # the approved text, word for word
        for line in article["body"].splitlines():
            assert flat(line) in whole


def test_a_draft_may_show_dots_to_fill_but_never_template_syntax(app):
    choose_signatories(app, VILLAGE_DRAFT)
    with app.test_request_context(), acting_as("test"):
        agreement = get(VILLAGE_DRAFT)
        articles = [dict(a) for a in queries.latest_version(agreement).articles]
        articles[1]["body"] += " Ditetapkan pada tanggal ...."
        drafting.add_version(agreement, articles, None, "dots")
        db.session.commit()
        pdf = printing.agreement_pdf(agreement, on=OFFICE_DAY)
        assert "tanggal ...." in flat("\n".join(pages_of(pdf)))
        articles[2]["body"] += " {{ tanggal_mulai }}"
        drafting.add_version(agreement, articles, None, "placeholder")
        db.session.commit()
        with pytest.raises(printing.PrintRefused) as refused:
            printing.agreement_pdf(agreement, on=OFFICE_DAY)
    assert len(refused.value.missing) == 1
    assert "(Pelaksanaan)" in refused.value.missing[0] and "{{" in refused.value.missing[0]


# ---- refusals -----------------------------------------------------------------------------


def test_what_is_missing_is_listed_not_printed(app):
    with app.test_request_context():
        village = get(VILLAGE_DRAFT)  # a draft: nobody chosen to sign, no date planned
        found = printing.missing(village, signed=False)
        assert gettext("the date of signing") in found
        assert sum("BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar" in m for m in found) == 1
        assert sum("Desa Dangin Puri Kangin" in m for m in found) == 1
        assert not any("Nomor" in m for m in found)  # a draft has no numbers yet
        with pytest.raises(printing.PrintRefused) as refused:
            printing.agreement_pdf(village)
        assert refused.value.missing == found

        addendum = get(GIANYAR_ADDENDUM)  # awaiting signature: the Disnaker's number cleared
        addendum.parties[1].number = None
        assert printing.missing(addendum, signed=True, on=OFFICE_DAY) == [
            gettext(
                "the number (Nomor) of %(role)s (%(party)s)",
                role="PIHAK KEDUA",
                party="Dinas Tenaga Kerja Kabupaten Gianyar",
            )
        ]
        addendum.place = " "
        assert gettext("the place of signing") in printing.missing(addendum, signed=False)
        db.session.rollback()

        # a signatory out of office on the day printed is named
        mou = get(MOU_TITLE)
        found = printing.missing(mou, signed=True, on=date(2030, 1, 1))
        assert found == []  # signed: the recorded date counts, not the one asked for
        village.parties[0].signatory = mou.parties[0].signatory  # Tonny Isprijanto, in 2016
        found = printing.missing(village, signed=False, on=OFFICE_DAY)
        assert any("Tonny Isprijanto" in m for m in found)
        db.session.rollback()


def test_no_plain_data_no_render(app):
    with app.test_request_context():
        agreement = get(MOU_TITLE)
        data = printing.agreement_data(agreement)
        with pytest.raises(rendering.NotPlainData, match=r"data\.parties\[0\]\.agreement"):
            rendering.render_pdf(
                printing.TEMPLATE,
                {**data, "parties": [{**data["parties"][0], "agreement": agreement}]},
            )


# ---- the route, for every role ------------------------------------------------------------

ROLES = {
    # who: (status on the MoU's PDF, status on a draft's PDF)
    "admin": (200, 302),
    "staff": (200, 302),
    "manager": (200, 302),
    "partner": (200, 404),  # the city's MoU yes; a village's draft never
    "partner_other": (404, 404),
    "auditor": (200, 302),
    "auditor_office": (200, 302),
    "staff_other": (404, 404),
}


@pytest.mark.parametrize("who", list(ROLES))
def test_the_pdf_route_for_every_role(app, who):
    mou, draft = id_of(app, Agreement, MOU_TITLE), id_of(app, Agreement, VILLAGE_DRAFT)
    client = app.test_client()
    assert client.get(f"/agreements/{mou}/pdf").status_code == 302  # to the login page
    assert login(client, who).status_code == 302
    on_mou, on_draft = ROLES[who]
    response = client.get(f"/agreements/{mou}/pdf")
    assert response.status_code == on_mou
    if on_mou == 200:
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            f"attachment; filename=perjanjian-{mou}-v1.pdf"
        )
        assert flat(pages_of(response.data)[0]).startswith("KESEPAKATAN BERSAMA ANTARA")
    response = client.get(f"/agreements/{draft}/pdf?on=2026-12-01")
    assert response.status_code == on_draft
    if on_draft == 302:  # refused: back to the agreement, which says what is missing
        assert response.location.endswith(f"/agreements/{draft}")
        page = client.get(response.location).get_data(as_text=True)
        assert "Desa Dangin Puri Kangin" in page and "PIHAK KESATU" in page


def test_a_bad_date_or_an_oversized_render_is_said_on_the_page(app):
    web = signed_in(app, "staff")
    draft = id_of(app, Agreement, VILLAGE_DRAFT)
    page = follow(web.get(f"/agreements/{draft}/pdf?on=32-13-2026"))
    assert page.request.path == f"/agreements/{draft}"
    assert len(flashes(page)) == 1


@pytest.mark.app_config(PDF_MAX_PAGES=2)
def test_a_render_past_its_bounds_is_refused_on_the_page(app):
    web = signed_in(app, "staff")
    mou = id_of(app, Agreement, MOU_TITLE)
    response = web.get(f"/agreements/{mou}/pdf")
    assert response.status_int == 302
    page = follow(response)
    with app.test_request_context():
        said = gettext(
            "The document runs past %(pages)d pages and was stopped; shorten the text or split it.",
            pages=2,
        )
    assert said in flashes(page)


# ---- through the agreement page -----------------------------------------------------------


def test_the_page_offers_the_pdf_and_asks_for_a_date_only_when_none_is_known(app):
    web = signed_in(app, "staff")
    mou = id_of(app, Agreement, MOU_TITLE)
    page = web.get(f"/agreements/{mou}")
    link = page.html.select_one("a#print")
    assert link is not None and link.has_attr("download")
    response = page.click(href=f"/agreements/{mou}/pdf$")
    assert response.content_type == "application/pdf"

    choose_signatories(app, CITY_RENEWAL)
    renewal = id_of(app, Agreement, CITY_RENEWAL)
    page = web.get(f"/agreements/{renewal}")
    assert page.html.select_one("a#print") is None
    response = submit(page, action=f"/agreements/{renewal}/pdf", on="2026-12-01")
    assert response.content_type == "application/pdf"
    assert "Selasa tanggal satu bulan Desember tahun dua ribu dua puluh enam" in flat(
        pages_of(response.body)[0]
    )
