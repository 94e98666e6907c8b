"""Signing an agreement through its page (WebTest): sending it for signature seals the final
text; each partner signs with its certified electronic signature (the sealed PDF signed by its
provider, uploaded back and verified) or in wet ink (a scan); recording the signing needs every
party's signature and number and issues the sealed berita acara with the documents' hashes.

The provider is a real test CA (tests/pdf_tools.py); the signatures are real PAdES signatures
checked by the app's verifier. Direct POSTs are kept for what no page offers (a partner user's
forged upload)."""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select
from webtest import Upload

from partnerships.agreements import signing
from partnerships.agreements.models import Agreement
from partnerships.core.formatting import long_date
from partnerships.documents import verification
from partnerships.documents.models import Document, SigningEntry
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import EMAILS, OFFICE_DAY
from tests.helpers import id_of
from tests.pdf_tools import Provider, append_text, flip_byte
from tests.signatures import Signatory, blank_pdf, png_scan
from tests.test_agreement_workflow import (
    IRFAN,
    KARYAWATI,
    MANAGER,
    PEMKOT,
    SESETAN,
    audit_head,
    flashed,
    forge,
    move,
    moved,
    new_draft,
    refused,
    signed_in,
    signed_up,
    state,
    trail,
    ui,
)
from tests.web import find_form, submit, text

NEW_SECRETARY = "I Made Contoh Wiradana"  # the city's signatory now, added through its page
GIANYAR_ADDENDUM = "Addendum Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_STAFF, GIANYAR_MANAGER = "staf.gianyar@kemitraan.test", "manajer.gianyar@kemitraan.test"


# ---- helpers ------------------------------------------------------------------------------


def documents_of(app, agreement_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(Document)
            .where(Document.subject_type == "Agreement", Document.subject_id == agreement_id)
            .order_by(Document.id)
        ).all()
        return [
            {
                "id": d.id,
                "kind": d.kind,
                "origin": d.origin,
                "sha256": d.sha256,
                "sealed": d.sealed,
                "is_draft": d.is_draft,
                "agreement_version": d.agreement_version,
                "filename": d.filename,
                "content_type": d.content_type,
            }
            for d in rows
        ]


def signings_of(app, agreement_id: int) -> dict[int, dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(SigningEntry).where(
                SigningEntry.subject_type == "Agreement", SigningEntry.subject_id == agreement_id
            )
        ).all()
        return {
            e.party_position: {
                "id": e.id,
                "party_name": e.party_name,
                "mode": e.mode,
                "signer_name": e.signer_name,
                "signed_at": e.signed_at,
                "document_id": e.document_id,
                "sha256": e.sha256,
            }
            for e in rows
        }


def download(web, agreement_id: int, label: str):
    """Follow the document link labelled `label` (an English msgid, as the UI words it) on
    the agreement's page."""
    page = web.get(f"/agreements/{agreement_id}")
    label = ui(web.app, label)
    link = page.html.find("a", string=re.compile(re.escape(label)))
    assert link is not None, f"no link {label!r} on the agreement page"
    return web.get(link["href"])


def sign_certified(web, agreement_id: int, position: int, data: bytes, **fields):
    """Upload `data` as the party's certified signature with the form the page renders."""
    page = web.get(f"/agreements/{agreement_id}")
    return submit(
        page,
        action=f"/agreements/{agreement_id}/signing/{position}/certified",
        upload=("file", Upload("ttd-elektronik.pdf", data, "application/pdf")),
        **fields,
    )


def sign_wet_ink(web, agreement_id: int, position: int, data: bytes, filename: str, **fields):
    page = web.get(f"/agreements/{agreement_id}")
    return submit(
        page,
        action=f"/agreements/{agreement_id}/signing/{position}/wet-ink",
        upload=("file", Upload(filename, data, None)),
        **fields,
    )


def alerts(response, category: str = "danger") -> list[str]:
    return [m for c, m in flashed(response) if c == category]


def said(response) -> list[str]:
    """Why a signing form was refused: the page again, with the errors at its fields and any
    message above it."""
    assert response.status_int == 200, response.status
    found = response.html.select(".invalid-feedback, .alert-danger")
    return [" ".join(e.get_text(" ").split()) for e in found]


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def add_city_signatory(app, staff) -> None:
    """The city's official in office now, added from the partner's page as staff do."""
    page = staff.get(f"/partners/{id_of(app, Partner, PEMKOT)}").click(description="Tambah pejabat")
    response = submit(
        page,
        button="Simpan",
        name=NEW_SECRETARY,
        title="Sekretaris Daerah Kota Denpasar",
        tenure_start="2024-03-01",
    )
    assert response.status_int == 302


