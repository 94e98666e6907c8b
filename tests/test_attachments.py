"""Attachments: checked by content, capped in size, stored under a generated name with their
SHA-256, and downloadable only by those who may see the agreement."""

import hashlib
import re
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partnerships.agreements.models import Agreement, Attachment
from partnerships.extensions import db
from tests.conftest import login, post

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(32))
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
TEXT = b"Ini bukan PDF, hanya teks biasa.\n"

# Denpasar's renewal with Kelurahan Sesetan (active) and its MoU with Kota Denpasar (expired)
SESETAN = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
# Managers by e-mail, so which office each belongs to is plain here
DPS_MANAGER = "manajer.denpasar@kemitraan.test"
GYR_MANAGER = "manajer.gianyar@kemitraan.test"


def signed_in(app, who: str):
    """A browser of its own, signed in as `who`."""
    client = app.test_client()
    assert login(client, who).status_code == 302
    return client


def agreement_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Agreement.id).where(Agreement.title == title))


def upload(
    client,
    agreement: int,
    content: bytes | None,
    filename: str = "scan.pdf",
    kind: str = "signed_original",
):
    data = {"kind": kind}
    if content is not None:
        data["file"] = (BytesIO(content), filename)
    url = f"/agreements/{agreement}/attachments"
    return post(
        client, url, data, form_url=f"/agreements/{agreement}", content_type="multipart/form-data"
    )


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def attachment_rows(app) -> list[Attachment]:
    with app.app_context():
        rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        db.session.expunge_all()
        return rows


def danger_alerts(client, response) -> list[str]:
    """The error messages on the page the upload redirected to."""
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    return re.findall(r'class="alert alert-danger[^"]*"[^>]*>\s*(.*?)\s*<button', page, re.S)


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
    app, as_role, content, filename, content_type, extension
):
    agreement = agreement_id(app, SESETAN)
    client = as_role("staff")
    response = upload(client, agreement, content, filename, kind="annex")
    assert response.status_code == 302
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

    page = client.get(f"/agreements/{agreement}").get_data(as_text=True)
    assert row.sha256 in page
    assert f"/agreements/{agreement}/attachments/{row.id}" in page


