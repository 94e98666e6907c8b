"""Auditors' dossiers in a real Chromium: a click on the agreement page downloads the zip, and
the partner page leads to the period form whose button downloads the partner's; the pages pass
axe and fit a phone."""

import os
import subprocess
import zipfile
from pathlib import Path

from partnerships.agreements.models import Agreement
from partnerships.organisations.models import Partner
from tests.browser import PHONE, check
from tests.helpers import id_of
from tests.web import ui_text

# A dossier seals its manifest over every document and audit entry: on a loaded two-core
# machine the server takes longer than Playwright's default 30 s to answer, as a person waits.
SLOW = 120_000
MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
KOTA = "Pemerintah Kota Denpasar"
# DOSSIER_SHOTS=folder keeps screenshots of the pages at laptop and phone width for review.
SHOTS = os.environ.get("DOSSIER_SHOTS")


def _shoot(page, name: str) -> None:
    if not SHOTS:
        return
    size = page.viewport_size
    page.screenshot(path=str(Path(SHOTS) / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(Path(SHOTS) / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


def _checked_zip(path: Path, into: Path) -> list[str]:
    """Unzip what the browser saved and run `sha256sum -c` on it as the README says."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        archive.extractall(into)
    root = into / names[0].split("/", 1)[0]
    result = subprocess.run(
        ["/usr/bin/sha256sum", "-c", "SHA256SUMS"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [name.split("/", 1)[1] for name in names]


def test_a_click_on_the_agreement_page_downloads_its_dossier(app, open_page, axe_source, tmp_path):
    mou = id_of(app, Agreement, MOU)
    page = open_page("auditor")
    page.goto(f"/agreements/{mou}")
    check(page, axe_source)
    _shoot(page, "agreement")
    with page.expect_download(timeout=SLOW) as info:
        page.get_by_role("button", name=ui_text(app, "Audit dossier (zip)")).click(timeout=SLOW)
    download = info.value
    assert download.suggested_filename == f"berkas-audit-mou-{mou}-20261130.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    names = _checked_zip(saved, tmp_path / "out")
    assert {"README.txt", "SHA256SUMS", "manifest.pdf", "verify_audit_chain.py"} <= set(names)
    # the page is still there, the button still works: a download is not a navigation
    assert page.url.endswith(f"/agreements/{mou}")


def test_the_partner_page_leads_to_its_dossier_for_a_period(app, open_page, axe_source, tmp_path):
    partner = id_of(app, Partner, KOTA)
    page = open_page("manager")
    page.goto(f"/partners/{partner}")
    check(page, axe_source)
    _shoot(page, "partner")
    page.get_by_role("link", name=ui_text(app, "Audit dossier for a period")).click()
    page.wait_for_url(f"**/partners/{partner}/dossier")
    check(page, axe_source)
    _shoot(page, "partner-dossier")
    page.get_by_label(ui_text(app, "From")).fill("2016-01-01")
    with page.expect_download(timeout=SLOW) as info:
        page.get_by_role("button", name=ui_text(app, "Download the dossier")).click(timeout=SLOW)
    download = info.value
    assert download.suggested_filename == f"berkas-audit-mitra-{partner}-20160101-20261130.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    names = _checked_zip(saved, tmp_path / "out")
    assert "partner.json" in names and "manifest.pdf" in names