@pytest.fixture
def provider():
    """A certification provider, as BSrE is for the city's officials."""
    return Provider()


@pytest.fixture
def trusted(app, provider, tmp_path):
    """The provider's CA among the roots the app's verifier trusts, installed as an operator
    installs BSrE's (a PEM file in DOCUMENT_TRUST_DIR)."""
    provider.trust_in(tmp_path / "trusted")
    app.config["DOCUMENT_TRUST_DIR"] = str(tmp_path / "trusted")
    return Signatory(provider, NEW_SECRETARY)


def awaiting(app, staff, manager) -> int:
    """A tripartite PKS (the office, Kelurahan Sesetan, the city) sent for signature through
    its page: positions 1, 2 (Sesetan) and 3 (the city)."""
    add_city_signatory(app, staff)
    aid = new_draft(app, staff, "PKS Uji Penandatanganan Tiga Pihak", partners=(SESETAN, PEMKOT))
    signed_up(
        app,
        staff,
        aid,
        {1: IRFAN, 2: KARYAWATI, 3: NEW_SECRETARY},
        {2: "470/88/SST/2026", 3: "100.3.7/55/HK/2026"},
    )
    moved(app, staff, aid, "submit", "in_review")
    moved(app, manager, aid, "approve", "approved")
    moved(app, staff, aid, "request_signature", "awaiting_signature")
    return aid


# ---- the whole path -----------------------------------------------------------------------


