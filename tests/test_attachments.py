"""Attachments: checked by content, capped in size, stored under a generated name with their
SHA-256, and downloadable only by those who may see the agreement."""

import hashlib
import re
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select
from webtest import Upload

from partnerships.agreements.models import Agreement, Attachment
from partnerships.extensions import db
from tests.conftest import post
from tests.helpers import picture
from tests.web import follow, signed_in, submit, submit_tampered

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = picture("JPEG")
PNG = picture("PNG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
TEXT = b"Ini bukan PDF, hanya teks biasa.\n"

# Denpasar's renewal with Kelurahan Sesetan (active) and its MoU with Kota Denpasar (expired)
SESETAN = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
# Managers by e-mail, so which office each belongs to is plain here
DPS_MANAGER = "manajer.denpasar@kemitraan.test"
GYR_MANAGER = "manajer.gianyar@kemitraan.test"


def agreement_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Agreement.id).where(Agreement.title == title))


def upload(
    web,
    agreement: int,
    content: bytes | None,
    filename: str = "scan.pdf",
    kind: str = "signed_original",
    content_type: str | None = None,
):
    """Choose what the file is and the file on the agreement's page, press "Lampirkan"."""
    page = web.get(f"/agreements/{agreement}")
    chosen = None if content is None else ("file", Upload(filename, content, content_type))
    return submit(page, button="Lampirkan", kind=kind, upload=chosen)


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def attachment_rows(app) -> list[Attachment]:
    with app.app_context():
        rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        db.session.expunge_all()
        return rows


def danger_alerts(response) -> list[str]:
    """The error messages on the page the upload redirected to."""
    assert response.status_int == 302
    page = follow(response)
    return [" ".join(a.get_text(" ").split()) for a in page.html.select(".alert-danger")]


# ---- accepted -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "extension"),
    [
        (PDF, "PKS Sesetan (ditandatangani).pdf", "application/pdf", ".pdf"),
        (JPEG, "foto penandatanganan.JPG", "image/jpeg", ".jpg"),
        (PNG, "lampiran-1.png", "image/png", ".png"),
    ],
)
def test_upload_is_stored_under_a_generated_name_with_its_hash(
    app, content, filename, content_type, extension
):
    agreement = agreement_id(app, SESETAN)
    web = signed_in(app, "staff")
    response = upload(web, agreement, content, filename, kind="annex")
    assert response.status_int == 302
    assert response.location.endswith(f"/agreements/{agreement}#attachments")

    [row] = attachment_rows(app)
    assert row.agreement_id == agreement
    assert row.kind == "annex"
    assert row.original_name == filename
    assert row.content_type == content_type
    assert row.size == len(content)
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{32}" + re.escape(extension), row.stored_name)
    assert filename not in row.stored_name

    [path] = stored_files(app)
    assert path.parent == Path(app.config["UPLOAD_DIR"])
    assert path.name == row.stored_name
    assert path.read_bytes() == content

    page = follow(response)
    assert row.sha256 in page.text
    assert f"/agreements/{agreement}/attachments/{row.id}" in page.text


def test_content_type_comes_from_the_content_not_the_name_or_the_browser(app):
    agreement = agreement_id(app, SESETAN)
    response = upload(
        signed_in(app, "staff"), agreement, PNG, "denah.pdf", "annex", "application/pdf"
    )
    assert response.status_int == 302
    [row] = attachment_rows(app)
    assert row.content_type == "image/png"
    assert row.stored_name.endswith(".png")
    # downloaded under a name whose extension matches what it is
    assert row.original_name == "denah.pdf.png"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("C:/Users/staf/Documents/scan.pdf", "scan.pdf"),  # some clients send the path
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("surat.html", "surat.html.pdf"),  # never served back as an HTML page
        ("tanpa ekstensi", "tanpa ekstensi.pdf"),
    ],
)
def test_the_name_kept_is_the_file_name_alone_with_a_matching_extension(app, filename, expected):
    agreement = agreement_id(app, SESETAN)
    response = upload(signed_in(app, "staff"), agreement, PDF, filename)
    assert response.status_int == 302
    [row] = attachment_rows(app)
    assert row.original_name == expected
    [path] = stored_files(app)
    assert path.name == row.stored_name


