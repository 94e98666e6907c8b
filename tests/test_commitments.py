"""Commitments as people use them, through the pages: recorded from the agreement page, the
premium calculator, realisation figures with evidence, actions marked done, a change made by
an addendum, the office's list (filters, keyset pages, a fixed number of queries), the partner's
view, and every refusal naming its field, keeping what was typed and writing nothing."""

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from webtest import Upload

from partnerships.agreements.models import Agreement
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth.models import User
from partnerships.commitments import calculator
from partnerships.commitments import services as commitments
from partnerships.commitments.models import (
    Commitment,
    CommitmentTerm,
    ContributionRate,
    Evidence,
    Kind,
    Metric,
    RealisationFigure,
)
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import EMAILS, ON_POSTGRES
from tests.helpers import counted_statements, id_of
from tests.signatures import sign_on_paper
from tests.web import (
    errors_by_field,
    field_errors,
    find_form,
    flashes,
    follow,
    options,
    press,
    signed_in,
    submit,
    submit_tampered,
    text,
)

GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_ADDENDUM = "Addendum Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
DENPASAR_MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"
GIANYAR_BUDGET = "APBD 2026 untuk iuran JKK dan JKM 12.800 pekerja rentan"
DENPASAR_COVERAGE = "Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"
TABANAN_REGULATION = "Menerbitkan Peraturan Bupati tentang perlindungan tenaga kerja non ASN"
TABANAN_BUDGET = "APBD 2020 untuk iuran JKK dan JKM 3.500 tenaga kerja non ASN"
DENPASAR_BPU = "Kepesertaan pekerja bukan penerima upah 22.964 orang pada 2017"
GIANYAR_BRIEFING = "Sosialisasi program kepada anggota DPRD Kabupaten Gianyar"
DISNAKER = "Dinas Tenaga Kerja Kabupaten Gianyar"
PEMKOT = "Pemerintah Kota Denpasar"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# What the demo's commitments show on the demo day (30 November 2026).
GIANYAR_COVERAGE = "Cakupan kepesertaan Kabupaten Gianyar dari 43% menjadi 50%"
GIANYAR_SIX_MONTHS = "APBD 2025: 1 desa 100 pekerja rentan, iuran JKK dan JKM selama enam bulan"
KALTENG_COVERAGE = "Cakupan kepesertaan Provinsi Kalimantan Tengah dari 25% menjadi 35%"

DEMO_STATUSES = {
    DENPASAR_COVERAGE: "Lewat tenggat",
    DENPASAR_BPU: "Lewat tenggat",
    "Peserta bukan penerima upah di Kelurahan Sesetan menjadi 2.600": "Tertinggal",
    TABANAN_BUDGET: "Tercapai",
    TABANAN_REGULATION: "Terlambat",
    GIANYAR_TARGET: "Sesuai jalur",
    GIANYAR_BUDGET: "Berisiko",
    GIANYAR_BRIEFING: "Selesai",
    GIANYAR_COVERAGE: "Tertinggal",
    GIANYAR_SIX_MONTHS: "Tercapai",
    "2.000 pekerja bukan penerima upah di Kelurahan Sesetan terlindungi": "Tercapai",
    "1.000 pekerja bukan penerima upah di Desa Dangin Puri Kangin terlindungi": "Belum ada angka",
    "1.000 pekerja bukan penerima upah di Desa Ubung Kaja terlindungi": "Belum ada angka",
    KALTENG_COVERAGE: "Lewat tenggat",
}


def commitment_of(app, title: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Commitment.id).where(Commitment.title == title))
    assert found is not None, title
    return found


def counts(app) -> dict[str, int]:
    """Rows of every table a refused change must leave alone."""
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (
                Commitment,
                CommitmentTerm,
                RealisationFigure,
                Evidence,
                ContributionRate,
                AuditEntry,
            )
        }


def link(page, label: str) -> str:
    found = page.html.find("a", string=lambda s: s and s.strip() == label)
    assert found is not None, f"no link {label!r} on {page.request.path}"
    return found["href"]


def value_of(page, name: str) -> str:
    """What the field shows (a textarea's first line break is markup, as browsers read it)."""
    tag = page.html.find(["input", "textarea"], attrs={"name": name})
    if tag.name == "input":
        return tag.get("value", "")
    shown = tag.get_text()
    return shown[2:] if shown.startswith("\r\n") else shown.removeprefix("\n")


def figure_row(page, period: str):
    """The row of the figures table for `period`."""
    for row in page.html.find(id="figures").find_next("table").select("tbody tr"):
        if row.find("td").get_text(" ", strip=True).startswith(period):
            return row
    raise AssertionError(f"no figure for {period}")


def status_box(page) -> str:
    return " ".join(page.html.find(id="status").get_text(" ").split())


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ---- the demo ---------------------------------------------------------------------------


