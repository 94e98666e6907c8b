"""The partner portal in Chromium: a Gianyar partner user walks its portal, submits a figure
(first with a mistake), writes to the office, keeps its profile and a contact person; the office
rejects the figure (first without the reason) and the partner reads why. Every page is checked
at 1366 px and at 390 px (axe-core, WCAG 2.1 AA, no sideways scrolling), forms with errors too."""

from tests.browser import check

GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"
PARTNER = "mitra.gianyar@kemitraan.test"


def test_the_partner_portal_in_the_browser(open_page, axe_source):
    page = open_page(PARTNER)
    page.get_by_role("link", name="Komitmen saya").click()
    page.wait_for_load_state()
    assert GIANYAR_TARGET in page.locator("#portal-commitments").inner_text()
    check(page, axe_source)

    page.locator("#portal-commitments").get_by_role("link", name=GIANYAR_TARGET).click()
    page.wait_for_load_state()
    check(page, axe_source)
    page.get_by_label("Periode berakhir pada").fill("2026-12-31")  # not yet: refused
    page.get_by_label("Nilai yang dicapai").fill("12900")
    page.get_by_label("Sumber", exact=True).fill("Data kepesertaan Disnaker Gianyar")
    page.get_by_role("button", name="Ajukan angka").click()
    page.wait_for_load_state()
    assert "Angka tidak boleh bertanggal di masa depan." in page.locator("main").inner_text()
    check(page, axe_source)
    page.get_by_label("Periode berakhir pada").fill("2026-10-31")
    page.get_by_role("button", name="Ajukan angka").click()
    page.wait_for_load_state()
    assert "diajukan" in page.locator("main .alert").first.inner_text()
    page.get_by_label("Pesan", exact=True).fill("Rekap Oktober dari Disnaker terlampir.")
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_load_state()
    assert "Pesan terkirim." in page.locator("main .alert").first.inner_text()
    check(page, axe_source)

    page.goto("/portal")
    assert "Oktober 2026" in page.locator("#awaiting").inner_text()
    check(page, axe_source)
    page.get_by_role("link", name="Profil instansi").first.click()
    page.wait_for_load_state()
    check(page, axe_source)
    page.get_by_label("Email").fill("bukan email")
    page.get_by_role("button", name="Simpan profil").click()
    page.wait_for_load_state()
    check(page, axe_source)  # the field's error
    page.get_by_label("Email").fill("disnaker@gianyarkab.go.id")
    page.get_by_label("Telepon").fill("(0361) 943012")
    page.get_by_role("button", name="Simpan profil").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Tambah narahubung").click()
    page.wait_for_load_state()
    check(page, axe_source)
    page.get_by_label("Nama").fill("Ida Bagus Made Oka")
    page.get_by_label("Jabatan").fill("Kepala Bidang Hubungan Industrial")
    page.get_by_label("Telepon").fill("0812-3800-1122")
    page.get_by_role("button", name="Simpan narahubung").click()
    page.wait_for_load_state()
    assert "Ida Bagus Made Oka" in page.locator("#contacts-table").inner_text()
    check(page, axe_source)

    staff = open_page("staff_other")
    staff.goto("/commitments")
    staff.get_by_role("link", name=GIANYAR_TARGET, exact=True).click()
    staff.wait_for_load_state()
    check(staff, axe_source)
    staff.get_by_role("button", name="Tolak").click()
    staff.wait_for_load_state()
    check(staff, axe_source)  # the reason is required
    staff.get_by_label("Alasan penolakan").fill("Lampirkan rekap by name by address.")
    staff.get_by_role("button", name="Tolak").click()
    staff.wait_for_load_state()
    assert "Angka ditolak." in staff.locator("main .alert").first.inner_text()
    check(staff, axe_source)

    page.goto("/portal")
    assert "Lampirkan rekap by name by address." in page.locator("#portal-recent").inner_text()
    check(page, axe_source)