def test_send_sign_three_ways_and_record_the_signing(app, trusted):
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    aid = awaiting(app, staff, manager)

    # Sending sealed the final text: one AGREEMENT document, not a draft, of the latest version;
    # the office's party is signed by the seal.
    [sent] = documents_of(app, aid)
    assert (sent["kind"], sent["origin"], sent["sealed"], sent["is_draft"]) == (
        "agreement",
        "generated",
        True,
        False,
    )
    assert sent["agreement_version"] == 1
    signings = signings_of(app, aid)
    assert list(signings) == [1]
    assert signings[1]["mode"] == "seal"
    assert signings[1]["signer_name"] == IRFAN
    assert signings[1]["sha256"] == sent["sha256"]

    # The page offers the sealed PDF; what it serves is the stored file, byte for byte.
    page = staff.get(f"/agreements/{aid}")
    assert ui(app, "Signing") in text(page)
    response = download(staff, aid, "Download the sealed PDF")
    assert response.status_int == 200
    assert response.content_type == "application/pdf"
    assert f"filename={sent['filename']}" in response.headers["Content-Disposition"]
    sealed_pdf = response.body
    assert hashlib.sha256(sealed_pdf).hexdigest() == sent["sha256"]
    with app.app_context():  # sealed by the office, whose CA the app trusts
        assert verification.check(sealed_pdf).outcome == verification.Outcome.VALID

    # Nobody has signed yet: the signing cannot be recorded.
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(
            app,
            "%(party)s has not signed yet: upload its signed PDF or the scan of its signature "
            "under Signing.",
            party=SESETAN,
        ),
        signed_on=OFFICE_DAY,
    )

    # The city signs with its certified signature: our sealed PDF plus its provider's signature.
    signed_pdf = trusted.sign(sealed_pdf)
    response = sign_certified(staff, aid, 3, signed_pdf)
    assert response.status_int == 302
    assert alerts(response, "success") == [
        ui(app, "The signature of %(party)s is recorded.", party=PEMKOT)
    ]
    city = signings_of(app, aid)[3]
    # named from its certificate: the name and the organisation it was issued to
    assert (city["mode"], city["signer_name"]) == (
        "certified",
        f"{NEW_SECRETARY} (Pemerintah Daerah)",
    )
    assert city["sha256"] == hashlib.sha256(signed_pdf).hexdigest()
    upload = next(d for d in documents_of(app, aid) if d["id"] == city["document_id"])
    assert (upload["kind"], upload["origin"], upload["agreement_version"]) == (
        "signed_upload",
        "uploaded",
        1,
    )

    # Sesetan has not signed: still refused.
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(
            app,
            "%(party)s has not signed yet: upload its signed PDF or the scan of its signature "
            "under Signing.",
            party=SESETAN,
        ),
        signed_on=OFFICE_DAY,
    )

    # Sesetan's Lurah signed on paper: the scan, who signed and when (prefilled: the signatory).
    page = staff.get(f"/agreements/{aid}")
    assert page.html.find(id="wet-signer-2")["value"] == KARYAWATI
    scan = png_scan(f"ttd. {KARYAWATI}")
    response = sign_wet_ink(staff, aid, 2, scan, "pindaian.png", signed_on=OFFICE_DAY.isoformat())
    assert alerts(response, "success") == [
        ui(app, "The signature of %(party)s is recorded.", party=SESETAN)
    ]
    lurah = signings_of(app, aid)[2]
    assert (lurah["mode"], lurah["signer_name"]) == ("wet_ink", KARYAWATI)
    assert lurah["sha256"] == hashlib.sha256(scan).hexdigest()
    scan_doc = next(d for d in documents_of(app, aid) if d["id"] == lurah["document_id"])
    assert (scan_doc["kind"], scan_doc["content_type"]) == ("wet_ink_scan", "image/png")
    response = staff.get(f"/agreements/{aid}/documents/{scan_doc['id']}")
    assert (response.body, response.content_type) == (scan, "image/png")
    assert "filename=pindaian.png" in response.headers["Content-Disposition"]

    # Every party signed, but Sesetan's number was cleared on the parties page meanwhile:
    # the signing is not recorded without it; it is entered where party numbers are.
    signed_up(app, staff, aid, {}, {2: ""})
    refused(
        app,
        staff,
        aid,
        "activate",
        ui(
            app,
            "Record the number %(party)s gave the agreement in its own register, under "
            "Parties and signatories.",
            party=SESETAN,
        ),
        signed_on=OFFICE_DAY,
    )
    signed_up(app, staff, aid, {}, {2: "470/88/SST/2026"})

    start = audit_head(app)
    moved(app, manager, aid, "activate", "active", signed_on=OFFICE_DAY)

    # The berita acara: sealed, listing parties, signers, modes and the hashes of what each signed.
    record = next(d for d in documents_of(app, aid) if d["kind"] == "signing_record")
    assert record["sealed"] and record["origin"] == "generated"
    response = download(manager, aid, "Signing record (berita acara)")
    assert response.status_int == 200
    assert hashlib.sha256(response.body).hexdigest() == record["sha256"]
    words = pdf_text(response.body)
    flat = re.sub(r"\s+", "", words)
    assert "BERITA ACARA PENANDATANGANAN" in words
    for name in (SESETAN, PEMKOT, IRFAN, KARYAWATI, NEW_SECRETARY):
        assert re.sub(r"\s+", "", name) in flat, name
    for mode in ("Segel elektronik kantor", "Tanda tangan elektronik tersertifikasi"):
        assert re.sub(r"\s+", "", mode) in flat, mode
    assert "Tandatanganbasah(hasilpindaian)" in flat
    for entry in signings_of(app, aid).values():
        assert entry["sha256"] in flat
    assert "470/88/SST/2026" in flat and "100.3.7/55/HK/2026" in flat

    # The page lists every document with its hash; the signing and the record are in the trail.
    page = manager.get(f"/agreements/{aid}")
    listed = page.html.find(id="documents").find_next("ul").get_text(" ")
    for document in documents_of(app, aid):
        assert document["sha256"] in listed
    assert [e["action"] for e in trail(app, "Document", record["id"], start)] == ["insert"]
    assert [e["actor"] for e in trail(app, "SigningEntry", lurah["id"])] == [EMAILS["staff"]]

    # The city's user sees the sealed text, the berita acara and its own upload, never
    # Sesetan's scan, whose link does not exist for it.
    partner = signed_in(app, "partner")
    page = partner.get(f"/agreements/{aid}")
    links = {a["href"] for a in page.html.select("#documents ~ ul a")}
    base = f"/agreements/{aid}/documents"
    assert links == {f"{base}/{sent['id']}", f"{base}/{record['id']}", f"{base}/{upload['id']}"}
    assert partner.get(f"{base}/{scan_doc['id']}").status_int == 404
    assert partner.get(f"{base}/{upload['id']}").status_int == 200
    assert "Tanda tangan basah" not in str(page.html.select("#documents ~ ul"))