def test_the_demo_commitments_show_every_kind_of_status_with_its_numbers(app):
    page = signed_in(app, "admin").get("/commitments?status=")
    shown = {}
    while True:
        for row in page.html.select("main tbody tr"):
            cells = row.find_all("td")
            badge = cells[-1].find(class_="badge").get_text(strip=True)
            shown[cells[0].find("a").get_text(strip=True)] = badge
        nxt = page.html.find("a", string=lambda s: s and "Halaman berikutnya" in s)
        if nxt is None or nxt["href"] == "#":
            break
        page = page.click(href=nxt["href"].replace("?", r"\?"))
    assert shown == DEMO_STATUSES


def test_the_agreement_page_lists_its_commitments_with_the_sentence_behind_each(app):
    page = signed_in(app, "staff_other").get(f"/agreements/{id_of(app, Agreement, GIANYAR_PKS)}")
    section = page.html.find(id="commitments")
    said = " ".join(section.get_text(" ").split())
    assert "Pekerja rentan terlindungi dari 6.400 menjadi 12.800" in said
    assert (
        "12.100 dari 12.800 (30 Sep 2026), 89% dari jalur (garis lurus: 96% hari ini), "
        "proyeksi 12.912 pada 31 Des 2026." in said
    )
    assert "Rp1.935.360.000,00 dari Rp2.580.480.000,00 tersalurkan (30 Sep 2026)" in said
    assert "Selesai pada 20 Mei 2025 (tenggat 30 Jun 2025)." in said
    assert [a.get_text(strip=True) for a in section.select("a.btn")] == [
        "Tambah pos anggaran",
        "Tambah target cakupan",
        "Tambah tindakan",
        "Impor angka",
    ]
    # the Denpasar staff do not see Gianyar's agreement; its auditor reads without buttons
    auditor = signed_in(app, "auditor_office").get(
        f"/agreements/{id_of(app, Agreement, GIANYAR_PKS)}"
    )
    assert auditor.html.find(id="commitments").select("a.btn") == []


def test_the_show_page_draws_the_figures_against_the_line_with_a_text_equivalent(app):
    cid = commitment_of(app, GIANYAR_TARGET)
    page = signed_in(app, "auditor").get(f"/commitments/{cid}")
    svg = page.html.find("svg")
    assert svg["role"] == "img"
    assert svg.find("title").get_text() == (
        "Angka yang dilaporkan dibandingkan garis lurus menuju target"
    )
    desc = svg.find("desc").get_text()
    assert "Juni 2025 7.900; Desember 2025 9.800" in desc and "September 2026 12.100" in desc
    assert len(svg.find_all("circle")) == 5  # one dot per accepted figure
    assert svg.find("polyline") is not None
    assert "Sesuai jalur" in status_box(page)
    assert "Ubah atau catat perubahan" not in text(page)  # auditors read only


# ---- recording a commitment -------------------------------------------------------------


