"""Figures imported from a spreadsheet in Chromium: the Gianyar staff open the import page from
the agreement, upload a file with faults and see each row's, then a good one and import it.
Every page is checked (axe-core, WCAG 2.1 AA, and no sideways scrolling at 390 px)."""

from sqlalchemy import select

from partnerships.commitments.models import Commitment
from partnerships.extensions import db
from tests.browser import check

GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"


def test_figures_imported_from_a_csv_in_the_browser(app, open_page, axe_source):
    with app.app_context():
        target = db.session.scalar(select(Commitment.id).where(Commitment.title == GIANYAR_TARGET))
    header = "ID komitmen;Akhir periode;Nilai;Sumber;Catatan"
    page = open_page("staff_other")
    page.goto("/agreements")
    page.get_by_role("link", name=GIANYAR_PKS, exact=True).click()
    page.get_by_role("link", name="Impor angka").click()
    check(page, axe_source)
    field = page.get_by_label("Berkas (CSV atau XLSX)")
    field.set_input_files(files=[{"name": "kosong.csv", "mimeType": "text/csv", "buffer": b""}])
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_load_state()
    assert "Berkas kosong." in page.locator("main").inner_text()
    check(page, axe_source)  # the form again, with the field's error

    bad = "\r\n".join(
        [
            header,
            f"{target};31/10/2026;12.500;Data Disnaker Gianyar;Rekap Oktober yang panjang sekali",
            f"{target};31/12/2026;12.600;Data Disnaker Gianyar;",
        ]
    )
    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(
        files=[{"name": "angka.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_load_state()
    faults = page.locator("#faults + .table-responsive").inner_text()
    assert "Angka tidak boleh bertanggal di masa depan." in faults
    assert page.get_by_role("button", name="Impor 1 angka").count() == 0
    check(page, axe_source)

    page.get_by_role("link", name="Unggah berkas lain").click()
    good = "\r\n".join([header, f"{target};31/10/2026;12.500;Data Disnaker Gianyar;"])
    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(
        files=[{"name": "angka.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_load_state()
    assert "1 angka siap ditulis." in page.locator("#summary").inner_text()
    check(page, axe_source)
    page.get_by_role("button", name="Impor 1 angka").click()
    page.wait_for_load_state()
    assert "1 angka diimpor." in page.locator("main .alert").first.inner_text()
    check(page, axe_source)
