"""Letters for all partners of an office as a background job, on both queues with real
consumers: huey's SQLite queue with a consumer in this process (two worker threads), and Redis
(127.0.0.1:6379, a key prefix of the test's own) with `flask jobs worker` running as a process
of its own (two worker processes). The job starts from the page's form as rendered, its page
follows it to the end, and the zip holds one PDF per partner; a partner nobody can be addressed
at is named in the job's message while the others get their letters; running the month again
gives the same letters with the same numbers and draws none."""

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from partnerships.audit.services import acting_as
from partnerships.commitments import letters
from partnerships.commitments.models import ProgressLetter
from partnerships.core import jobs
from partnerships.documents.models import DocKind, Document, DocumentJob
from partnerships.extensions import db
from partnerships.numbering.models import IssuedNumber
from partnerships.organisations.models import Partner
from tests import web as pages
from tests.conftest import OFFICE_DAY, TestConfig
from tests.helpers import add_city_head, forget_demo_letters, run_queued_jobs
from tests.servers import REDIS
from tests.web import field_errors, find_form, follow, signed_in, submit, ui_text


@pytest.fixture(autouse=True)
def _no_letters_yet(app):
    """The demo wrote October's letters; these tests write them themselves."""
    forget_demo_letters(app)


ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = f"{REDIS}/3"
PEMKOT = "Pemerintah Kota Denpasar"
SESETAN = "Kelurahan Sesetan"
TABANAN = "Pemerintah Kabupaten Tabanan"


def use_queue(app, url: str, name: str = "partnerships") -> None:
    """Point the app (the web side) at another queue, as JOBS_URL would at start-up."""
    app.config.update(JOBS_URL=url, JOBS_NAME=name)
    jobs.init_app(app)


def start_bulk(web, period: str):
    """The manager asks for the Denpasar branch's letters of `period`; the job page."""
    page = web.get("/letters")
    page = web.get(page.html.select_one("a[href='/letters/bulk']")["href"])
    form = find_form(page, action="/letters/bulk")
    assert form["office_id"].value == str(office_id(web.app, "Kantor Cabang Bali Denpasar"))
    response = submit(page, action="/letters/bulk", period=period)
    assert response.status_int == 302, response.text[:2000]
    return follow(response)


def office_id(app, name: str) -> int:
    from partnerships.organisations.models import Office

    with app.app_context():
        return db.session.scalar(select(Office.id).where(Office.name == name))


def wait_until_finished(web, job_page, timeout: float = 120) -> dict:
    """Poll the job's JSON, as its page does, until the job is finished."""
    status_url = job_page.html.select_one("[data-job-status]")["data-job-status"]
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        status = web.get(status_url).json
        seen.append((status["status"], status["done"], status["total"]))
        if status["finished"]:
            return status
        time.sleep(0.2)
    raise AssertionError(f"the job did not finish: {seen[-5:]}")


def letters_in(archive: bytes) -> dict[str, str]:
    """file name → the PDF's text, for each file of the zip."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        for name in zipped.namelist():
            reader = PdfReader(io.BytesIO(zipped.read(name)))
            found[name] = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    return found


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(ProgressLetter)),
            db.session.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.kind == DocKind.PROGRESS_LETTER)
            ),
            db.session.scalar(
                select(func.count())
                .select_from(IssuedNumber)
                .where(IssuedNumber.doc_type == "letter")
            ),
        )


def run_month(web, period: str, run) -> tuple[dict, object]:
    """Start the month's job from the page, let `run` consume it, and read the finished page."""
    job_page = start_bulk(web, period)
    assert job_page.html.select_one("progress") is not None
    with run():
        status = wait_until_finished(web, job_page)
    return status, web.get(job_page.request.path)


def check_two_letters(web, app, status, page) -> dict[str, str]:
    assert (status["status"], status["done"], status["total"]) == ("done", 2, 2)
    archive = web.get(page.html.select_one("a[href$='/archive']")["href"])
    assert archive.content_type == "application/zip"
    found = letters_in(archive.body)
    assert sorted(found) == [
        "surat-perkembangan-2017-06-kelurahan-sesetan.pdf",
        "surat-perkembangan-2017-06-pemerintah-kota-denpasar.pdf",
    ]
    city = found["surat-perkembangan-2017-06-pemerintah-kota-denpasar.pdf"]
    assert "Yth. Wali Kota Denpasar Contoh Wali Kota" in city
    assert "Periode Juni 2017" in city
    with app.app_context():
        numbers = dict(
            db.session.execute(
                select(Partner.name, ProgressLetter.number).join(
                    Partner, Partner.id == ProgressLetter.partner_id
                )
            ).all()
        )
    assert sorted(numbers.values()) == ["B/1/DPS/112026", "B/2/DPS/112026"]
    for name, text in found.items():
        partner = PEMKOT if "kota-denpasar" in name else SESETAN
        assert f"Nomor : {numbers[partner]}" in text
    return numbers