def test_staff_record_a_coverage_target_from_the_agreement_page(app):
    web = signed_in(app, "staff_other")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    form_page = web.get(link(web.get(f"/agreements/{pks}"), "Tambah target cakupan"))
    form = find_form(form_page, button="Simpan")
    assert options(form, "partner_id") == {"—": "", DISNAKER: form["partner_id"].value}
    before = counts(app)
    page = press(
        form_page,
        "Simpan",
        article=options(form, "article")["Pasal 3 — Pelaksanaan"],
        title="Peserta penerima upah di Kabupaten Gianyar menjadi 60.000",
        metric="participants",
        baseline_value="52000",
        baseline_on="2025-01-01",
        target_value="60000",
        due_on="2026-12-31",
    )
    assert flashes(page) == ["Komitmen dicatat."]
    # 698 of the 729 days from baseline to due date are gone: 52.000 + 8.000 * 698/729
    assert "Belum ada angka; garis lurus mengharapkan 59.660 hari ini" in status_box(page)
    history = " ".join(page.html.find(id="terms").find_next("ol").get_text(" ").split())
    assert f"Ditetapkan oleh {GIANYAR_PKS} (001/PKS/GNR/I/2025)" in history
    assert "Nilai target: 60.000" in history
    with app.app_context():
        made = db.session.scalar(select(Commitment).order_by(Commitment.id.desc()).limit(1))
        assert (made.kind, made.article, made.agreement_id) == ("target", 3, pks)
        assert (made.baseline_value, made.target_value) == (Decimal(52000), Decimal(60000))
        assert made.region_code == "51.04"  # empty: the partner's own region
        assert made.status == "no_data"
        terms = db.session.scalars(
            select(CommitmentTerm).where(CommitmentTerm.commitment_id == made.id)
        ).all()
        assert [(t.agreement_id, t.set_values["target_value"]) for t in terms] == [
            (pks, "60000.00")
        ]
        logged = db.session.execute(
            select(AuditEntry.object_type, AuditEntry.action, AuditEntry.actor_label).where(
                AuditEntry.seq > before["AuditEntry"]
            )
        ).all()
    assert ("Commitment", "insert", "staf.gianyar@kemitraan.test") in logged
    assert ("CommitmentTerm", "insert", "staf.gianyar@kemitraan.test") in logged


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (
            {"target_value": "50000"},
            "target_value",
            "Angka ini seharusnya naik: target harus di atas nilai awal (52.000).",
        ),
        (
            {"metric": "coverage_pct", "baseline_value": "43", "target_value": "120"},
            "target_value",
            "Persentase tidak boleh lebih dari 100.",
        ),
        ({"baseline_value": "-5"}, "baseline_value", "Nilai tidak boleh negatif."),
        ({"due_on": "2024-06-30"}, "due_on", "Tenggat harus sesudah tanggal nilai awal."),
        ({"region_code": "51.99"}, "region_code", "Kode wilayah 51.99 tidak dikenal."),
        ({"title": ""}, "title", "Kolom ini wajib diisi."),
    ],
)
def test_a_refused_target_names_the_field_keeps_what_was_typed_and_writes_nothing(
    app, typed, field, message
):
    web = signed_in(app, "staff_other")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    form_page = web.get(f"/agreements/{pks}/commitments/new?kind=target")
    values = {
        "article": options(find_form(form_page, button="Simpan"), "article")[
            "Pasal 3 — Pelaksanaan"
        ],
        "title": "Peserta penerima upah di Kabupaten Gianyar",
        "metric": "participants",
        "baseline_value": "52000",
        "baseline_on": "2025-01-01",
        "target_value": "60000",
        "due_on": "2026-12-31",
    } | typed
    before = counts(app)
    page = submit(form_page, button="Simpan", **values)
    assert page.status_int == 200
    assert errors_by_field(page) == {field: [message]}
    for name in ("title", "baseline_value", "target_value", "region_code"):
        assert value_of(page, name) == values.get(name, "")
    assert counts(app) == before


def test_the_owing_party_must_be_a_party_to_the_agreement(app):
    """The select offers the agreement's partners only; a hand-edited request naming another
    partner is refused on that field."""
    web = signed_in(app, "staff_other")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    form_page = web.get(f"/agreements/{pks}/commitments/new?kind=action")
    before = counts(app)
    page = submit_tampered(
        form_page,
        button="Simpan",
        partner_id=id_of(app, Partner, "DPRD Kabupaten Gianyar"),
        article="4",
        title="Sosialisasi kepada DPRD",
        due_on="2026-12-31",
    )
    assert field_errors(page, "partner_id") == [
        "Pilih mitra yang menjadi pihak dalam perjanjian ini."
    ]
    # an id no INTEGER column holds is refused the same way, before it reaches the driver
    page = submit_tampered(
        form_page,
        button="Simpan",
        partner_id=str(2**63),
        article="4",
        title="X",
        due_on="2026-12-31",
    )
    assert field_errors(page, "partner_id") == [
        "Pilih mitra yang menjadi pihak dalam perjanjian ini."
    ]
    assert counts(app) == before


def test_the_calculator_proposes_the_amount_and_the_page_writes_it_in_words(app):
    web = signed_in(app, "staff_other")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    form_page = web.get(link(web.get(f"/agreements/{pks}"), "Tambah pos anggaran"))
    form = find_form(form_page, button="Simpan")
    assert (form["fiscal_year"].value, form["months"].value) == ("2026", "12")
    assert [box.value for box in form.fields["programs"] if box.checked] == ["JKK", "JKM"]
    before = counts(app)
    page = submit(form_page, button="Hitung", workers="12800")
    assert page.status_int == 200 and counts(app) == before  # calculating writes nothing
    assert value_of(page, "amount") == "2580480000"
    proposal = " ".join(page.html.find(class_="alert-info").get_text(" ").split())
    assert proposal.startswith(
        "Usulan: 12.800 pekerja \u00d7 Rp16.800,00 \u00d7 12 bulan = Rp2.580.480.000,00"
    )
    assert "JKK Rp10.000,00 + JKM Rp6.800,00" in proposal
    page = press(
        page,
        "Simpan",
        article=options(find_form(page, button="Simpan"), "article")["Pasal 5 — Pembiayaan"],
        title="APBD Perubahan 2026 untuk pekerja rentan",
        account_code="5.1.02.01.01.0031",
    )
    assert flashes(page) == ["Komitmen dicatat."]
    said = text(page)
    assert "Rp2.580.480.000,00" in said
    assert "dua miliar lima ratus delapan puluh juta empat ratus delapan puluh ribu rupiah" in said


