"""End to end in a real Chromium (Debian's /usr/bin/chromium driven by Playwright): what a
person sees and clicks, including the JavaScript confirmations."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
    reason="Chromium is not installed (apt-get install chromium)",
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(base_url=server, locale="id-ID")
        yield context.new_page()
        context.close()
        browser.close()


def _login(page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button.btn-success")
    page.wait_for_url("**/")


def test_login_and_language_switch(page):
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "id"
    _login(page, "staf.denpasar@kemitraan.test")
    assert page.locator("nav").get_by_text("Mitra", exact=True).is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav").get_by_text("Partners", exact=True).is_visible()


def test_drafting_an_agreement_in_the_browser(page, tmp_path):
    _login(page, "staf.denpasar@kemitraan.test")
    page.goto("/agreements/new?kind=pks")
    page.select_option("select[name=partner_ids]", label="Pemerintah Kabupaten Tabanan")
    page.fill("input[name=title]", "Perjanjian Kerja Sama Uji Peramban")
    page.fill("input[name=subject]", "Perlindungan pekerja rentan Kabupaten Tabanan 2027")
    page.fill("input[name=place]", "Tabanan")
    page.fill("input[name=effective_on]", "2027-01-01")
    page.fill("input[name=term_months]", "12")
    page.click("form button.btn-success")
    page.wait_for_url("**/agreements/*")
    body = page.locator("main").inner_text()
    assert "Perjanjian Kerja Sama Uji Peramban" in body
    # the articles came from the clause library, filled in with this agreement's data
    assert "12 (dua belas) bulan" in body
    assert "31 Desember 2027" in body
    page.screenshot(path=str(tmp_path / "agreement.png"), full_page=True)


def test_destructive_action_asks_first(page, app):
    with app.app_context():
        partner_id = db.session.scalar(
            db.select(Partner.id).where(Partner.name == "Desa Ubung Kaja")
        )
    _login(page, "staf.denpasar@kemitraan.test")
    page.goto(f"/partners/{partner_id}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("form[data-confirm] button").first.click()
    page.wait_for_timeout(300)
    with app.app_context():
        assert db.session.get(Partner, partner_id).is_deleted is False
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[data-confirm] button").first.click()
    page.wait_for_url("**/partners")
    with app.app_context():
        assert db.session.get(Partner, partner_id).is_deleted is True
