"""Signing in Chromium, as the Denpasar manager does it: send an approved tripartite PKS for
signature, download the sealed PDF, upload it back signed by the city's certification provider,
upload the scan of the page Kelurahan Sesetan's Lurah signed in ink, then record the signing and
find the berita acara among the documents. Every page is checked at 1366 px and at 390 px
(axe-core, WCAG 2.1 AA, no sideways scrolling), the refused upload's page too."""

from pathlib import Path

from sqlalchemy import select

from partnerships.documents.models import Document
from partnerships.extensions import db
from tests.browser import check
from tests.conftest import OFFICE_DAY
from tests.pdf_tools import flip_byte
from tests.signatures import png_scan
from tests.test_agreement_workflow import (
    IRFAN,
    KARYAWATI,
    MANAGER,
    PEMKOT,
    SESETAN,
    moved,
    new_draft,
    signed_in,
    signed_up,
    ui,
)
from tests.test_signing import (  # noqa: F401 (provider, trusted: the fixtures)
    NEW_SECRETARY,
    add_city_signatory,
    provider,
    trusted,
)


def approved(app) -> int:
    """The tripartite PKS, drafted and approved through the pages (WebTest): what the manager
    finds waiting to be sent."""
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    add_city_signatory(app, staff)
    aid = new_draft(app, staff, "PKS Uji Penandatanganan di Peramban", partners=(SESETAN, PEMKOT))
    signed_up(
        app,
        staff,
        aid,
        {1: IRFAN, 2: KARYAWATI, 3: NEW_SECRETARY},
        {2: "470/99/SST/2026", 3: "100.3.7/77/HK/2026"},
    )
    moved(app, staff, aid, "submit", "in_review")
    moved(app, manager, aid, "approve", "approved")
    return aid


def certified_form(page):
    return page.locator("form[action$='/signing/3/certified']")


def alert(page) -> str:
    return page.locator("main .alert").first.inner_text()


def test_a_manager_sends_collects_the_signatures_and_records_the_signing(
    app, open_page, axe_source, request, tmp_path
):
    city = request.getfixturevalue("trusted")  # the city's provider, trusted by the app
    aid = approved(app)
    page = open_page(MANAGER)
    page.goto(f"/agreements/{aid}")
    check(page, axe_source)

    # Sending prints and seals the final text.
    page.get_by_role("button", name="Kirim untuk ditandatangani").click()
    page.wait_for_load_state()
    assert page.locator("main .badge").first.inner_text() == "Menunggu tanda tangan"
    check(page, axe_source)
    with page.expect_download() as downloading:
        page.get_by_role("link", name=ui(app, "Download the sealed PDF")).click()
    sealed = Path(downloading.value.path()).read_bytes()
    assert sealed.startswith(b"%PDF")

    # The city's secretary signs it with the provider; first an altered copy comes back.
    signed = city.sign(sealed)
    certified = page.locator("form[action$='/signing/3/certified']")
    certified.locator("input[type=file]").set_input_files(
        {"name": "ttd-elektronik.pdf", "mimeType": "application/pdf",
         "buffer": flip_byte(signed)}
    )  # fmt: skip
    certified.locator("button").click()
    page.wait_for_load_state()
    refusal = certified_form(page).locator(".invalid-feedback").inner_text()
    assert refusal.startswith(ui(app, "The signed PDF was refused: %(reason)s", reason=""))
    check(page, axe_source)
    certified = page.locator("form[action$='/signing/3/certified']")
    certified.locator("input[type=file]").set_input_files(
        {"name": "ttd-elektronik.pdf", "mimeType": "application/pdf", "buffer": signed}
    )
    certified.locator("button").click()
    page.wait_for_load_state()
    assert alert(page) == ui(app, "The signature of %(party)s is recorded.", party=PEMKOT)
    check(page, axe_source)

    # Sesetan's Lurah signed on paper.
    scan = tmp_path / "pindaian-sesetan.png"
    scan.write_bytes(png_scan(f"ttd. {KARYAWATI}"))
    wet_ink = page.locator("form[action$='/signing/2/wet-ink']")
    assert wet_ink.locator("input[name=signer_name]").input_value() == KARYAWATI
    wet_ink.locator("input[type=file]").set_input_files(str(scan))
    wet_ink.locator("input[name=signed_on]").fill(OFFICE_DAY.isoformat())
    wet_ink.locator("button").click()
    page.wait_for_load_state()
    assert alert(page) == ui(app, "The signature of %(party)s is recorded.", party=SESETAN)
    signing = page.locator("#signing ~ .table-responsive").first.inner_text()
    assert NEW_SECRETARY in signing and KARYAWATI in signing and IRFAN in signing
    check(page, axe_source)

    # Recording the signing issues the berita acara.
    form = page.locator("form").filter(
        has=page.get_by_role("button", name="Catat penandatanganan", exact=True)
    )
    form.locator("[name=signed_on]").fill(OFFICE_DAY.isoformat())
    form.get_by_role("button", name="Catat penandatanganan").click()
    page.wait_for_load_state()
    assert page.locator("main .badge").first.inner_text() == "Aktif"
    check(page, axe_source)
    with app.app_context():
        record = db.session.scalar(
            select(Document).where(
                Document.subject_type == "Agreement",
                Document.subject_id == aid,
                Document.kind == "signing_record",
            )
        )
        record_hash = record.sha256
    documents = page.locator("#documents + ul").inner_text()
    assert record_hash in documents.replace("\n", "")
    with page.expect_download() as downloading:
        page.get_by_role("link", name=ui(app, "Signing record (berita acara)")).click()
    assert Path(downloading.value.path()).read_bytes().startswith(b"%PDF")