def test_the_calculator_names_what_it_cannot_work_with(app):
    web = signed_in(app, "staff_other")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    form_page = web.get(f"/agreements/{pks}/commitments/new?kind=budget")
    page = submit(form_page, button="Hitung", workers="")
    assert errors_by_field(page) == {"workers": ["Isi jumlah pekerja yang dilindungi."]}
    form_page = web.get(form_page.request.url)
    page = submit(form_page, button="Hitung", workers="100", programs=["JKK", "JHT"])
    assert errors_by_field(page) == {
        "programs": ["Tidak ada tarif iuran JHT yang berlaku pada 1 Januari 2026."]
    }
    # a declared income above the floor: JKK 1% of Rp2.000.000 plus JKM
    form_page = web.get(form_page.request.url)
    page = submit(form_page, button="Hitung", workers="10", months="6", income="2000000")
    assert value_of(page, "amount") == str(10 * 6 * (20000 + 6800))


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"amount": "-2580480000"}, "amount", "Jumlah tidak boleh negatif."),
        ({"amount": "0"}, "amount", "Isi jumlah lebih dari nol."),
        (
            {"amount": str(10**14 + 1)},
            "amount",
            "Isi jumlah paling banyak 100.000.000.000.000 rupiah.",
        ),
        ({"months": "0"}, "months", "Isi antara 1 dan 120 bulan."),
        ({"fiscal_year": "1999"}, "fiscal_year", "Isi tahun antara 2000 dan 2100."),
        ({"programs": []}, "programs", "Pilih sekurang-kurangnya satu program."),
        # a right-to-left override shows the title reversed; a line separator breaks it
        ({"title": "APBD \u202e6202"}, "title", "Gunakan satu baris, tanpa karakter kendali."),
        ({"title": "APBD\u20282026"}, "title", "Gunakan satu baris, tanpa karakter kendali."),
    ],
)
def test_a_refused_budget_line_names_the_field_and_writes_nothing(app, typed, field, message):
    web = signed_in(app, "staff_other")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    form_page = web.get(f"/agreements/{pks}/commitments/new?kind=budget")
    values = {
        "article": options(find_form(form_page, button="Simpan"), "article")[
            "Pasal 5 — Pembiayaan"
        ],
        "title": "APBD 2026",
        "workers": "12800",
        "amount": "2580480000",
    } | typed
    before = counts(app)
    page = submit(form_page, button="Simpan", **values)
    assert errors_by_field(page) == {field: [message]}
    assert value_of(page, "title") == values["title"]
    assert value_of(page, "amount") == values["amount"]
    assert counts(app) == before


# ---- rates and the calculator across a change -------------------------------------------


def test_admins_keep_the_rates_and_the_calculator_follows_their_dates(app):
    admin = signed_in(app, "admin")
    rates = admin.get("/contribution-rates")
    assert "PP 44/2015, peserta bukan penerima upah" in text(rates)
    jkm = rates.html.find("a", string="JKM")["href"]
    before = counts(app)
    # a new JKM rate cannot start while the old one runs on
    page = submit(
        admin.get("/contribution-rates/new"),
        button="Simpan",
        program="JKM",
        basis="flat",
        value="7000",
        valid_from="2027-01-01",
        note="Contoh perubahan tarif",
    )
    assert errors_by_field(page) == {
        "valid_from": [
            "Ada tarif JKM lain yang berlaku pada tanggal-tanggal ini: akhiri dulu tarif itu "
            "(Berlaku sampai)."
        ]
    }
    assert counts(app) == before
    follow(submit(admin.get(jkm), button="Simpan", valid_to="2026-12-31"))
    page = press(
        admin.get("/contribution-rates/new"),
        "Simpan",
        program="JKM",
        basis="flat",
        value="7000",
        valid_from="2027-01-01",
        note="Contoh perubahan tarif",
    )
    assert flashes(page) == ["Tarif iuran disimpan."]
    with app.app_context():
        on_31_december = calculator.premium(["JKK", "JKM"], 12800, 12, None, date(2026, 12, 31))
        on_1_january = calculator.premium(["JKK", "JKM"], 12800, 12, None, date(2027, 1, 1))
        assert on_31_december.amount == 2_580_480_000
        assert on_1_january.amount == 12800 * (10000 + 7000) * 12
    # the budget form proposes by the fiscal year's rates
    staff = signed_in(app, "staff_other")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    form_page = staff.get(f"/agreements/{pks}/commitments/new?kind=budget")
    page = submit(form_page, button="Hitung", workers="12800", fiscal_year="2027")
    assert value_of(page, "amount") == str(12800 * 17000 * 12)
    form_page = staff.get(form_page.request.url)
    page = submit(form_page, button="Hitung", workers="12800", fiscal_year="2026")
    assert value_of(page, "amount") == "2580480000"