# ---- refusals -----------------------------------------------------------------------------


@pytest.fixture
def gianyar(app):
    """The demo's Gianyar addendum, sent for signature at the seed: its partner (position 2)
    has not signed."""
    aid = id_of(app, Agreement, GIANYAR_ADDENDUM)
    assert state(app, aid)["status"] == "awaiting_signature"
    return aid


def sealed_of(app, staff, aid) -> bytes:
    return download(staff, aid, "Download the sealed PDF").body


def nothing_changed(app, aid, before, head) -> None:
    assert signings_of(app, aid) == before[0]
    assert documents_of(app, aid) == before[1]
    assert audit_head(app) == head


def verdict_shown(app, data: bytes, sealed: bytes, outcome: verification.Outcome) -> str:
    """The refusal the page must show for `data`: the verifier's own verdict (`outcome`), in
    the user's words."""
    with app.test_request_context():
        verdict = verification.check_signed_upload(data, sent=sealed)
        assert verdict.outcome == outcome
        return signing.verdict_refusal(verdict)


def test_uploads_that_are_not_the_partners_signature_are_refused(app, gianyar, trusted):
    staff = signed_in(app, GIANYAR_STAFF)
    sealed = sealed_of(app, staff, gianyar)
    before, head = (signings_of(app, gianyar), documents_of(app, gianyar)), audit_head(app)
    signed = trusted.sign(sealed)
    altered = flip_byte(signed)
    written_on = append_text(signed)
    other = trusted.sign(blank_pdf())
    unsigned = blank_pdf(600)
    stranger = Signatory(Provider("Penyelenggara Tidak Dikenal"), "Penanda Tangan Lain")
    untrusted = stranger.sign(sealed)
    outcome = verification.Outcome
    party = "Dinas Tenaga Kerja Kabupaten Gianyar"
    cases = {
        # our own sealed PDF, uploaded back as if the partner had signed it
        "ours": (
            sealed,
            ui(
                app,
                "This is the PDF the office sent, without %(party)s's signature: upload the PDF "
                "its signatory signed.",
                party=party,
            ),
        ),
        # signed, then a byte changed
        "altered": (altered, verdict_shown(app, altered, sealed, outcome.ALTERED)),
        # signed, then written on in an incremental update
        "written on": (written_on, verdict_shown(app, written_on, sealed, outcome.ALTERED)),
        # signed, then cut short (an interrupted download)
        "truncated": (signed[:-300], verdict_shown(app, signed[:-300], sealed, outcome.TRUNCATED)),
        # signed by the provider, but another document
        "other": (other, verdict_shown(app, other, sealed, outcome.NOT_SENT)),
        "unsigned": (unsigned, verdict_shown(app, unsigned, sealed, outcome.NOT_SENT)),
        # our PDF, signed with a certificate no trusted provider issued
        "untrusted": (untrusted, verdict_shown(app, untrusted, sealed, outcome.UNTRUSTED)),
        "image": (
            png_scan(),
            ui(app, "A certified signature comes back as a signed PDF; this file is not a PDF."),
        ),
        "not a file we take": (
            b"<html>bukan pdf</html>",
            ui(app, "Only PDF, JPEG or PNG files can be attached; this file is none of them."),
        ),
    }
    for case, (data, message) in cases.items():
        response = sign_certified(staff, gianyar, 2, data)
        assert said(response) == [message], case
        nothing_changed(app, gianyar, before, head)
    # The same PDF signed by a trusted provider is taken.
    response = sign_certified(staff, gianyar, 2, signed)
    assert alerts(response, "success") == [
        ui(app, "The signature of %(party)s is recorded.", party=party)
    ]


