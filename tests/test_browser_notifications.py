"""Notifications in Chromium: the Waiting for me list from the menu badge, for the office's
staff (comments to answer), the partner, and someone with nothing waiting; the e-mail
preference page turned off and on. Every page is checked (axe-core, WCAG 2.1 AA, and no
sideways scrolling at 390 px)."""

from tests.browser import check

IN_REVIEW = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"


def test_the_waiting_list_and_the_preference_in_the_browser(open_page, axe_source):
    page = open_page("staf.denpasar@kemitraan.test")
    menu = page.get_by_role("link", name="Menunggu saya")
    assert "butir" in menu.inner_text()  # the badge, with its count for screen readers
    menu.click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Komentar tinjauan yang perlu ditanggapi" in main
    assert IN_REVIEW in main
    check(page, axe_source)
    page.get_by_role("link", name=IN_REVIEW).first.click()
    page.wait_for_load_state()
    assert "#comment-" in page.url

    page.goto("/waiting")
    page.locator("main").get_by_role("link", name="Notifikasi e-mail").click()
    page.wait_for_load_state()
    check(page, axe_source)
    box = page.get_by_label("Kirimi saya e-mail saat ada pekerjaan yang diserahkan kepada saya")
    assert box.is_checked()
    box.uncheck()
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_load_state()
    assert "Notifikasi e-mail dimatikan." in page.locator("main .alert").first.inner_text()
    assert not box.is_checked()
    check(page, axe_source)


def test_the_partners_list_and_an_empty_one_in_the_browser(open_page, axe_source):
    partner = open_page("mitra.denpasar@kemitraan.test")
    partner.goto("/waiting")
    check(partner, axe_source)
    auditor = open_page("auditor@kemitraan.test")
    auditor.goto("/waiting")
    assert "Tidak ada yang menunggu Anda." in auditor.locator("main").inner_text()
    check(auditor, axe_source)