def test_a_rate_is_refused_on_the_field_at_fault(app):
    admin = signed_in(app, "admin")
    before = counts(app)
    for typed, field, message in [
        ({"value": "-1"}, "value", "Tarif tidak boleh negatif."),
        ({"value": "101"}, "value", "Persentase tidak boleh lebih dari 100."),
        (
            {"valid_to": "2026-01-01"},
            "valid_to",
            "Tarif tidak boleh berakhir sebelum mulai berlaku.",
        ),
    ]:
        values = {"program": "JP", "basis": "percent", "value": "2", "valid_from": "2027-01-01"}
        page = submit(admin.get("/contribution-rates/new"), button="Simpan", **values | typed)
        assert errors_by_field(page) == {field: [message]}
    assert counts(app) == before


# ---- realisation figures ----------------------------------------------------------------


def add_figure(web, cid: int, evidence: tuple | None = None, **values):
    page = web.get(f"/commitments/{cid}")
    upload = ("evidence", Upload(*evidence)) if evidence else None
    return submit(page, button="Tambah angka", upload=upload, **values)


def test_staff_add_a_figure_with_evidence_and_the_status_follows(app):
    web = signed_in(app, "staff_other")
    cid = commitment_of(app, GIANYAR_TARGET)
    page = follow(
        add_figure(
            web,
            cid,
            evidence=("rekap-oktober.pdf", PDF, "application/pdf"),
            period_end="2026-10-31",
            value="12900",
            source="Data kepesertaan Disnaker Gianyar",
            note="Termasuk kader posyandu.",
        )
    )
    assert flashes(page) == ["Angka Oktober 2026 dicatat."]
    assert status_box(page) == "Status Tercapai Tercapai: 12.900 dari 12.800 pada 31 Okt 2026."
    row = figure_row(page, "Oktober 2026")
    cells = " ".join(row.get_text(" ").split())
    assert "12.900" in cells and "Termasuk kader posyandu." in cells and "Diterima" in cells
    download = web.get(row.find("a", string="rekap-oktober.pdf")["href"])
    assert download.body == PDF
    with app.app_context():
        figure = db.session.scalar(
            select(RealisationFigure).order_by(RealisationFigure.id.desc()).limit(1)
        )
        assert (figure.status, figure.decided_by.email) == (
            "accepted",
            "staf.gianyar@kemitraan.test",
        )
        assert figure.evidence.sha256 == hashlib.sha256(PDF).hexdigest()
        assert db.session.get(Commitment, cid).status == "met"  # the list filter follows
    listed = signed_in(app, "admin").get("/commitments?status=met")
    assert GIANYAR_TARGET in text(listed)
    # the commitment's history names the figure and the file, and who entered them
    auditor = signed_in(app, "auditor_office")
    history = text(auditor.get(f"/commitments/{cid}").click(description="Riwayat"))
    assert f"Angka realisasi Oktober 2026 untuk {GIANYAR_TARGET}" in history
    assert f"rekap-oktober.pdf untuk {GIANYAR_TARGET}" in history
    assert "I Gede Wirawan" in history


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"period_end": "2026-12-31"}, "period_end", "Angka tidak boleh bertanggal di masa depan."),
        (
            {"period_end": "2025-01-05"},
            "period_end",
            "Periode harus berakhir dalam masa berlaku perjanjian "
            "(6 Januari 2025 sampai 5 Januari 2027).",
        ),
        (
            {"period_end": "2026-09-30"},
            "period_end",
            "Angka untuk periode yang berakhir 30 September 2026 sudah dicatat; hapus dulu "
            "untuk membetulkannya.",
        ),
        (  # one figure a month: the 15th of a month that has its figure on the 30th
            {"period_end": "2026-09-15"},
            "period_end",
            "Angka untuk periode yang berakhir 30 September 2026 sudah dicatat; hapus dulu "
            "untuk membetulkannya.",
        ),
        ({"value": "-100"}, "value", "Nilai tidak boleh negatif."),
        ({"value": "1e999999999999999999"}, "value", "Isi dengan angka."),
        ({"source": ""}, "source", "Kolom ini wajib diisi."),
    ],
)
def test_an_impossible_figure_is_refused_on_its_field(app, typed, field, message):
    web = signed_in(app, "staff_other")
    cid = commitment_of(app, GIANYAR_TARGET)
    values = {"period_end": "2026-10-31", "value": "12500", "source": "Data Disnaker"} | typed
    before = counts(app)
    page = add_figure(web, cid, **values)
    assert page.status_int == 200
    assert errors_by_field(page) == {field: [message]}
    assert value_of(page, "source") == values["source"]
    assert value_of(page, "value") == values["value"]
    assert counts(app) == before


