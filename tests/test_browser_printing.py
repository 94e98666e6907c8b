"""Printing an agreement in Chromium: the Denpasar staff download the signed MoU's PDF from its
page; the Gianyar staff, who cleared the Disnaker's own number of the addendum sent for
signature by mistake, try to print it, read what is missing (that number), type it again on the
parties page and download the PDF for the day of signing. Every page is checked at 1366 px and
390 px (axe-core, WCAG 2.1 AA, no sideways scrolling), the refusal too."""

import re
from pathlib import Path

from pypdf import PdfReader

from partnerships.agreements.models import Agreement
from tests.browser import check
from tests.helpers import id_of
from tests.test_drafting import MOU_TITLE

ADDENDUM = "Addendum Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def test_printing_an_agreement_in_the_browser(app, open_page, axe_source, tmp_path):
    staff = open_page("staff")
    staff.goto(f"/agreements/{id_of(app, Agreement, MOU_TITLE)}")
    check(staff, axe_source)
    with staff.expect_download() as started:
        staff.get_by_role("link", name="Cetak PDF").click()
    download = started.value
    assert re.fullmatch(r"perjanjian-\d+-v1\.pdf", download.suggested_filename)
    download.save_as(tmp_path / "kb.pdf")
    text = pdf_text(tmp_path / "kb.pdf")
    assert text.startswith("KESEPAKATAN BERSAMA ANTARA BPJS KETENAGAKERJAAN")
    assert "Pada hari ini Selasa tanggal dua puluh dua bulan Maret" in text

    gianyar = open_page("staff_other")
    gianyar.goto(f"/agreements/{id_of(app, Agreement, ADDENDUM)}")
    gianyar.get_by_role("link", name="Para pihak dan penanda tangan").click()
    gianyar.wait_for_load_state()
    gianyar.get_by_label("Nomor").fill("")
    gianyar.get_by_role("button", name="Simpan").click()
    gianyar.wait_for_load_state()
    gianyar.get_by_label("Tanggal penandatanganan pada PDF").fill("2026-12-01")
    gianyar.get_by_role("button", name="Cetak PDF").click()
    gianyar.wait_for_load_state()
    refusal = gianyar.locator("main .alert").first.inner_text()
    assert "PIHAK KEDUA (Dinas Tenaga Kerja Kabupaten Gianyar)" in refusal
    check(gianyar, axe_source)

    gianyar.get_by_role("link", name="Para pihak dan penanda tangan").click()
    gianyar.wait_for_load_state()
    gianyar.get_by_label("Nomor").fill("500.15.15.1/88/Disnaker/2026")
    gianyar.get_by_role("button", name="Simpan").click()
    gianyar.wait_for_load_state()
    gianyar.get_by_label("Tanggal penandatanganan pada PDF").fill("2026-12-01")
    with gianyar.expect_download() as started:
        gianyar.get_by_role("button", name="Cetak PDF").click()
    started.value.save_as(tmp_path / "addendum.pdf")
    text = pdf_text(tmp_path / "addendum.pdf")
    assert text.startswith("ADDENDUM PERTAMA PERJANJIAN KERJA SAMA ANTARA")
    assert "Nomor: 500.15.15.1/88/Disnaker/2026" in text
    assert "Pada hari ini Selasa tanggal satu bulan Desember tahun dua ribu dua puluh enam" in text
    assert "DRAF" not in text