def test_manager_and_admin_may_upload_too(app):
    agreement = agreement_id(app, SESETAN)
    assert upload(signed_in(app, DPS_MANAGER), agreement, PDF).status_int == 302
    assert upload(signed_in(app, "admin"), agreement, JPEG, "foto.jpg").status_int == 302
    assert len(attachment_rows(app)) == 2
    assert len(stored_files(app)) == 2


# ---- refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (EXE, "kontrak.pdf"),
        (HTML, "kontrak.pdf"),
        (TEXT, "kontrak.pdf"),
        (b" " + PDF, "kontrak.pdf"),  # the signature must open the file
        (b"", "kontrak.pdf"),
        (PDF + bytes(200 * 1024), "besar.pdf"),  # over MAX_UPLOAD_BYTES, under the request cap
    ],
    ids=["exe", "html", "text", "late-signature", "empty", "too-large"],
)
def test_refused_upload_stores_nothing_and_says_why(app, content, filename):
    agreement = agreement_id(app, SESETAN)
    client = signed_in(app, "staff")
    response = upload(client, agreement, content, filename)
    assert response.status_int == 302
    assert len(danger_alerts(response)) == 1
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_too_large_message_names_the_real_limit(app):
    agreement = agreement_id(app, SESETAN)
    client = signed_in(app, "staff")
    assert app.config["MAX_UPLOAD_BYTES"] == 200 * 1024
    response = upload(client, agreement, PDF + bytes(app.config["MAX_UPLOAD_BYTES"]))
    [message] = danger_alerts(response)
    assert "200 KB" in message
    assert "0 MB" not in message


def test_file_of_exactly_the_limit_is_accepted(app):
    agreement = agreement_id(app, SESETAN)
    pad = app.config["MAX_UPLOAD_BYTES"] - len(PDF)  # a comment line filling it up
    content = PDF.replace(b"%%EOF", b"%" + b"0" * (pad - 2) + b"\n%%EOF")
    response = upload(signed_in(app, "staff"), agreement, content)
    assert response.status_int == 302
    [row] = attachment_rows(app)
    assert row.size == app.config["MAX_UPLOAD_BYTES"]


def test_missing_file_is_refused(app):
    agreement = agreement_id(app, SESETAN)
    web = signed_in(app, "staff")
    response = upload(web, agreement, None)  # "Lampirkan" pressed with no file chosen
    assert len(danger_alerts(response)) == 1
    # a file part without a name is no file either
    response = upload(web, agreement, PDF, filename="")
    assert len(danger_alerts(response)) == 1
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_unknown_kind_is_refused(app):
    agreement = agreement_id(app, SESETAN)
    page = signed_in(app, "staff").get(f"/agreements/{agreement}")
    # A kind the select does not offer: only a tampered request can send it.
    response = submit_tampered(
        page, button="Lampirkan", kind="malware", upload=("file", Upload("scan.pdf", PDF))
    )
    assert len(danger_alerts(response)) == 1
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_request_over_the_cap_gets_the_friendly_413(app):
    agreement = agreement_id(app, SESETAN)
    content = PDF + bytes(app.config["MAX_CONTENT_LENGTH"])
    response = upload(signed_in(app, "staff"), agreement, content)
    assert response.status_int == 413
    assert "<html" in response.text and "413" in response.text
    assert "Traceback" not in response.text
    assert attachment_rows(app) == []
    assert stored_files(app) == []


@pytest.mark.parametrize("role", ["partner", "auditor", "auditor_office"])
def test_partners_and_auditors_cannot_upload(app, as_role, role):
    agreement = agreement_id(app, MOU)  # the partner user's own agreement, visible to all three
    page = signed_in(app, role).get(f"/agreements/{agreement}")
    assert "Lampirkan" not in page.text  # the page offers no upload form
    # So only a hand-made request can try.
    client = as_role(role)
    data = {"kind": "signed_original", "file": (BytesIO(PDF), "scan.pdf")}
    url = f"/agreements/{agreement}/attachments"
    response = post(client, url, data, form_url=f"/agreements/{agreement}")
    assert response.status_code == 403
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_staff_of_another_office_cannot_upload(app, as_role):
    agreement = agreement_id(app, SESETAN)
    signed_in(app, "staff_other").get(f"/agreements/{agreement}", status=404)
    # Another office's agreement id: only a hand-made request can reach it.
    client = as_role("staff_other")
    data = {"kind": "signed_original", "file": (BytesIO(PDF), "scan.pdf")}
    response = post(client, f"/agreements/{agreement}/attachments", data)
    assert response.status_code == 404
    assert attachment_rows(app) == []
    assert stored_files(app) == []