def test_a_percentage_above_100_and_a_file_that_is_no_pdf_are_refused(app):
    web = signed_in(app, "staff")
    cid = commitment_of(app, DENPASAR_COVERAGE)
    before = counts(app)
    page = add_figure(web, cid, period_end="2017-03-31", value="100.5", source="BPS")
    assert errors_by_field(page) == {"value": ["Persentase tidak boleh lebih dari 100."]}
    page = add_figure(
        web,
        cid,
        evidence=("rekap.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        period_end="2017-03-31",
        value="48",
        source="BPS",
    )
    assert errors_by_field(page) == {
        "evidence": [
            "Hanya berkas PDF, JPEG, atau PNG yang dapat dilampirkan; berkas ini bukan salah "
            "satunya."
        ]
    }
    assert counts(app) == before
    assert stored_files(app) == []


def test_a_deleted_figure_stays_in_the_history_and_leaves_the_count(app):
    web = signed_in(app, "staff_other")
    cid = commitment_of(app, GIANYAR_TARGET)
    page = web.get(f"/commitments/{cid}")
    with app.app_context():
        latest = db.session.scalar(
            select(RealisationFigure.id).where(
                RealisationFigure.commitment_id == cid,
                RealisationFigure.period_end == date(2026, 9, 30),
            )
        )
    page = press(page, "Hapus", action=f"/commitments/{cid}/figures/{latest}/delete")
    assert flashes(page) == ["Angka dihapus; tetap tercatat di riwayat."]
    row = figure_row(page, "September 2026")
    assert row.find("del").get_text() == "12.100"
    assert "Dihapus" in row.get_text()
    assert "11.400 dari 12.800 (30 Jun 2026)" in status_box(page)  # the figure before counts
    with app.app_context():
        logged = db.session.scalar(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "RealisationFigure")
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
    assert logged == "delete"


def test_an_action_is_marked_done_with_evidence(app):
    web = signed_in(app, "staff")
    cid = commitment_of(app, TABANAN_REGULATION)
    page = web.get(f"/commitments/{cid}")
    assert "Terlambat: tenggat 31 Mar 2020" in status_box(page)
    before = counts(app)
    refused = submit(page, button="Tandai selesai", done_on="2026-12-01", done_note="Perbup")
    assert errors_by_field(refused) == {"done_on": ["Tanggal selesai tidak boleh di masa depan."]}
    assert value_of(refused, "done_note") == "Perbup"
    assert counts(app) == before
    page = press(
        page,
        "Tandai selesai",
        done_on="2020-04-15",
        done_note="Peraturan Bupati Tabanan Nomor 12 Tahun 2020.",
        upload=("evidence", Upload("perbup.pdf", PDF, "application/pdf")),
    )
    assert flashes(page) == ["Ditandai selesai."]
    assert "Selesai pada 15 Apr 2020 (tenggat 31 Mar 2020)." in status_box(page)
    assert web.get(page.html.find("a", string="perbup.pdf")["href"]).body == PDF


# ---- a change made by an addendum ---------------------------------------------------------


def test_a_signed_addendum_changes_a_commitment_and_the_history_names_it(app):
    staff, manager = signed_in(app, "staff_other"), signed_in(app, "manajer.gianyar@kemitraan.test")
    addendum = id_of(app, Agreement, GIANYAR_ADDENDUM)
    pks = id_of(app, Agreement, GIANYAR_PKS)
    cid = commitment_of(app, GIANYAR_TARGET)

    # Unsigned, the addendum lists what it amends but sets nothing yet.
    page = staff.get(f"/agreements/{addendum}")
    section = page.html.find(id="commitments")
    assert GIANYAR_TARGET in section.get_text()
    assert "Catat perubahan" not in section.get_text()
    edit = staff.get(f"/commitments/{cid}/edit")
    assert list(options(find_form(edit, button="Simpan"), "set_by").values()) == ["", str(pks)]
    before = counts(app)
    refused = submit_tampered(edit, button="Simpan", set_by=addendum)
    assert field_errors(refused, "set_by") == [
        "Pilih perjanjian atau addendum yang sudah ditandatangani yang menetapkan ketentuan ini."
    ]
    assert counts(app) == before

    sign_on_paper(manager, addendum, date(2026, 11, 30))
    follow(submit(manager.get(f"/agreements/{addendum}"), button="Catat penandatanganan",
                  signed_on="2026-11-30"))  # fmt: skip
    page = staff.get(f"/agreements/{addendum}")
    edit = staff.get(link(page, "Catat perubahan"))
    form = find_form(edit, button="Simpan")
    assert form["set_by"].value == str(addendum)
    page = press(
        edit,
        "Simpan",
        target_value="14000",
        change_note="Target dinaikkan oleh addendum.",
    )
    assert flashes(page) == ["Komitmen disimpan."]
    history = page.html.find(id="terms").find_next("ol").find_all("li", recursive=False)
    first, second = (" ".join(item.get_text(" ").split()) for item in history)
    assert first.startswith(f"Ditetapkan oleh {GIANYAR_PKS}")
    assert "Nilai target: 12.800" in first
    assert second.startswith(f"Ditetapkan oleh {GIANYAR_ADDENDUM}")
    assert "Nilai target: 14.000 (diubah)" in second
    assert "Target dinaikkan oleh addendum." in second
    assert "Tenggat: 31 Des 2026" in second and "Tenggat: 31 Des 2026 (diubah)" not in second

    # A change of wording only is no new term.
    press(staff.get(f"/commitments/{cid}/edit"), "Simpan", title="Pekerja rentan terlindungi")
    with app.app_context():
        terms = db.session.scalars(
            select(CommitmentTerm.agreement_id)
            .where(CommitmentTerm.commitment_id == cid)
            .order_by(CommitmentTerm.id)
        ).all()
        assert terms == [pks, addendum]
        assert db.session.get(Commitment, cid).target_value == Decimal(14000)
    # the trail reads the new terms in words, under the commitment and under the addendum
    for url in (f"/audit/Commitment/{cid}", f"/audit/Agreement/{addendum}"):
        history = text(signed_in(app, "auditor").get(url))
        assert "Ketentuan komitmen untuk Pekerja rentan terlindungi" in history
        assert "Nilai target: 14.000; Tenggat: 31 Des 2026" in history
        assert "{" not in history


# ---- the office's list, and the partner's view ---------------------------------------------


def listed_titles(page) -> list[str]:
    return [row.find("a").get_text(strip=True) for row in page.html.select("main tbody tr")]


def test_the_list_filters_by_kind_status_partner_and_year(app):
    web = signed_in(app, "admin")
    tabanan = str(id_of(app, Partner, "Pemerintah Kabupaten Tabanan"))
    cases = [
        ({"kind": "budget"}, {GIANYAR_BUDGET, GIANYAR_SIX_MONTHS, TABANAN_BUDGET}),
        ({"status": "lapsed"}, {DENPASAR_COVERAGE, DENPASAR_BPU, KALTENG_COVERAGE}),
        ({"partner": tabanan}, {TABANAN_REGULATION, TABANAN_BUDGET}),
        ({"year": "2026"}, {GIANYAR_TARGET, GIANYAR_BUDGET, GIANYAR_COVERAGE}),
        ({"kind": "action", "year": "2025"}, {GIANYAR_BRIEFING}),
        ({"year": "1800"}, set()),
    ]
    for typed, expected in cases:
        shown = submit(web.get("/commitments"), button="Saring", **typed)
        assert set(listed_titles(shown)) == expected, typed


def test_the_list_pages_by_keyset(app):
    web = signed_in(app, "admin")
    first = web.get("/commitments")
    assert len(listed_titles(first)) == app.config["PAGE_SIZE"]
    seen, page = [], first
    while True:  # every commitment once, page after page
        seen += listed_titles(page)
        nxt = page.html.find("a", string=lambda s: s and "Halaman berikutnya" in s)
        if nxt is None or nxt["href"] == "#":
            break
        page = web.get(nxt["href"])
    assert sorted(seen) == sorted(DEMO_STATUSES)
    assert web.get("/commitments?after=bm90LWEtY3Vyc29y").status_int == 200  # edited cursor


def test_a_partner_reads_its_own_commitments_and_nothing_else(app):
    web = signed_in(app, "partner")
    with app.app_context():
        own = set(
            db.session.scalars(
                select(Commitment.title).where(
                    Commitment.partner_id
                    == select(Partner.id).where(Partner.name == PEMKOT).scalar_subquery()
                )
            )
        )
    assert own == {
        DENPASAR_COVERAGE,
        "Kepesertaan pekerja bukan penerima upah 22.964 orang pada 2017",
    }
    assert set(listed_titles(web.get("/commitments"))) == own
    page = web.get(f"/commitments/{commitment_of(app, DENPASAR_COVERAGE)}")
    assert "47% dari 50% (31 Des 2016), 70% dari jalur saat tenggat 31 Des 2016." in status_box(
        page
    )
    assert page.html.find("form", action=lambda a: a and "/figures" in a) is None
    assert "Ubah atau catat perubahan" not in text(page)
    for other in (GIANYAR_TARGET, TABANAN_REGULATION):
        assert web.get(f"/commitments/{commitment_of(app, other)}", status=404)
    # the MoU page shows the partner its commitments, without buttons to add
    section = web.get(f"/agreements/{id_of(app, Agreement, DENPASAR_MOU)}").html.find(
        id="commitments"
    )
    assert DENPASAR_COVERAGE in section.get_text() and section.select("a.btn") == []


def test_evidence_is_served_only_to_those_who_see_the_commitment(app):
    staff = signed_in(app, "staff_other")
    cid = commitment_of(app, GIANYAR_TARGET)
    follow(
        add_figure(
            staff,
            cid,
            evidence=("rekap.pdf", PDF, "application/pdf"),
            period_end="2026-10-31",
            value="12500",
            source="Disnaker",
        )
    )
    with app.app_context():
        evidence = db.session.scalar(select(Evidence.id))
    url = f"/commitments/{cid}/evidence/{evidence}"
    assert signed_in(app, "auditor_office").get(url).body == PDF
    assert signed_in(app, "partner").get(url, status=404)
    assert signed_in(app, "staff").get(url, status=404)  # Denpasar's staff: not their office
    other = commitment_of(app, DENPASAR_COVERAGE)
    assert signed_in(app, "admin").get(f"/commitments/{other}/evidence/{evidence}", status=404)


# ---- a fixed number of queries ------------------------------------------------------------


def more_commitments(app, n: int) -> None:
    """`n` more targets with three figures each on Gianyar's agreement, through the services."""
    with app.app_context(), acting_as("test"):
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == GIANYAR_PKS))
        staff = db.session.scalar(select(User).where(User.email == "staf.gianyar@kemitraan.test"))
        partner = db.session.scalar(select(Partner.id).where(Partner.name == DISNAKER))
        for i in range(n):
            made = commitments.create(
                agreement,
                Kind.TARGET,
                {
                    "partner_id": partner,
                    "article": 3,
                    "title": f"Target tambahan {i}",
                    "metric": Metric.PARTICIPANTS,
                    "baseline_value": Decimal(100),
                    "baseline_on": date(2025, 1, 6),
                    "target_value": Decimal(200),
                    "due_on": date(2026, 12, 31),
                },
                staff,
            )
            for month, value in ((3, 120), (6, 140), (9, 160)):
                commitments.add_figure(
                    made,
                    {"period_end": date(2026, month, 30), "value": Decimal(value), "source": "x"},
                    None,
                    staff,
                )
        db.session.commit()