class InProcessConsumer:
    """huey's own consumer on the app's queue, with two worker threads, in this process."""

    def __init__(self, app):
        self.app = app

    def __call__(self):
        return self

    def __enter__(self):
        huey = self.app.extensions["jobs"]["huey"]
        self.handlers = {
            s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        self.consumer = huey.create_consumer(
            workers=2, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
        )
        self.consumer.start()
        return self

    def __exit__(self, *_exc):
        self.consumer.stop(graceful=True)
        for signum, handler in self.handlers.items():
            signal.signal(signum, handler)


def test_bulk_letters_on_the_sqlite_queue_with_a_real_consumer(app, tmp_path):
    use_queue(app, f"sqlite:///{tmp_path / 'jobs.db'}")
    add_city_head(app)
    web = signed_in(app, "manager")
    consumer = InProcessConsumer(app)
    status, page = run_month(web, "2017-06", consumer)
    numbers = check_two_letters(web, app, status, page)
    after_first = counts(app)
    assert after_first == (2, 2, 2)

    # the same month again: the same letters and numbers, nothing drawn or stored twice
    status, page = run_month(web, "2017-06", consumer)
    assert check_two_letters(web, app, status, page) == numbers
    assert counts(app) == after_first
    with app.app_context():
        archives = db.session.scalars(
            select(Document).where(Document.kind == DocKind.BULK_ARCHIVE).order_by(Document.id)
        ).all()
        assert len(archives) == 2 and archives[0].sha256 == archives[1].sha256  # the same zip

    # June 2020: Tabanan's agreement was in force, but nobody of Tabanan is in office today
    status, page = run_month(web, "2020-06", consumer)
    assert (status["status"], status["done"], status["total"]) == ("done", 2, 2)
    warning = " ".join(page.html.select_one(".alert-warning").get_text(" ").split())
    assert TABANAN in warning
    found = letters_in(web.get(page.html.select_one("a[href$='/archive']")["href"]).body)
    assert list(found) == ["surat-perkembangan-2020-06-pemerintah-kota-denpasar.pdf"]
    assert counts(app) == (3, 3, 3)


def test_a_month_with_nothing_to_report_finishes_without_an_archive(app):
    """The Gianyar branch in 2019: none of its agreements was in force."""
    web = signed_in(app, "staff_other")
    page = web.get("/letters/bulk")
    follow(submit(page, action="/letters/bulk", period="2019-06"))
    run_queued_jobs(app)
    with app.app_context():
        job = db.session.scalar(select(DocumentJob))
        assert (job.status, job.total, job.archive_id) == ("done", 0, None)
    page = web.get(f"/letters/jobs/{job.id}")
    assert page.html.select_one("a[href$='/archive']") is None
    assert page.html.select_one(".alert-warning") is not None


def worker_process(app, name: str, log) -> subprocess.Popen:
    """`flask jobs worker` as production runs it, on the test's database and Redis queue."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout's code, whatever the virtualenv points at
        "PARTNERSHIPS_ENV": "development",
        "FLASK_APP": "wsgi",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": TestConfig.SECRET_KEY,
        "AUDIT_ANCHOR_KEY": TestConfig.AUDIT_ANCHOR_KEY,
        "AUDIT_ANCHOR_FILE": app.config["AUDIT_ANCHOR_FILE"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "JOBS_URL": REDIS_URL,
        "JOBS_NAME": name,
        "DOCUMENT_CERT_DIR": app.config["DOCUMENT_CERT_DIR"],  # the offices' seals
        "DOCUMENT_CERT_PASSPHRASE": TestConfig.DOCUMENT_CERT_PASSPHRASE,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "jobs", "worker", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


class WorkerProcess:
    def __init__(self, app, name, tmp_path):
        self.args = (app, name, tmp_path)

    def __call__(self):
        return self

    def __enter__(self):
        app, name, tmp_path = self.args
        self.log = (tmp_path / "worker.log").open("ab")
        self.process = worker_process(app, name, self.log)
        return self

    def __exit__(self, *_exc):
        self.process.send_signal(signal.SIGINT)  # huey's graceful stop
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            self.log.close()


def test_bulk_letters_on_redis_with_a_worker_process(app, tmp_path, redis_prefix):
    use_queue(app, REDIS_URL, redis_prefix)
    add_city_head(app)
    web = signed_in(app, "manager")
    worker = WorkerProcess(app, redis_prefix, tmp_path)
    try:
        status, page = run_month(web, "2017-06", worker)
        numbers = check_two_letters(web, app, status, page)
        status, page = run_month(web, "2017-06", worker)
        assert check_two_letters(web, app, status, page) == numbers
        assert counts(app) == (2, 2, 2)
    finally:
        print((tmp_path / "worker.log").read_text(errors="replace")[-3000:])


def test_the_bulk_form_refuses_a_month_not_begun_and_queues_nothing(app):
    web = signed_in(app, "manager")
    page = submit(web.get("/letters/bulk"), action="/letters/bulk", period="2027-01")
    assert page.status_int == 200
    assert field_errors(page, "period") == [
        ui_text(app, "A letter reports on a month that has begun.")
    ]
    assert app.extensions["jobs"]["huey"].pending_count() == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentJob)) == 0


# ---- a worker killed in the middle of a job ---------------------------------------------


def test_a_job_a_killed_worker_left_running_is_taken_over_by_the_next_worker(app):
    """The worker took the job's plan and one partner's letter, numbered that letter and died
    rendering it (SIGKILL: the queue forgot the task it held). The next worker to start closes
    the job as interrupted, naming the job that takes over; that job renders the numbered
    letter under its number and writes the other; the old job's task still in the queue does
    nothing."""
    add_city_head(app)
    web = signed_in(app, "manager")
    job_page = start_bulk(web, "2017-06")
    huey = app.extensions["jobs"]["huey"]
    huey.execute(huey.dequeue())  # the plan: the job runs, a letter for each partner queued
    huey.dequeue()  # the first partner's task, taken by the worker that died with it ...
    with app.test_request_context(), acting_as("test"):
        job = db.session.scalar(select(DocumentJob))
        sesetan = db.session.scalar(select(Partner).where(Partner.name == SESETAN))
        period = letters.parse_period("2017-06")
        numbered = letters.reserve(sesetan, period, OFFICE_DAY).number  # ... numbered its letter
        db.session.commit()
        old_id, sesetan_id = job.id, sesetan.id
    assert huey.pending_count() == 1  # the other partner's letter, for the old job

    jobs._recover(app)  # what `flask jobs worker` does as it starts
    run_queued_jobs(app)

    with app.app_context():
        old, again = db.session.scalars(select(DocumentJob).order_by(DocumentJob.id)).all()
        assert old.id == old_id and old.status == "failed"
        assert (again.status, again.done, again.total) == ("done", 2, 2)
        again_id = again.id
        assert (
            db.session.scalar(
                select(ProgressLetter.number).where(ProgressLetter.partner_id == sesetan_id)
            )
            == numbered
        )
    assert counts(app) == (2, 2, 2)  # no letter written twice, no number drawn twice
    shown = web.get(job_page.request.path)
    assert f"Suratnya dibuat oleh pekerjaan {again_id}." in pages.text(shown)
    status = web.get(f"/letters/jobs/{again_id}/status").json
    assert status["finished"] and status["archive_url"]


def test_a_job_whose_queueing_was_lost_is_queued_again_and_planned_once(app):
    """The page committed the job and its server died before queueing it, or the queue lost
    it: the next worker to start queues it again. Queued twice, it is still planned once."""
    add_city_head(app)
    web = signed_in(app, "manager")
    start_bulk(web, "2017-06")  # queued: the plan waits in the queue
    jobs._recover(app)  # a worker starts meanwhile and queues it again
    assert app.extensions["jobs"]["huey"].pending_count() == 2
    run_queued_jobs(app)
    with app.app_context():
        [job] = db.session.scalars(select(DocumentJob)).all()
        assert (job.status, job.done, job.total) == ("done", 2, 2)
    assert counts(app) == (2, 2, 2)
