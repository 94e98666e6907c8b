"""The public verification page in Chromium: someone who is not signed in opens a sealed
letter's QR link, then uploads the letter and a copy altered after signing. Every page is
checked at 1366 px and at 390 px (axe-core, WCAG 2.1 AA, no sideways scrolling)."""

import os

from tests.browser import PHONE, check
from tests.pdf_tools import flip_byte
from tests.test_verification import issue
from tests.web import ui_text

SCREENSHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep what the pages look like


def shoot(page, name: str) -> None:
    if not SCREENSHOTS:
        return
    page.screenshot(path=f"{SCREENSHOTS}/{name}-1366.png", full_page=True)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SCREENSHOTS}/{name}-390.png", full_page=True)
    page.set_viewport_size(size)


def test_checking_a_sealed_letter_in_the_browser(app, open_page, axe_source, tmp_path):
    _id, token, pdf = issue(app, title="Laporan Rahasia Uji", number="B/79/112026")
    page = open_page()
    page.goto(f"/verify/{token}")
    main = page.locator("main").inner_text()
    assert "B/79/112026" in main and "Laporan Rahasia Uji" not in main
    assert page.locator("#verdict").get_attribute("data-outcome") == "valid"
    check(page, axe_source)
    shoot(page, "verify-token")

    page.get_by_role("link", name=ui_text(app, "check a document")).click()
    page.wait_for_load_state()
    check(page, axe_source)
    original = tmp_path / "surat.pdf"
    original.write_bytes(pdf)
    page.get_by_label(ui_text(app, "PDF file")).set_input_files(str(original))
    page.get_by_role("button", name=ui_text(app, "Check")).click()
    page.wait_for_load_state()
    assert page.locator("#verdict").get_attribute("data-outcome") == "valid"
    assert "B/79/112026" in page.locator(".registered").inner_text()
    check(page, axe_source)
    shoot(page, "verify-valid")

    altered = tmp_path / "surat-diubah.pdf"
    altered.write_bytes(flip_byte(pdf))
    page.get_by_label(ui_text(app, "PDF file")).set_input_files(str(altered))
    page.get_by_role("button", name=ui_text(app, "Check")).click()
    page.wait_for_load_state()
    assert page.locator("#verdict").get_attribute("data-outcome") == "altered"
    assert page.locator(".registered").count() == 0
    check(page, axe_source)
    shoot(page, "verify-altered")

    page.get_by_role("button", name=ui_text(app, "Check")).click()  # no file chosen
    page.wait_for_load_state()
    assert ui_text(app, "Choose the PDF file to check.") in page.locator("main").inner_text()
    check(page, axe_source)
