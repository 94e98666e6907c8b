"""The dashboard and the scorecard in Chromium for the administrator, the Denpasar staff and the
national auditor: every page checked with axe-core (WCAG 2.1 AA) at 1366 px and without
sideways scrolling at 390 px, charts and maps included."""

from tests.browser import check

KANWIL_BALI = "Kantor Wilayah Bali, Nusa Tenggara dan Papua"


def test_the_dashboard_and_scorecard_for_admin_staff_and_auditor(open_page, axe_source):
    for who in ("admin", "staff", "auditor"):
        page = open_page(who)
        page.goto("/")
        assert page.get_by_role("img", name="Komitmen menurut status").count() == 1
        assert page.locator("svg.region-map path").count() > 0
        check(page, axe_source)
        page.get_by_role("link", name="Semua mitra dalam rapor mitra").click()
        page.wait_for_load_state()
        assert "Rapor mitra" in page.locator("h1").inner_text()
        check(page, axe_source)
        page.get_by_role("link", name="Nama", exact=True).click()
        page.wait_for_load_state()
        check(page, axe_source)

    staff = open_page("staff")
    staff.goto("/")
    staff.get_by_label("Angka untuk").select_option(label=KANWIL_BALI)
    staff.get_by_role("button", name="Tampilkan").click()
    staff.wait_for_load_state()
    assert f"Komitmen: {KANWIL_BALI}" in staff.locator("main").inner_text()
    check(staff, axe_source)
