"""Realisation figures imported from a spreadsheet, through the pages: the template downloaded,
filled in and uploaded (CSV and XLSX), the preview of every row with its fault, all rows
written or none, whatever Excel saves (Windows-1252, semicolons, Indonesian numbers and dates,
formulas) read or refused in Indonesian, and only by staff who may edit the agreement."""

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import time_machine
from sqlalchemy import func, select
from webtest import Upload

from partnerships.agreements.models import Agreement
from partnerships.audit.models import AuditEntry
from partnerships.commitments import imports
from partnerships.commitments.models import Commitment, RealisationFigure
from partnerships.core.models import utcnow
from partnerships.extensions import db
from tests.helpers import counted_statements, id_of
from tests.web import errors_by_field, find_form, flashes, follow, signed_in, submit, text

GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"
GIANYAR_BUDGET = "APBD 2026 untuk iuran JKK dan JKM 12.800 pekerja rentan"
GIANYAR_BRIEFING = "Sosialisasi program kepada anggota DPRD Kabupaten Gianyar"
GIANYAR_COVERAGE = "Cakupan kepesertaan Kabupaten Gianyar dari 43% menjadi 50%"
GIANYAR_SIX_MONTHS = "APBD 2025: 1 desa 100 pekerja rentan, iuran JKK dan JKM selama enam bulan"
TITLES = {
    "target": GIANYAR_TARGET,
    "budget": GIANYAR_BUDGET,
    "action": GIANYAR_BRIEFING,
    "coverage": GIANYAR_COVERAGE,
    "six_months": GIANYAR_SIX_MONTHS,
}
HEADER = "ID komitmen;Akhir periode;Nilai;Pekerja terdaftar;Sumber;Catatan;Label periode"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ids(app) -> dict[str, int]:
    with app.app_context():
        found = dict(
            db.session.execute(
                select(Commitment.title, Commitment.id).where(Commitment.title.in_(TITLES.values()))
            ).all()
        )
    return {key: found[title] for key, title in TITLES.items()} | {
        "agreement": id_of(app, Agreement, GIANYAR_PKS)
    }


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (RealisationFigure, AuditEntry, Commitment)
        }


def import_page(web, app):
    """The import page, reached from the agreement page's commitments section."""
    page = web.get(f"/agreements/{id_of(app, Agreement, GIANYAR_PKS)}")
    return page.click(description="Impor angka")


def upload(web, app, name: str, body: bytes, content_type: str = "text/csv"):
    """Upload a file on the import page; the response (the preview after the redirect, or
    the form again with its error)."""
    page = import_page(web, app)
    return follow(
        submit(page, button="Periksa berkas", upload=("file", Upload(name, body, content_type)))
    )


def fault_rows(page) -> list[tuple[str, str, str]]:
    table = page.html.find(id="faults").find_next("table")
    return [
        tuple(" ".join(td.get_text(" ").split()) for td in tr.find_all("td"))
        for tr in table.select("tbody tr")
    ]


def ready_rows(page) -> list[list[str]]:
    table = page.html.find(id="ready").find_next("table")
    return [
        [" ".join(td.get_text(" ").split()) for td in tr.find_all("td")]
        for tr in table.select("tbody tr")
    ]


def import_button(page):
    return [
        b for b in page.html.select("main button") if b.get_text(strip=True).startswith("Impor")
    ]


def confirm(page):
    button = import_button(page)[0].get_text(" ", strip=True)
    return follow(submit(page, button=button))


def figures_of(app, cid: int) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(
                RealisationFigure.period_end,
                RealisationFigure.value,
                RealisationFigure.workers,
                RealisationFigure.source,
                RealisationFigure.note,
                RealisationFigure.period_label,
                RealisationFigure.status,
            )
            .where(RealisationFigure.commitment_id == cid)
            .order_by(RealisationFigure.period_end)
        ).all()


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- good files -------------------------------------------------------------------------