# ---- download -----------------------------------------------------------------------------


def _attach(app, web, title: str, content: bytes, filename: str) -> tuple[int, int]:
    agreement = agreement_id(app, title)
    assert upload(web, agreement, content, filename).status_int == 302
    with app.app_context():
        found = db.session.scalar(
            select(Attachment.id)
            .where(Attachment.agreement_id == agreement)
            .order_by(Attachment.id.desc())
        )
    return agreement, found


@pytest.mark.parametrize(
    "role", ["staff", DPS_MANAGER, "admin", "auditor", "auditor_office", "partner"]
)
def test_download_returns_the_exact_bytes_to_those_who_may_see(app, role):
    agreement, attachment = _attach(app, signed_in(app, "staff"), MOU, PDF, "KB Kota Denpasar.pdf")
    page = signed_in(app, role).get(f"/agreements/{agreement}")
    response = page.click(href=rf"/agreements/{agreement}/attachments/{attachment}$")
    assert response.status_int == 200
    assert response.body == PDF
    assert response.content_type == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "KB Kota Denpasar.pdf" in disposition


def test_download_keeps_a_non_ascii_name(app):
    web = signed_in(app, "staff")
    agreement, attachment = _attach(
        app, web, SESETAN, JPEG, "Foto penandatanganan Désa Sesetan.jpg"
    )
    response = web.get(f"/agreements/{agreement}/attachments/{attachment}")
    assert response.status_int == 200
    assert response.body == JPEG
    assert (
        "filename*=UTF-8''Foto%20penandatanganan%20D%C3%A9sa%20Sesetan.jpg"
        in (response.headers["Content-Disposition"])
    )


@pytest.mark.parametrize("role", ["staff_other", GYR_MANAGER, "partner"])
def test_download_is_404_for_those_who_may_not_see(app, role):
    # Gianyar's staff and manager do not see Denpasar's agreements; Kota Denpasar (the partner
    # user's government) is no party to Sesetan's
    agreement, attachment = _attach(app, signed_in(app, "staff"), SESETAN, PDF, "rahasia.pdf")
    url = f"/agreements/{agreement}/attachments/{attachment}"
    response = signed_in(app, role).get(url, status=404)
    assert PDF not in response.body


def test_attachment_of_another_agreement_is_404_through_this_url(app):
    web = signed_in(app, "staff")
    mou, mou_file = _attach(app, web, MOU, PDF, "mou.pdf")
    sesetan, sesetan_file = _attach(app, web, SESETAN, PNG, "sesetan.png")
    # both visible to this user, but each file only under its own agreement
    web.get(f"/agreements/{mou}/attachments/{sesetan_file}", status=404)
    web.get(f"/agreements/{sesetan}/attachments/{mou_file}", status=404)
    web.get(f"/agreements/{mou}/attachments/999999", status=404)
    ok = web.get(f"/agreements/{sesetan}/attachments/{sesetan_file}", status=200)
    assert ok.body == PNG


def test_missing_stored_file_is_404_not_500(app):
    web = signed_in(app, "staff")
    agreement, attachment = _attach(app, web, SESETAN, PDF, "hilang.pdf")
    for path in stored_files(app):
        path.unlink()
    web.get(f"/agreements/{agreement}/attachments/{attachment}", status=404)


def test_each_upload_gets_its_own_stored_file(app):
    web = signed_in(app, "staff")
    agreement = agreement_id(app, SESETAN)
    for _ in range(2):
        assert upload(web, agreement, PDF, "sama.pdf").status_int == 302
    rows = attachment_rows(app)
    assert len(rows) == 2 and rows[0].stored_name != rows[1].stored_name
    assert rows[0].sha256 == rows[1].sha256
    assert len(stored_files(app)) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 2
