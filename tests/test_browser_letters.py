"""Progress letters in Chromium: a manager starts the letters for all of the office's partners,
watches the job page follow the job (its script polls the progress, under the enforced CSP)
until the download appears, and downloads the zip; a letter is issued from the partner page.
Every page is checked (axe-core, WCAG 2.1 AA, no sideways scrolling at 390 px). Then the
letter's chart, drawn in Chromium: every axis label inside the drawing."""

import zipfile

import pytest
from sqlalchemy import select

from partnerships.commitments import letters
from partnerships.commitments.models import Commitment, ProgressLetter
from partnerships.documents import rendering
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.browser import check
from tests.conftest import OFFICE_DAY
from tests.helpers import forget_demo_letters
from tests.test_letter_jobs import InProcessConsumer, add_city_head, use_queue
from tests.web import ui_text


@pytest.fixture(autouse=True)
def _no_letters_yet(app):
    """The demo wrote October's letters; these tests write them themselves."""
    forget_demo_letters(app)


def test_a_manager_writes_the_months_letters_and_downloads_them(
    app, open_page, axe_source, tmp_path
):
    use_queue(app, f"sqlite:///{tmp_path / 'jobs.db'}")
    add_city_head(app)
    page = open_page("manager")
    page.goto("/commitments")
    page.get_by_role("link", name=ui_text(app, "Progress letters")).click()
    page.wait_for_load_state()
    check(page, axe_source)
    page.get_by_role("link", name=ui_text(app, "Letters for all partners of an office")).click()
    page.wait_for_load_state()
    check(page, axe_source)
    assert page.get_by_label(ui_text(app, "Office")).input_value() != ""
    page.get_by_label(ui_text(app, "Month reported on")).fill("2017-06")
    page.get_by_role("button", name=ui_text(app, "Write the letters")).click()
    page.wait_for_load_state()
    status = page.locator("#job-text")
    assert status.inner_text() == ui_text(app, "Waiting for the worker")
    check(page, axe_source)  # the job page while the job waits

    download_link = page.get_by_role("link", name=ui_text(app, "Download the letters (zip)"))
    with InProcessConsumer(app)():
        # the page's script polls the job and shows the page again once it is done
        download_link.wait_for(timeout=90_000)
    assert status.inner_text() == ui_text(app, "Done")
    assert page.locator("#job-bar").get_attribute("value") == "2"
    check(page, axe_source)
    with page.expect_download() as waiting:
        download_link.click()
    archive = waiting.value
    assert archive.suggested_filename == "surat-perkembangan-2017-06-dps.zip"
    with zipfile.ZipFile(archive.path()) as zipped:
        assert sorted(zipped.namelist()) == [
            "surat-perkembangan-2017-06-kelurahan-sesetan.pdf",
            "surat-perkembangan-2017-06-pemerintah-kota-denpasar.pdf",
        ]
        assert all(zipped.read(name).startswith(b"%PDF-") for name in zipped.namelist())

    # the letters are listed, and each partner page has its own
    page.get_by_role("link", name=ui_text(app, "Letters of this month")).click()
    page.wait_for_load_state()
    check(page, axe_source)
    assert page.locator("#letter-list tbody tr").count() == 2
    assert page.locator("#job-list tbody tr").count() == 1
    page.get_by_role("link", name="Kelurahan Sesetan").click()
    page.wait_for_load_state()
    check(page, axe_source)
    assert page.locator("#letters tbody tr").count() == 1


def test_a_letter_from_the_partner_page_in_the_browser(app, open_page, axe_source):
    page = open_page("staff")
    page.goto("/partners?q=Sesetan")
    page.get_by_role("link", name="Kelurahan Sesetan", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label(ui_text(app, "Month reported on")).fill("2026-10")
    page.get_by_role("button", name=ui_text(app, "Issue the letter")).click()
    page.wait_for_load_state()
    assert "B/1/DPS/112026" in page.locator("main .alert").first.inner_text()
    check(page, axe_source)
    with page.expect_download() as waiting:
        page.locator("#letters").get_by_role("link", name=ui_text(app, "Download PDF")).click()
    assert waiting.value.suggested_filename == "surat-perkembangan-2026-10-kelurahan-sesetan.pdf"


def test_the_letters_chart_labels_lie_inside_the_drawing(app, open_page):
    """Disnaker Gianyar's letter has rupiah axes ('Rp2.580.480.000,00'): drawn by Chromium from
    the letter's own HTML, no text of any chart reaches outside its SVG's box."""
    with app.test_request_context():
        partner = db.session.scalar(
            select(Partner).where(Partner.name == "Dinas Tenaga Kerja Kabupaten Gianyar")
        )
        letter = letters.reserve(partner, letters.parse_period("2026-10"), OFFICE_DAY)
        html = rendering.render_html(
            "letter.html", {**letters.letter_data(letter), "verify_url": "https://x.invalid/v"}
        )
        db.session.rollback()
        assert db.session.scalar(select(ProgressLetter.id)) is None
    page = open_page()
    page.set_content(html)
    labels = page.evaluate(
        "() => [...document.querySelectorAll('svg.chart text')].map((t) => t.textContent)"
    )
    assert "Rp2.580.480.000,00" in labels
    assert page.evaluate(OUTSIDE, "svg.chart") == []
    # the same drawing on the commitment's page, in the user's language
    staff = open_page("staff_other")
    with app.app_context():
        budget = db.session.scalar(
            select(Commitment.id).where(Commitment.title.startswith("APBD 2026 untuk iuran"))
        )
    staff.goto(f"/commitments/{budget}")
    texts = staff.evaluate(
        "() => [...document.querySelectorAll('.commitment-chart text')].map((t) => t.textContent)"
    )
    assert "Rp2.580.480.000,00" in texts
    assert staff.evaluate(OUTSIDE, ".commitment-chart svg") == []


# The texts of the SVGs matching a selector that reach outside their drawing's box.
OUTSIDE = """(selector) => [...document.querySelectorAll(selector)].flatMap((svg) => {
  const box = svg.viewBox.baseVal;
  return [...svg.querySelectorAll("text")].map((t) => [t.textContent, t.getBBox()])
    .filter(([, b]) => b.x < box.x || b.y < box.y ||
            b.x + b.width > box.x + box.width || b.y + b.height > box.y + box.height)
    .map(([text]) => text);
})"""
