"""Commitments in Chromium: the Gianyar staff add a budget line with the calculator and report a
figure, the administrator keeps the rates, the partner reads its own. Every page is checked
(axe-core, WCAG 2.1 AA, and no sideways scrolling at 390 px), forms with their errors too."""

from tests.browser import check

GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"
DENPASAR_COVERAGE = "Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"


def test_a_budget_line_from_the_calculator_and_a_figure_in_the_browser(open_page, axe_source):
    page = open_page("staff_other")
    page.goto("/agreements")
    page.get_by_role("link", name=GIANYAR_PKS, exact=True).click()
    check(page, axe_source)
    page.get_by_role("link", name="Tambah pos anggaran").click()
    check(page, axe_source)
    page.get_by_label("Pekerja yang dilindungi").fill("12800")
    page.get_by_role("button", name="Hitung").click()
    page.wait_for_load_state()
    assert page.get_by_label("Jumlah (Rp)").input_value() == "2580480000"
    check(page, axe_source)
    page.get_by_label("Pasal asal").select_option(label="Pasal 5 — Pembiayaan")
    page.get_by_label("Judul").fill("APBD Perubahan 2026 untuk pekerja rentan")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_load_state()
    assert "Komitmen dicatat." in page.locator("main .alert").first.inner_text()
    assert "dua miliar lima ratus delapan puluh juta" in page.locator("main").inner_text()
    check(page, axe_source)

    page.goto("/commitments?kind=target")
    page.get_by_role("link", name=GIANYAR_TARGET, exact=True).click()
    page.get_by_label("Periode berakhir pada").fill("2026-12-31")  # not yet: refused
    page.get_by_label("Nilai yang dicapai").fill("12500")
    page.get_by_label("Sumber", exact=True).fill("Data kepesertaan Disnaker Gianyar")
    page.get_by_role("button", name="Tambah angka").click()
    page.wait_for_load_state()
    assert "Angka tidak boleh bertanggal di masa depan." in page.locator("main").inner_text()
    check(page, axe_source)  # the page again, with the field's error
    page.get_by_label("Periode berakhir pada").fill("2026-10-31")
    page.get_by_role("button", name="Tambah angka").click()
    page.wait_for_load_state()
    assert "Angka Oktober 2026 dicatat." in page.locator("main .alert").first.inner_text()
    check(page, axe_source)
    page.get_by_role("link", name="Ubah atau catat perubahan").click()
    check(page, axe_source)


def test_rates_and_the_partners_view_in_the_browser(open_page, axe_source):
    admin = open_page("admin")
    admin.goto("/commitments")
    admin.get_by_role("link", name="Tarif iuran").click()
    check(admin, axe_source)
    admin.get_by_role("link", name="Tarif baru").click()
    admin.get_by_role("button", name="Simpan").click()
    admin.wait_for_load_state()
    check(admin, axe_source)  # every required field flagged

    partner = open_page("mitra.denpasar@kemitraan.test")
    partner.goto("/commitments")
    check(partner, axe_source)
    partner.get_by_role("link", name=DENPASAR_COVERAGE, exact=True).click()
    assert "47% dari 50%" in partner.locator("#status").inner_text()
    check(partner, axe_source)