@pytest.mark.app_config(PAGE_SIZE=100)
def test_the_list_and_the_agreement_section_take_the_same_queries_however_many_rows(app):
    web = signed_in(app, "admin")
    pks = id_of(app, Agreement, GIANYAR_PKS)
    urls = ["/commitments", "/commitments?kind=target", f"/agreements/{pks}"]
    for url in urls:
        web.get(url)  # warm up what is loaded once per process

    def statements(url: str) -> int:
        with counted_statements(app) as seen:
            web.get(url, status=200)
        return len(seen)

    before = {url: statements(url) for url in urls}
    more_commitments(app, 10)
    assert len(listed_titles(web.get("/commitments"))) == len(DEMO_STATUSES) + 10
    after = {url: statements(url) for url in urls}
    assert after == before


# ---- the daily refresh --------------------------------------------------------------------


def test_the_daily_run_lapses_what_fell_due(app, runner):
    result = runner.invoke(args=["commitments", "daily", "--today", "2027-01-01"])
    assert result.exit_code == 0, result.output
    assert "commitment statuses changed" in result.output
    with app.app_context():
        gianyar = db.session.scalar(select(Commitment).where(Commitment.title == GIANYAR_TARGET))
        assert (gianyar.status, gianyar.status_on) == ("lapsed", date(2027, 1, 1))
        logged = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.actor_label == "cli:commitments-daily")
        )
    assert logged == 0  # a recomputed status is nobody's change


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's plan; PostgreSQL plans by its own statistics")
def test_a_partners_list_finds_its_few_agreements_by_index_not_by_scanning_all(app):
    """At national scale (17,000 agreements) a scan of every agreement made a partner's list
    1.7x slower than at demo scale; its own agreements come from the parties' partner index."""
    from sqlalchemy import text

    from partnerships.commitments.permissions import visible_commitments

    with app.app_context():
        partner = db.session.scalar(select(User).where(User.email == EMAILS["partner"]))
        sql = visible_commitments(partner).compile(
            db.engine, compile_kwargs={"literal_binds": True}
        )
        plan = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    # agreements only ever looked up by their key, never walked (by rowid or any index)
    walked = [p for p in plan if " agreements " in f"{p} " and "rowid=?" not in p]
    assert not walked, plan
    assert any(p.startswith("SEARCH agreement_parties") and "(partner_id=?)" in p for p in plan)