def test_a_scan_must_be_a_pdf_or_an_image_within_the_size_limit(app, gianyar):
    staff = signed_in(app, GIANYAR_STAFF)
    before, head = (signings_of(app, gianyar), documents_of(app, gianyar)), audit_head(app)
    day = OFFICE_DAY.isoformat()
    cases = [
        (b"MZ\x90\x00" + bytes(300), "ttd.jpg", "Only PDF, JPEG or PNG files can be attached"),
        (b"Ini teks, bukan pindaian.", "ttd.png", "Only PDF, JPEG or PNG files can be attached"),
        (b"\x89PNG\r\n\x1a\n" + bytes(app.config["MAX_UPLOAD_BYTES"]), "besar.png", "larger"),
        (sealed_of(app, staff, gianyar), "ttd.pdf", "issued"),  # our own PDF is no scan
    ]
    for data, name, gist in cases:
        response = sign_wet_ink(staff, gianyar, 2, data, name, signed_on=day)
        [shown] = said(response)
        expected = {
            "Only PDF, JPEG or PNG files can be attached": ui(
                app, "Only PDF, JPEG or PNG files can be attached; this file is none of them."
            ),
            "larger": ui(app, "The file is larger than %(size)s.", size="200 KB"),
            "issued": ui(
                app,
                "This file is a document the office issued, not a scan of the signed paper: "
                "upload the scan of the page %(party)s signed.",
                party="Dinas Tenaga Kerja Kabupaten Gianyar",
            ),
        }[gist]
        assert shown == expected, name
        nothing_changed(app, gianyar, before, head)
    # A missing name is refused by the form, a date in the future by the service; what was
    # typed is kept in the form.
    response = sign_wet_ink(staff, gianyar, 2, png_scan(), "ttd.png", signed_on=day, signer_name="")
    assert said(response) == [ui(app, "This field is required.")]
    assert "is-invalid" in response.html.find(id="wet-signer-2")["class"]
    nothing_changed(app, gianyar, before, head)
    response = sign_wet_ink(
        staff, gianyar, 2, png_scan(), "ttd.png", signed_on="2099-01-01", signer_name="Ida Ayu"
    )
    assert said(response) == [ui(app, "The signing date cannot be in the future.")]
    assert response.html.find(id="wet-signer-2")["value"] == "Ida Ayu"
    assert response.html.find(id="wet-date-2")["value"] == "2099-01-01"
    nothing_changed(app, gianyar, before, head)


def test_partner_users_cannot_record_signatures(app, gianyar, trusted):
    partner = signed_in(app, "partner_other")  # the Gianyar Disnaker's own user
    url = f"/agreements/{gianyar}"
    page = partner.get(url)
    assert page.status_int == 200
    assert not [f for f in page.forms.values() if "/signing/" in (f.action or "")]
    staff = signed_in(app, GIANYAR_STAFF)
    signed = trusted.sign(sealed_of(app, staff, gianyar))
    before, head = (signings_of(app, gianyar), documents_of(app, gianyar)), audit_head(app)
    for kind in ("certified", "wet-ink"):
        response = forge(partner, f"{url}/signing/2/{kind}", {"signer_name": "X"}, form_url=url)
        assert response.status_int == 403
    response = forge(
        partner,
        f"{url}/signing/2/certified",
        form_url=url,
        upload_files=[("file", "ttd.pdf", signed)],
    )
    assert response.status_int == 403
    nothing_changed(app, gianyar, before, head)
    # Another office's staff do not even find the agreement.
    other = signed_in(app, "staff")
    response = forge(other, f"{url}/signing/2/certified", {"signer_name": "X"})
    assert response.status_int == 404


def test_another_partners_documents_stay_hidden(app, gianyar):
    """The Denpasar MoU's partner sees none of the Gianyar addendum's documents."""
    city = signed_in(app, "partner")
    [sent] = documents_of(app, gianyar)
    assert city.get(f"/agreements/{gianyar}/documents/{sent['id']}").status_int == 404
    # ... nor a Gianyar document through one of its own agreements' URLs.
    mou = id_of(
        app, Agreement, "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
    )
    assert city.get(f"/agreements/{mou}/documents/{sent['id']}").status_int == 404
    assert city.get(f"/agreements/{mou}").status_int == 200


# ---- the signing dates --------------------------------------------------------------------

DISNAKER = "Dinas Tenaga Kerja Kabupaten Gianyar"


def day_shown(app, day: date) -> str:
    """`day` as the pages write it (the `date` filter), in the default language."""
    with app.test_request_context():
        return long_date(day)


def activation_form(web, agreement_id: int):
    """The "Record the signing" form of the agreement page (the one move with a date)."""
    page = web.get(f"/agreements/{agreement_id}")
    return find_form(page, action=f"/agreements/{agreement_id}/transition", field="signed_on")


