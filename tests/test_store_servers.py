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
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select
from webtest import Upload

from config import TestConfig
from partnerships.agreements.models import Agreement
from partnerships.documents.models import Blob, DocKind, Document
from partnerships.extensions import db
from tests.conftest import OFFICE_DAY
from tests.helpers import id_of
from tests.signatures import png_scan
from tests.web import flashes, press, signed_in, submit

ROOT = Path(__file__).resolve().parent.parent
GIANYAR_ADDENDUM = "Addendum Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_STAFF = "staf.gianyar@kemitraan.test"
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
START_SECONDS = 60  # a cold machine imports the app slowly; a warm one starts in about 2 s
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


class AppServer:
    """One production app server process (gunicorn, one worker) on a free loopback port."""

    def __init__(self, name: str, folder: Path, settings: dict[str, str]):
        self.name = name
        self.instance = folder / f"instance-{name}"
        self.log = folder / f"server-{name}.log"
        self.settings = settings
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    def start(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
            **self.settings,
            "PARTNERSHIPS_ENV": "production",
            "PARTNERSHIPS_INSTANCE_PATH": str(self.instance),
            "PYTHONPATH": str(ROOT),
        }
        command = [
            sys.executable,
            "-m",
            "tests.office_clock",
            datetime.now(UTC).isoformat(),  # the suite's clock, moved to the office's day
            "--bind=127.0.0.1:0",
            "--workers=1",
            "--threads=2",
            "--timeout=60",
            "wsgi:app",
        ]
        with self.log.open("wb") as log:
            # its own process group: stop() ends the arbiter and its worker, nothing else
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def url(self) -> str:
        """The server's address once it answers the login page."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited:\n{self.log.read_text()}")
            if self.port is None and (found := LISTENING.search(self.log.read_text())):
                self.port = int(found.group(1))
            if self.port is not None and _answers(self.port):
                return f"http://127.0.0.1:{self.port}"
            time.sleep(0.1)
        pytest.fail(f"server {self.name} did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Ask gunicorn for its quick shutdown (SIGINT: no request is in flight any more)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait(self) -> None:
        """Wait for the stop; a server that hangs is killed with its worker (its own group)."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group started above, by its id
            self.process.wait(timeout=10)


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/login")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class OverHttp:
    """A WSGI app that hands every request WebTest makes to a real server over HTTP, so the
    usual helpers (forms as rendered, cookies, redirects) drive a server process."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def __call__(self, environ, start_response):
        path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key != "HTTP_HOST"
        }
        headers["Host"] = f"{self.host}:{self.port}"
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        if length:
            headers["Content-Length"] = str(length)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(environ["REQUEST_METHOD"], path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        start_response(
            f"{response.status} {response.reason}",
            [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP],
        )
        return [data]


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
