"""The document store across app servers: two real server processes (gunicorn, as production
serves the app), each with an instance folder of its own (PARTNERSHIPS_INSTANCE_PATH), on one
database (the test's SQLite file, or DATABASE_URL's PostgreSQL database), in both store modes:
the bytes in the database (DOCUMENT_STORE_DIR empty) and in a folder every server shares.

Through the first server the Gianyar office's staff record the Disnaker's wet-ink signature
(its scan is stored) and the signing (the sealed berita acara is generated and stored), on the
forms the pages render; through the second an auditor downloads both from the agreement's page,
and each download hashes to what was stored. The servers run on the suite's clock (the office's
day): see tests/office_clock.py.
"""

import hashlib

import pytest
from sqlalchemy import select
from webtest import Upload

from config import TestConfig
from partnerships.agreements.models import Agreement
from partnerships.documents.models import Blob, DocKind, Document
from partnerships.extensions import db
from tests.conftest import OFFICE_DAY
from tests.helpers import id_of
from tests.servers import AppServer, OverHttp
from tests.signatures import png_scan
from tests.web import flashes, press, signed_in, submit

GIANYAR_ADDENDUM = "Addendum Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_STAFF = "staf.gianyar@kemitraan.test"


def listed(page) -> dict[str, str]:
    """The agreement page's document list: the SHA-256 it shows → the download link."""
    found = {}
    for item in page.html.find(id="documents").find_next("ul").find_all("li"):
        digest = item.select_one(".file-hash").get_text(" ", strip=True).removeprefix("SHA-256 ")
        found[digest] = item.find("a")["href"]
    return found


def stored_documents(app, agreement_id: int) -> dict[str, Document]:
    """The agreement's documents by kind (the latest of each), as the database holds them."""
    with app.app_context():
        rows = db.session.scalars(
            select(Document)
            .where(Document.subject_type == "Agreement", Document.subject_id == agreement_id)
            .order_by(Document.id)
        ).all()
        db.session.expunge_all()
    return {row.kind: row for row in rows}


def blob(app, sha256: str) -> Blob:
    with app.app_context():
        found = db.session.get(Blob, sha256)
        db.session.expunge_all()
    return found


@pytest.mark.parametrize("mode", ["database", "folder"])
def test_what_one_server_stores_the_other_serves(app, cert_dir, tmp_path, mode):
    shared = tmp_path / "shared-store"
    settings = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],  # one database for both
        "DOCUMENT_STORE_DIR": str(shared) if mode == "folder" else "",
        "DOCUMENT_CERT_DIR": str(cert_dir),  # the offices' sealing certificates, from the seed
        "DOCUMENT_CERT_PASSPHRASE": TestConfig.DOCUMENT_CERT_PASSPHRASE,
        "SECRET_KEY": "two-servers-one-installation-test-key",
        "AUDIT_ANCHOR_KEY": TestConfig.AUDIT_ANCHOR_KEY,
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "1",
    }
    servers = [AppServer(name, tmp_path, settings) for name in ("1", "2")]
    try:
        for server in servers:
            server.start()
        first, second = (OverHttp(server.url()) for server in servers)
        aid = id_of(app, Agreement, GIANYAR_ADDENDUM)
        url = f"/agreements/{aid}"

        # Server 1: the Disnaker's wet-ink scan, then the signing recorded (the berita acara).
        staff = signed_in(first, GIANYAR_STAFF)
        scan = png_scan(f"ttd. Disnaker Gianyar, penyimpanan: {mode}")
        response = submit(
            staff.get(url),
            action=f"{url}/signing/2/wet-ink",
            upload=("file", Upload("pindaian-ttd.png", scan, None)),
            signed_on=OFFICE_DAY.isoformat(),
        )
        assert response.status_int == 302, flashes(response)
        page = press(staff.get(url), "Catat penandatanganan", signed_on=OFFICE_DAY.isoformat())
        documents = stored_documents(app, aid)
        assert documents.keys() >= {DocKind.WET_INK_SCAN, DocKind.SIGNING_RECORD}, flashes(page)
        uploaded = documents[DocKind.WET_INK_SCAN].sha256
        generated = documents[DocKind.SIGNING_RECORD].sha256
        assert uploaded == hashlib.sha256(scan).hexdigest()
        on_first = listed(page)
        record_from_first = staff.get(on_first[generated]).body
        assert hashlib.sha256(record_from_first).hexdigest() == generated

        # Server 2, with an instance folder of its own: the same list, the same bytes.
        auditor = signed_in(second, "auditor")
        on_second = listed(auditor.get(url))
        assert on_second == on_first
        for digest, link in on_second.items():
            response = auditor.get(link)
            assert hashlib.sha256(response.body).hexdigest() == digest, link
        assert auditor.get(on_second[uploaded]).body == scan
        assert auditor.get(on_second[generated]).body == record_from_first
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            server.wait()

    # Where the bytes were: in the database's blob rows, or in the shared folder.
    for digest in (uploaded, generated):
        row = blob(app, digest)
        in_folder = shared / digest[:2] / digest[2:4] / digest
        if mode == "database":
            assert row.data is not None and not in_folder.exists()
        else:
            assert row.data is None and in_folder.read_bytes() != b""
    # Each server kept its own files (the job queue) in its own instance folder.
    assert all((server.instance / "jobs.db").exists() for server in servers)
