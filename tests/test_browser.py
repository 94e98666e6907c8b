"""End to end in a real Chromium (Debian's /usr/bin/chromium driven by Playwright): what a
person sees and clicks, including the JavaScript confirmations."""

import pytest

from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.browser import login


@pytest.fixture
def page(open_page):
    return open_page()


def test_login_and_language_switch(page):
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "id"
    login(page, "staf.denpasar@kemitraan.test")
    assert page.locator("nav").get_by_text("Mitra", exact=True).is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav").get_by_text("Partners", exact=True).is_visible()


def test_drafting_an_agreement_in_the_browser(page, tmp_path):
    login(page, "staf.denpasar@kemitraan.test")
    page.goto("/agreements/new?kind=pks")
    # Partners are ticked, not Ctrl-clicked; the filter box (app.js) narrows the long list.
    page.fill("input[data-filter-list]", "tabanan")
    assert page.get_by_label("Kejaksaan Negeri Denpasar", exact=True).is_hidden()
    page.get_by_label("Pemerintah Kabupaten Tabanan", exact=True).check()
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
    login(page, "staf.denpasar@kemitraan.test")
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


def test_missing_browser_tools_fail_in_ci(monkeypatch):
    """A machine without Chromium or axe-core skips the browser tests; CI fails instead."""
    from tests.browser import _missing

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing in CI"):
        _missing("Chromium")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        _missing("Chromium")