def test_a_good_csv_is_previewed_then_written_all_at_once_and_audited(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    before = counts(app)
    body = csv_bytes(
        [
            HEADER.replace(";", ","),
            f"{c['target']},31/10/2026,12500,,Data Disnaker Gianyar,Rekap Oktober,",
            f'{c["budget"]},2026-10-31,"2.150.400.000",12800,Bukti transfer BPKAD,,'
            "Oktober 2026 (APBD)",
        ]
    )
    page = upload(web, app, "angka.csv", body)
    assert page.request.path.startswith(f"/agreements/{c['agreement']}/figures/import/")
    assert "2 angka siap ditulis." in text(page)
    assert page.html.find(id="faults") is None
    rows = ready_rows(page)
    assert rows[0][:4] == [
        "2",
        f"{GIANYAR_TARGET} Target cakupan · ID {c['target']}",
        "Oktober 2026 31 Oktober 2026",
        "12.500",
    ]
    assert rows[1][2:5] == [
        "Oktober 2026 (APBD) 31 Oktober 2026",
        "Rp2.150.400.000,00",
        "12.800",
    ]
    assert counts(app) == before  # a preview writes nothing
    preview_path = page.request.path
    page = confirm(page)
    assert flashes(page) == ["2 angka diimpor."]
    assert page.request.path == f"/agreements/{c['agreement']}"
    assert figures_of(app, c["target"])[-1] == (
        date(2026, 10, 31),
        Decimal("12500.00"),
        None,
        "Data Disnaker Gianyar",
        "Rekap Oktober",
        "Oktober 2026",
        "accepted",
    )
    assert figures_of(app, c["budget"])[-1][:3] == (
        date(2026, 10, 31),
        Decimal("2150400000.00"),
        12800,
    )
    after = counts(app)
    assert after["RealisationFigure"] == before["RealisationFigure"] + 2
    with app.app_context():
        audited = db.session.execute(
            select(AuditEntry.actor_label, AuditEntry.after["period_label"].as_string())
            .where(AuditEntry.object_type == "RealisationFigure", AuditEntry.action == "insert")
            .order_by(AuditEntry.seq.desc())
            .limit(2)
        ).all()
        assert sorted(audited) == [
            ("staf.gianyar@kemitraan.test", "Oktober 2026"),
            ("staf.gianyar@kemitraan.test", "Oktober 2026 (APBD)"),
        ]
        assert db.session.get(Commitment, c["target"]).status == "on_track"
    # the upload is forgotten once written: it cannot be imported twice, and says so
    again = follow(web.get(preview_path))
    assert again.request.path == f"/agreements/{c['agreement']}"
    assert flashes(again) == ["Berkas ini sudah diimpor: 2 angka."]


def test_a_good_xlsx_with_excel_dates_and_numbers(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    body = xlsx_bytes(
        [
            ["ID komitmen", "Akhir periode", "Nilai", "Pekerja terdaftar", "Sumber"],
            [c["target"], datetime(2026, 10, 31), 12650, None, "Data Disnaker"],
            [c["budget"], date(2026, 10, 31), 2150400000.0, 12800, "BPKAD"],
        ]
    )
    page = upload(web, app, "angka.xlsx", body, XLSX_TYPE)
    assert "2 angka siap ditulis." in text(page), text(page)
    page = confirm(page)
    assert flashes(page) == ["2 angka diimpor."]
    assert figures_of(app, c["target"])[-1][:2] == (date(2026, 10, 31), Decimal("12650.00"))
    assert figures_of(app, c["budget"])[-1][:3] == (
        date(2026, 10, 31),
        Decimal("2150400000.00"),
        12800,
    )


def test_a_semicolon_csv_in_windows_1252_with_indonesian_numbers(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    body = csv_bytes(
        [
            HEADER,
            f"{c['target']};31/10/2026;12.500;;Data Disnaker \u2013 rekap;"
            "Catatan Pak Ketut “final”;",
            f"{c['budget']};31-10-2026;2.150.400.000,50;12.800;BPKAD;;",
        ],
        encoding="cp1252",
    )
    page = upload(web, app, "angka.csv", body)
    assert "2 angka siap ditulis." in text(page), text(page)
    page = confirm(page)
    assert figures_of(app, c["target"])[-1][:5] == (
        date(2026, 10, 31),
        Decimal("12500.00"),
        None,
        "Data Disnaker \u2013 rekap",
        "Catatan Pak Ketut “final”",
    )
    assert figures_of(app, c["budget"])[-1][1:3] == (Decimal("2150400000.50"), 12800)


@pytest.mark.parametrize(
    ("typed", "value"),
    [("87.000", "87000"), ("1.234,5", "1234.5"), ("47,5", "47.5"), ("12.5", "12.5"),
     ("1,234,567", "1234567"), ("1234.56", "1234.56"), (" Rp 1.000 ", "1000"),
     ("0.500", "0.5"), ("1234.567", "1234.567"), ("-5", "-5"), ("48%", "48")],
)  # fmt: skip
def test_indonesian_number_formats(typed, value):
    from partnerships.commitments.imports import _number

    assert _number(typed) == Decimal(value)


@pytest.mark.parametrize(
    "typed", ["31/10/2026", "31-10-2026", "31.10.2026", "2026-10-31", "2026-10-31 00:00:00",
              datetime(2026, 10, 31), 46326],
)  # fmt: skip
def test_dates_as_excel_and_people_write_them(typed):
    from partnerships.commitments.imports import _date

    assert _date(typed) == date(2026, 10, 31)


# ---- the template round trip --------------------------------------------------------------


def test_the_xlsx_template_filled_in_is_imported(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    page = import_page(web, app)
    download = page.click(description=r"Templat \(XLSX\)")
    assert download.content_type == XLSX_TYPE
    book = openpyxl.load_workbook(io.BytesIO(download.body))
    sheet = book["Angka"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "ID komitmen",
        "Komitmen",
        "Jenis",
        "Satuan",
        "Akhir periode",
        "Nilai",
        "Pekerja terdaftar",
        "Sumber",
        "Catatan",
        "Label periode",
    )
    listed = {r[0]: r[1:4] for r in rows[1:]}
    assert listed == {
        c["target"]: (GIANYAR_TARGET, "Target cakupan", "Pekerja rentan terlindungi"),
        c["budget"]: (GIANYAR_BUDGET, "Pos anggaran", "Rupiah"),
        c["coverage"]: (GIANYAR_COVERAGE, "Target cakupan", "Persen (0-100)"),
        c["six_months"]: (GIANYAR_SIX_MONTHS, "Pos anggaran", "Rupiah"),
    }  # the action takes no figures
    assert "Petunjuk pengisian angka realisasi" in book["Petunjuk"]["A1"].value
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == c["target"]:
            row[4].value = date(2026, 10, 31)
            row[5].value = 12700
            row[7].value = "Data Disnaker Gianyar"
    buffer = io.BytesIO()
    book.save(buffer)
    page = upload(web, app, "templat.xlsx", buffer.getvalue(), XLSX_TYPE)
    assert "1 angka siap ditulis." in text(page) and "3 baris tanpa angka dilewati." in text(page)
    page = confirm(page)
    assert flashes(page) == ["1 angka diimpor."]
    assert figures_of(app, c["target"])[-1][:4] == (
        date(2026, 10, 31),
        Decimal("12700.00"),
        None,
        "Data Disnaker Gianyar",
    )


def test_the_csv_template_filled_in_is_imported(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    download = import_page(web, app).click(description=r"Templat \(CSV\)")
    assert download.body.startswith(b"\xef\xbb\xbf")
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0].startswith("# Petunjuk pengisian angka realisasi")
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "ID komitmen")
    for row in rows[header_at + 1 :]:
        if row[0] == str(c["budget"]):
            row[4:8] = ["31/10/2026", "2.150.400.000", "12.800", "BPKAD Gianyar"]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    page = upload(web, app, "templat.csv", out.getvalue().encode("utf-8-sig"))
    assert "1 angka siap ditulis." in text(page), text(page)
    page = confirm(page)
    assert figures_of(app, c["budget"])[-1][:4] == (
        date(2026, 10, 31),
        Decimal("2150400000.00"),
        12800,
        "BPKAD Gianyar",
    )


def test_the_template_keeps_a_title_that_looks_like_a_formula_as_text(app):
    c = ids(app)
    with app.app_context():
        db.session.get(Commitment, c["target"]).title = '=HYPERLINK("http://x","klik")'
        db.session.commit()
    web = signed_in(app, "staff_other")
    page = import_page(web, app)
    body = page.click(description=r"Templat \(CSV\)").body.decode("utf-8-sig")
    assert ';"\'=HYPERLINK(""http://x"",""klik"")";' in body
    book = page.click(description=r"Templat \(XLSX\)").body
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula in the file
    loaded = openpyxl.load_workbook(io.BytesIO(book))["Angka"]
    assert loaded["B2"].data_type == "s"


# ---- faults -------------------------------------------------------------------------------


def test_every_bad_row_is_listed_with_its_line_and_nothing_is_written(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    before = counts(app)
    body = csv_bytes(
        [
            "# angka Oktober",
            HEADER,
            f"{c['target']};31/10/2026;12500;;Disnaker;;",  # good
            f"{c['target']};31/12/2026;12600;;Disnaker;;",  # the future
            f"{c['target']};30/09/2026;12100;;Disnaker;;",  # already recorded
            f"{c['target']};31/10/2026;12550;;Disnaker;;",  # twice in the file
            f"{c['target']};31/10/2026;-5;;Disnaker;;",  # a duplicate again, said first
            f"{c['budget']};31/10/2026;abc;;BPKAD;;",
            f"{c['budget']};31/10/2026;1000;;;;",  # no source
            f"{c['action']};31/10/2026;1;;DPRD;;",
            "999999;31/10/2026;1;;x;;",
            f"{c['target']};31 Okt 2026;1;;x;;",
            f"{c['target']};30/11/2026;12600;5;x;;",  # workers on a target
            "",
            f"{c['budget']};30/11/2026;1,5;;x;;",  # good
        ]
    )
    page = upload(web, app, "angka.csv", body)
    assert fault_rows(page) == [
        ("4", "Akhir periode (B)", "Angka tidak boleh bertanggal di masa depan."),
        (
            "5",
            "Akhir periode (B)",
            "Angka untuk periode yang berakhir 30 September 2026 sudah dicatat; hapus dulu "
            "untuk membetulkannya.",
        ),
        (
            "6",
            "Akhir periode (B)",
            "Baris 3 sudah memberi komitmen ini angka untuk bulan ini.",
        ),
        (
            "7",
            "Akhir periode (B)",
            "Baris 3 sudah memberi komitmen ini angka untuk bulan ini.",
        ),
        ("8", "Nilai (C)", "Isi dengan angka."),
        ("9", "Sumber (E)", "Kolom ini wajib diisi."),
        ("10", "ID komitmen (A)", "Tindakan ditandai selesai; tindakan tidak memiliki angka."),
        (
            "11",
            "ID komitmen (A)",
            "Tidak ada komitmen perjanjian ini dengan ID tersebut; salin dari templat.",
        ),
        ("12", "Akhir periode (B)", "Masukkan tanggal sebagai HH/BB/TTTT, misalnya 31/10/2026."),
        (
            "13",
            "Pekerja terdaftar (D)",
            "Isi jumlah pekerja terdaftar, atau biarkan kosong.",
        ),
    ]
    assert "10 baris bermasalah:" in text(page)
    assert [r[0] for r in ready_rows(page)] == ["3", "15"]
    assert import_button(page) == []  # no confirmation offered
    assert counts(app) == before
    # a confirmation no page offers writes nothing either
    token = find_form(import_page(web, app), button="Periksa berkas")["csrf_token"].value
    response = web.post(page.request.path, {"csrf_token": token}, expect_errors=True)
    assert response.status_int == 200
    assert "Tidak ada yang diimpor: ada baris yang bermasalah." in flashes(response)
    assert counts(app) == before


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("kosong.csv", b"", "Berkas kosong."),
        ("surat.pdf", b"%PDF-1.4\n%%EOF\n", "Hanya berkas CSV atau XLSX yang dapat diimpor; "
         "berkas ini bukan keduanya."),
        ("lama.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
         "Ini berkas Excel lama (.xls): simpan sebagai .xlsx atau CSV lalu unggah lagi."),
        ("rusak.xlsx", None, "Berkas XLSX rusak atau bukan buku kerja Excel; simpan lagi lalu "
         "unggah."),
        ("biner.csv", b"ID komitmen;Nilai\x00\x01\x02", "Karakter berkas tidak dapat dibaca: "
         "bukan berkas CSV atau XLSX, atau tidak disimpan sebagai teks. Simpan dari Excel "
         "sebagai CSV UTF-8 atau XLSX lalu unggah lagi."),
        ("acak.csv", b"ID komitmen;Nilai\r\n\x81\x8d\x8f;\x90\x9d\r\n", "Karakter berkas tidak "
         "dapat dibaca: bukan berkas CSV atau XLSX, atau tidak disimpan sebagai teks. Simpan "
         "dari Excel sebagai CSV UTF-8 atau XLSX lalu unggah lagi."),
        ("tanpa-judul.csv", b"1;31/10/2026;5;x\r\n", "Baris judul kolom tidak ditemukan: salah "
         "satu baris pertama harus menamai kolom, diawali ID komitmen. Unduh templat lalu "
         "isi."),
        ("kurang.csv", b"ID komitmen;Nilai\r\n1;5\r\n", "Kolom tidak ada: Akhir periode, "
         "Sumber."),
        ("kembar.csv", b"ID komitmen;Akhir periode;Nilai;Sumber;Nilai\r\n1;x;2;3;4\r\n",
         "Kolom Nilai muncul dua kali."),
        ("judul.csv", (HEADER + "\r\n").encode(), "Berkas tidak memiliki baris angka di bawah "
         "judul kolomnya."),
        ("panjang.csv", (HEADER + "\r\n" + "1;31/10/2026;1;;x;;\r\n" * 5001).encode(),
         "Berkas memiliki lebih dari 5.000 baris; pecah berkasnya."),
        # the tests' upload cap (200 KB) is below the import's own (2 MB)
        ("besar.csv", b"ID komitmen;" + b"x" * (200 * 1024), "Ukuran berkas melebihi "
         "200 KB."),
    ],
)  # fmt: skip
def test_a_malformed_file_is_refused_on_the_field_and_nothing_is_kept(app, name, body, message):
    if body is None:  # a workbook cut off in the middle
        good = xlsx_bytes([["ID komitmen", "Akhir periode", "Nilai", "Sumber"]])
        body = good[: len(good) // 2]
    web = signed_in(app, "staff_other")
    before = counts(app)
    page = upload(web, app, name, body)
    assert page.status_int == 200
    assert errors_by_field(page) == {"file": [message]}
    assert counts(app) == before
    folder = Path(app.config["UPLOAD_DIR"]) / "imports"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_formulas_in_cells(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID komitmen", "Akhir periode", "Nilai", "Sumber"])
    sheet.append([c["target"], date(2026, 10, 31), "=12000+500", "Disnaker"])  # no result kept
    sheet.append([c["budget"], date(2026, 10, 31), 100, "=A1"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = upload(web, app, "rumus.xlsx", buffer.getvalue(), XLSX_TYPE)
    message = (
        "Sel berisi rumus tanpa hasil tersimpan; ketik nilainya sendiri, atau buka berkas di "
        "Excel lalu simpan lagi."
    )
    assert fault_rows(page) == [("2", "Nilai (C)", message), ("3", "Sumber (D)", message)]
    # in a CSV a formula is text, never computed: no number, or a source stored as typed
    body = csv_bytes(
        [
            "ID komitmen;Akhir periode;Nilai;Sumber",
            f"{c['target']};31/10/2026;=12000+500;Disnaker",
            f"{c['budget']};31/10/2026;@SUM(1);Disnaker",
        ]
    )
    page = upload(web, app, "rumus.csv", body)
    assert fault_rows(page) == [
        ("2", "Nilai (C)", "Isi dengan angka."),
        ("3", "Nilai (C)", "Isi dengan angka."),
    ]
    body = csv_bytes(
        ["ID komitmen;Akhir periode;Nilai;Sumber", f"{c['target']};31/10/2026;12500;=1+1"]
    )
    page = confirm(upload(web, app, "rumus.csv", body))
    assert figures_of(app, c["target"])[-1][3] == "=1+1"


def test_a_formula_with_its_saved_result_is_read_as_the_result(app):
    """Excel saves each formula's last result: that value is read, the formula never run."""
    web = signed_in(app, "staff_other")
    c = ids(app)
    book = openpyxl.Workbook()
    book.active.append(["ID komitmen", "Akhir periode", "Nilai", "Sumber"])
    book.active.append([c["target"], date(2026, 10, 31), "=12000+500", "Disnaker"])
    buffer = io.BytesIO()
    book.save(buffer)
    # what Excel would write: the formula with its cached value
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # openpyxl writes the empty value as <v />, or as <v></v> with lxml (pyHanko installs it)
    empty_value = re.compile(r"<f>12000\+500</f>(<v ?/>|<v></v>)</c>")
    assert empty_value.search(sheet), sheet
    parts["xl/worksheets/sheet1.xml"] = empty_value.sub(
        "<f>12000+500</f><v>12500</v></c>", sheet
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for n, data in parts.items():
            dst.writestr(n, data)
    page = upload(web, app, "rumus.xlsx", out.getvalue(), XLSX_TYPE)
    assert "1 angka siap ditulis." in text(page), text(page)
    assert ready_rows(page)[0][3] == "12.500"


# ---- who may ------------------------------------------------------------------------------


def test_only_staff_who_may_edit_the_agreement_import(app):
    c = ids(app)
    url = f"/agreements/{c['agreement']}/figures/import"
    # Denpasar's staff do not see Gianyar's agreement; an auditor and a partner may not change
    assert signed_in(app, "staff").get(url, status=404)
    assert signed_in(app, "staff").get(url + "/template.csv", status=404)
    assert signed_in(app, "auditor_office").get(url, status=403)
    assert signed_in(app, "partner").get(url, status=403)
    page = signed_in(app, "partner").get(f"/agreements/{c['agreement']}", expect_errors=True)
    assert "Impor angka" not in page.text
    # another person's upload is not theirs to preview or confirm
    web = signed_in(app, "staff_other")
    body = csv_bytes(["ID komitmen;Akhir periode;Nilai;Sumber", f"{c['target']};31/10/2026;1;x"])
    preview = upload(web, app, "angka.csv", body)
    admin = signed_in(app, "admin")
    page = follow(admin.get(preview.request.path))
    assert page.request.path == url
    assert "Unggahan itu tidak disimpan lagi" in " ".join(flashes(page))


@pytest.mark.app_config(IDLE_TIMEOUT_MINUTES=120)  # still signed in an hour later
def test_an_upload_waits_an_hour_for_its_confirmation(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    body = csv_bytes(["ID komitmen;Akhir periode;Nilai;Sumber", f"{c['target']};31/10/2026;1;x"])
    preview = upload(web, app, "angka.csv", body)
    folder = Path(app.config["UPLOAD_DIR"]) / "imports"
    assert len(list(folder.iterdir())) == 2  # the file and who kept it for which agreement
    with time_machine.travel(utcnow() + timedelta(minutes=61)):  # the office clock, ticking
        page = follow(web.get(preview.request.path))
        assert page.request.path == f"/agreements/{c['agreement']}/figures/import"
        assert "Unggahan itu tidak disimpan lagi" in " ".join(flashes(page))
    assert list(folder.iterdir()) == []


def test_a_template_left_empty_has_nothing_to_import(app):
    web = signed_in(app, "staff_other")
    blank = import_page(web, app).click(description=r"Templat \(CSV\)").body
    page = upload(web, app, "templat.csv", blank)
    assert " ".join(page.html.find(id="summary").get_text(" ").split()) == (
        "Tidak ada baris berisi angka untuk diimpor: isi setidaknya periode, nilai, dan "
        "sumber. 4 baris tanpa angka dilewati."
    )
    assert import_button(page) == []


def test_the_import_button_pressed_twice_writes_once(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    body = csv_bytes(["ID komitmen;Akhir periode;Nilai;Sumber", f"{c['target']};31/10/2026;1;x"])
    preview = upload(web, app, "angka.csv", body)
    before = counts(app)
    with app.test_request_context():  # the first press has taken the upload, still writing
        assert imports.claim(preview.request.path.rsplit("/", 1)[1])
    page = confirm(preview)
    assert flashes(page) == ["Berkas ini sedang diimpor."]
    assert counts(app) == before


def test_the_preview_opened_again_after_the_import_says_it_was_imported(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    body = csv_bytes(["ID komitmen;Akhir periode;Nilai;Sumber", f"{c['target']};31/10/2026;1;x"])
    preview = upload(web, app, "angka.csv", body)
    assert flashes(confirm(preview)) == ["1 angka diimpor."]
    before = counts(app)
    again = follow(web.get(preview.request.path))  # the Back button
    assert flashes(again) == ["Berkas ini sudah diimpor: 1 angka."]
    assert again.request.path == f"/agreements/{c['agreement']}"
    assert counts(app) == before


def test_the_preview_and_the_import_take_a_fixed_number_of_queries(app):
    web = signed_in(app, "staff_other")
    c = ids(app)

    def rows(n: int) -> bytes:
        # one figure per month: the months from January 2025 the demo has none for
        taken = {(2025, 6), (2025, 12), (2026, 3), (2026, 6), (2026, 9)}
        months = [(2025 + i // 12, i % 12 + 1) for i in range(22)]
        free = [date(y, m, 28) for y, m in months if (y, m) not in taken]
        lines = ["ID komitmen;Akhir periode;Nilai;Sumber"]
        for i, day in enumerate(free[:n]):
            lines.append(f"{c['target']};{day:%d/%m/%Y};{7000 + i};Disnaker")
        return csv_bytes(lines)

    def statements(n: int) -> tuple[int, int]:
        page = upload(web, app, "angka.csv", rows(n))
        assert f"{n} angka siap ditulis." in text(page), text(page)[:500]
        with counted_statements(app) as seen:
            web.get(page.request.path)
        return len(seen), page

    few, _page = statements(3)
    many, page = statements(15)
    assert few == many
    page = confirm(page)
    assert flashes(page) == ["15 angka diimpor."]


# ---- hostile workbooks --------------------------------------------------------------------


def _patched(body: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with `old` replaced by `new` in its first sheet's XML (what openpyxl
    would never write, a hand-edited file may hold)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(old, new)
            dst.writestr(item, data)
    return out.getvalue()


def test_a_number_beyond_any_range_in_a_cell_is_a_fault_of_its_row(app):
    web = signed_in(app, "staff_other")
    c = ids(app)
    good = xlsx_bytes(
        [
            ["ID komitmen", "Akhir periode", "Nilai", "Pekerja terdaftar", "Sumber"],
            [c["budget"], date(2026, 10, 31), 2150400000, 424242, "BPKAD"],
        ]
    )
    body = _patched(good, b"<v>424242</v>", b"<v>1E999</v>")  # read as infinity
    before = counts(app)
    page = upload(web, app, "angka.xlsx", body, XLSX_TYPE)
    assert fault_rows(page) == [("2", "Pekerja terdaftar (D)", "Masukkan bilangan bulat.")]
    assert not import_button(page)
    assert counts(app) == before


def test_a_workbook_of_many_sheets_is_refused_before_they_are_read(app):
    book = openpyxl.Workbook()
    for n in range(11):
        book.create_sheet(f"Lembar {n}")
    buffer = io.BytesIO()
    book.save(buffer)
    web = signed_in(app, "staff_other")
    page = upload(web, app, "banyak.xlsx", buffer.getvalue(), XLSX_TYPE)
    assert errors_by_field(page) == {
        "file": ["Buku kerja ini memiliki lebih dari 10 lembar; simpan lembar angka saja."]
    }