def test_a_wet_ink_signature_is_dated_from_the_day_the_text_was_sealed(app, gianyar):
    """The demo sealed the Gianyar addendum and sent it for signature on the office's day: a
    scan of that text signed the day before is refused at its date; that day itself is taken,
    and the signing is then not recorded as of a day before the Disnaker signed."""
    staff = signed_in(app, GIANYAR_STAFF)
    page = staff.get(f"/agreements/{gianyar}")
    [sent] = documents_of(app, gianyar)
    sealed_on = ui(
        app,
        "Version %(n)s of the text was sealed by the office on %(day)s and sent for signature.",
        n=sent["agreement_version"],
        day=day_shown(app, OFFICE_DAY),
    )
    assert sealed_on in text(page)
    # The date field offers the days the service takes: from the sealing day to today.
    field = page.html.find(id="wet-date-2")
    assert (field["min"], field["max"]) == (OFFICE_DAY.isoformat(), OFFICE_DAY.isoformat())

    before, head = (signings_of(app, gianyar), documents_of(app, gianyar)), audit_head(app)
    day_before = OFFICE_DAY - timedelta(days=1)
    response = sign_wet_ink(
        staff, gianyar, 2, png_scan(), "ttd.png", signed_on=day_before.isoformat()
    )
    message = ui(
        app,
        "The signing date cannot be before %(day)s, the day the office sealed the text and sent "
        "it for signature.",
        day=day_shown(app, OFFICE_DAY),
    )
    assert said(response) == [message]
    assert "is-invalid" in response.html.find(id="wet-date-2")["class"]  # at its field
    assert response.html.find(id="wet-date-2")["value"] == day_before.isoformat()
    nothing_changed(app, gianyar, before, head)

    response = sign_wet_ink(
        staff, gianyar, 2, png_scan(), "ttd.png", signed_on=OFFICE_DAY.isoformat()
    )
    assert alerts(response, "success") == [
        ui(app, "The signature of %(party)s is recorded.", party=DISNAKER)
    ]
    assert signings_of(app, gianyar)[2]["signed_at"] == datetime(2026, 11, 29, 16, tzinfo=UTC)

    # Recording the signing: its date field starts at the day the last party signed.
    form = activation_form(staff, gianyar)
    assert form.html.find("input", {"name": "signed_on"})["min"] == OFFICE_DAY.isoformat()
    manager = signed_in(app, GIANYAR_MANAGER)
    refused(
        app,
        manager,
        gianyar,
        "activate",
        ui(
            app,
            "The signing date cannot be before %(day)s, the day %(party)s signed.",
            day=day_shown(app, OFFICE_DAY),
            party=DISNAKER,
        ),
        signed_on=day_before,
    )
    moved(app, manager, gianyar, "activate", "active", signed_on=OFFICE_DAY)
    assert state(app, gianyar)["signed_on"] == OFFICE_DAY


def test_the_signing_date_counts_the_office_day_of_a_certified_signature(app, gianyar, trusted):
    """Day granularity in the office's time zone: the Disnaker signs with its certificate at
    00.40 WITA on 1 December, still 30 November in UTC. The signing cannot be recorded as of
    30 November (the day in UTC); 1 December, the office's day, is taken."""
    late_evening_utc = datetime(2026, 11, 30, 16, 40, tzinfo=UTC)
    with time_machine.travel(late_evening_utc, tick=True):
        staff = signed_in(app, GIANYAR_STAFF)  # a sign-in of that night (idle ones end)
        response = sign_certified(staff, gianyar, 2, trusted.sign(sealed_of(app, staff, gianyar)))
        assert alerts(response, "success") == [
            ui(app, "The signature of %(party)s is recorded.", party=DISNAKER)
        ]
        assert signings_of(app, gianyar)[2]["signed_at"].date() == date(2026, 11, 30)  # UTC
        first_december = date(2026, 12, 1)
        form = activation_form(staff, gianyar)
        assert form.html.find("input", {"name": "signed_on"})["min"] == first_december.isoformat()
        refused(
            app,
            staff,
            gianyar,
            "activate",
            ui(
                app,
                "The signing date cannot be before %(day)s, the day %(party)s signed.",
                day=day_shown(app, first_december),
                party=DISNAKER,
            ),
            signed_on=date(2026, 11, 30),
        )
        response = move(staff, gianyar, "activate", signed_on=first_december)
        assert [c for c, _m in flashed(response)] == ["success"]
        assert (state(app, gianyar)["status"], state(app, gianyar)["signed_on"]) == (
            "active",
            first_december,
        )