def test_content_type_comes_from_the_content_not_the_name_or_the_browser(app, as_role):
    agreement = agreement_id(app, SESETAN)
    client = as_role("staff")
    data = {"kind": "annex", "file": (BytesIO(PNG), "denah.pdf", "application/pdf")}
    response = post(
        client,
        f"/agreements/{agreement}/attachments",
        data,
        form_url=f"/agreements/{agreement}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
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
def test_the_name_kept_is_the_file_name_alone_with_a_matching_extension(
    app, as_role, filename, expected
):
    agreement = agreement_id(app, SESETAN)
    response = upload(as_role("staff"), agreement, PDF, filename)
    assert response.status_code == 302
    [row] = attachment_rows(app)
    assert row.original_name == expected
    [path] = stored_files(app)
    assert path.name == row.stored_name


def test_manager_and_admin_may_upload_too(app):
    agreement = agreement_id(app, SESETAN)
    assert upload(signed_in(app, DPS_MANAGER), agreement, PDF).status_code == 302
    assert upload(signed_in(app, "admin"), agreement, JPEG, "foto.jpg").status_code == 302
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
def test_refused_upload_stores_nothing_and_says_why(app, as_role, content, filename):
    agreement = agreement_id(app, SESETAN)
    client = as_role("staff")
    response = upload(client, agreement, content, filename)
    assert response.status_code == 302
    assert len(danger_alerts(client, response)) == 1
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_too_large_message_names_the_real_limit(app, as_role):
    agreement = agreement_id(app, SESETAN)
    client = as_role("staff")
    assert app.config["MAX_UPLOAD_BYTES"] == 200 * 1024
    response = upload(client, agreement, PDF + bytes(app.config["MAX_UPLOAD_BYTES"]))
    [message] = danger_alerts(client, response)
    assert "200 KB" in message
    assert "0 MB" not in message


def test_file_of_exactly_the_limit_is_accepted(app, as_role):
    agreement = agreement_id(app, SESETAN)
    content = PDF + bytes(app.config["MAX_UPLOAD_BYTES"] - len(PDF))
    response = upload(as_role("staff"), agreement, content)
    assert response.status_code == 302
    [row] = attachment_rows(app)
    assert row.size == app.config["MAX_UPLOAD_BYTES"]


def test_missing_file_is_refused(app, as_role):
    agreement = agreement_id(app, SESETAN)
    client = as_role("staff")
    response = upload(client, agreement, None)
    assert len(danger_alerts(client, response)) == 1
    # a file part without a name is no file either
    response = upload(client, agreement, PDF, filename="")
    assert len(danger_alerts(client, response)) == 1
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_unknown_kind_is_refused(app, as_role):
    agreement = agreement_id(app, SESETAN)
    client = as_role("staff")
    response = upload(client, agreement, PDF, kind="malware")
    assert len(danger_alerts(client, response)) == 1
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_request_over_the_cap_gets_the_friendly_413(app, as_role):
    agreement = agreement_id(app, SESETAN)
    client = as_role("staff")
    content = PDF + bytes(app.config["MAX_CONTENT_LENGTH"])
    response = upload(client, agreement, content)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<html" in page and "413" in page and "Traceback" not in page
    assert attachment_rows(app) == []
    assert stored_files(app) == []


@pytest.mark.parametrize("role", ["partner", "auditor", "auditor_office"])
def test_partners_and_auditors_cannot_upload(app, as_role, role):
    agreement = agreement_id(app, MOU)  # the partner user's own agreement, visible to all three
    client = as_role(role)
    assert client.get(f"/agreements/{agreement}").status_code == 200
    assert upload(client, agreement, PDF).status_code == 403
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_staff_of_another_office_cannot_upload(app, as_role):
    agreement = agreement_id(app, SESETAN)
    response = upload(as_role("staff_other"), agreement, PDF)
    assert response.status_code == 404
    assert attachment_rows(app) == []
    assert stored_files(app) == []


# ---- download -----------------------------------------------------------------------------


def _attach(app, client, title: str, content: bytes, filename: str) -> tuple[int, int]:
    agreement = agreement_id(app, title)
    assert upload(client, agreement, content, filename).status_code == 302
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
    response = signed_in(app, role).get(
        f"/agreements/{agreement}/attachments/{attachment}", buffered=True
    )
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "KB Kota Denpasar.pdf" in disposition
    response.close()


def test_download_keeps_a_non_ascii_name(app, as_role):
    client = as_role("staff")
    agreement, attachment = _attach(
        app, client, SESETAN, JPEG, "Foto penandatanganan Désa Sesetan.jpg"
    )
    response = client.get(f"/agreements/{agreement}/attachments/{attachment}", buffered=True)
    assert response.status_code == 200
    assert response.data == JPEG
    assert (
        "filename*=UTF-8''Foto%20penandatanganan%20D%C3%A9sa%20Sesetan.jpg"
        in (response.headers["Content-Disposition"])
    )
    response.close()


@pytest.mark.parametrize("role", ["staff_other", GYR_MANAGER, "partner"])
def test_download_is_404_for_those_who_may_not_see(app, role):
    # Gianyar's staff and manager do not see Denpasar's agreements; Kota Denpasar (the partner
    # user's government) is no party to Sesetan's
    agreement, attachment = _attach(app, signed_in(app, "staff"), SESETAN, PDF, "rahasia.pdf")
    response = signed_in(app, role).get(
        f"/agreements/{agreement}/attachments/{attachment}", buffered=True
    )
    assert response.status_code == 404
    assert PDF not in response.data


def test_attachment_of_another_agreement_is_404_through_this_url(app, as_role):
    client = as_role("staff")
    mou, mou_file = _attach(app, client, MOU, PDF, "mou.pdf")
    sesetan, sesetan_file = _attach(app, client, SESETAN, PNG, "sesetan.png")
    # both visible to this user, but each file only under its own agreement
    assert (
        client.get(f"/agreements/{mou}/attachments/{sesetan_file}", buffered=True).status_code
        == 404
    )
    assert (
        client.get(f"/agreements/{sesetan}/attachments/{mou_file}", buffered=True).status_code
        == 404
    )
    assert client.get(f"/agreements/{mou}/attachments/999999", buffered=True).status_code == 404
    ok = client.get(f"/agreements/{sesetan}/attachments/{sesetan_file}", buffered=True)
    assert ok.status_code == 200 and ok.data == PNG
    ok.close()


def test_missing_stored_file_is_404_not_500(app, as_role):
    client = as_role("staff")
    agreement, attachment = _attach(app, client, SESETAN, PDF, "hilang.pdf")
    for path in stored_files(app):
        path.unlink()
    response = client.get(f"/agreements/{agreement}/attachments/{attachment}", buffered=True)
    assert response.status_code == 404


def test_each_upload_gets_its_own_stored_file(app, as_role):
    client = as_role("staff")
    agreement = agreement_id(app, SESETAN)
    for _ in range(2):
        assert upload(client, agreement, PDF, "sama.pdf").status_code == 302
    rows = attachment_rows(app)
    assert len(rows) == 2 and rows[0].stored_name != rows[1].stored_name
    assert rows[0].sha256 == rows[1].sha256
    assert len(stored_files(app)) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 2
