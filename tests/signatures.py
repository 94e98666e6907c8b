"""Partners' signatures as staff record them on the agreement page (WebTest), for the tests
whose subject is what comes after: a scan of the page each partner signed in wet ink, through
the signing form the page renders."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from webtest import Upload

from tests.pdf_tools import Provider, sign_as
from tests.web import find_form, follow, forms


@dataclass
class Signatory:
    """A partner's official with a certificate from a certification provider (tests/pdf_tools:
    a stand-in for BSrE), signing PDFs as the provider's signing app does."""

    provider: Provider
    name: str
    organisation: str = "Pemerintah Daerah"

    def __post_init__(self) -> None:
        self._signer = self.provider.signer(self.name, self.organisation)

    def sign(self, pdf: bytes) -> bytes:
        """`pdf` with this official's signature added (an incremental update). pyHanko's sync
        API runs an event loop of its own: in a thread of its own, so that it also works beside
        Playwright's loop in the browser tests."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(sign_as, pdf, self._signer).result()


def png_scan(line: str = "ttd.") -> bytes:
    """A real PNG image, as a scanner produces one of a signed page."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (300, 200), 250)
    ImageDraw.Draw(image).text((20, 80), line, fill=10)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def blank_pdf(width: int = 595) -> bytes:
    """A one-page PDF that is not any document the office issued (pages differ by width)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=width, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


WET_INK = re.compile(r"/agreements/(\d+)/signing/(\d+)/wet-ink$")


def unsigned_positions(web, agreement_id: int) -> list[int]:
    """The partner positions the page offers a signing form for."""
    page = web.get(f"/agreements/{agreement_id}")
    found = (WET_INK.search(f.action or "") for f in forms(page))
    return [int(m.group(2)) for m in found if m]


def sign_on_paper(web, agreement_id: int, signed_on: date) -> None:
    """Record every partner's wet-ink signature from the agreement page: the scan, the signer
    the page proposes (the party's signatory) and the day."""
    positions = unsigned_positions(web, agreement_id)
    assert positions, "the page offers no signing form"
    for position in positions:
        page = web.get(f"/agreements/{agreement_id}")
        action = f"/agreements/{agreement_id}/signing/{position}/wet-ink"
        form = find_form(page, action=action)
        form["signed_on"] = signed_on.isoformat()
        if not form["signer_name"].value:
            form["signer_name"] = "Penanda Tangan Mitra"
        form["file"] = Upload(f"ttd-{position}.png", png_scan(f"ttd. pihak {position}"), None)
        page = follow(form.submit(expect_errors=True))
        # a refusal is flashed, or shown at its field on the page again
        found = page.html.select(".alert-danger, .invalid-feedback")
        errors = [a.get_text(" ", strip=True) for a in found]
        assert errors == [], errors
