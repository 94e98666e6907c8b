"""The audit pages in a real Chromium: the document is no wider than the screen, on a laptop
(1366 px) and on a phone (390 px), even with every technical field shown."""

import pytest
from sqlalchemy import select

from partnerships.agreements.models import Agreement
from partnerships.extensions import db
from tests.browser import check
from tests.conftest import EMAILS, PASSWORD

WIDTHS = (1366, 390)


@pytest.fixture
def base_url(server):
    return server


@pytest.fixture
def browser(chromium):
    """The shared Chromium (tests/browser.py): skipped when missing, except under CI=true."""
    return chromium


def _overflow(page) -> int:
    """How many pixels the document is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_audit_pages_fit_the_screen(app, browser, base_url, width, tmp_path, axe_source):
    with app.app_context():
        mou = db.session.scalar(
            select(Agreement.id).where(Agreement.title.like("Kesepakatan Bersama BPJS%Denpasar"))
        )
    context = browser.new_context(
        base_url=base_url, locale="id-ID", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=email]", EMAILS["auditor"])
    page.fill("input[name=password]", PASSWORD)
    page.click("form button.btn-success")
    page.wait_for_url("**/")
    try:
        for url in ("/audit", "/audit?details=1", f"/audit/Agreement/{mou}?details=1"):
            page.goto(url)
            assert page.locator("li.audit-entry").count() > 0, url
            if _overflow(page) > 0:
                page.screenshot(path=str(tmp_path / f"audit-{width}.png"), full_page=True)
            assert _overflow(page) == 0, f"{url} at {width} px is {_overflow(page)} px too wide"
            check(page, axe_source)
    finally:
        context.close()
