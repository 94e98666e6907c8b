"""Crashes in the middle of writes (issue 11): the installation as production runs it (a
gunicorn app server and a `flask jobs worker` on Redis, the suite's database, the document store
in a folder), killed with SIGKILL (the whole process group: no handler runs, nothing is cleaned
up) while it writes, and started again, round after round:

- two people keep writing through the server: staff issue progress letters from the partner
  page (a numbered, sealed PDF each) and alternately draft agreements and record a commitment's
  figure with an evidence upload; a manager asks for a month's letters of the office in bulk;
- the worker is killed once the bulk job runs (in the middle of its letters), the server a
  moment later with requests in flight; both start again and the next round begins.

After the rounds, with the two running again until the work is done, nothing is corrupt or
dangling: the database passes its own checks (SQLite's integrity and foreign-key checks;
PostgreSQL enforces its keys), every document's subject exists, every stored document and
uploaded file matches its hash (the same checks a restore makes), no letter is left half made
(numbered but without its PDF), every sealed PDF is complete and its seal valid, the store folder
holds only complete files under their own hash, and the audit trail verifies. Every bulk job
killed halfway is finished by the restarted worker: none stays "running" forever.
"""

import hashlib
import http.client
import itertools
import re
import threading
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy import text as sql
from webtest import Upload

from partnerships.backup import services as backup
from partnerships.commitments.models import Commitment, ProgressLetter
from partnerships.documents.models import Blob, Document, DocumentJob, JobStatus
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import ON_POSTGRES
from tests.helpers import add_city_head, forget_demo_letters, id_of
from tests.pdf_tools import pyhanko_statuses
from tests.servers import AppServer, JobWorker, OverHttp
from tests.test_layout_drill import settings
from tests.web import follow, signed_in, submit, text

ROUNDS = 3  # at least; more (up to MAX_ROUNDS) until two jobs were killed halfway
MAX_ROUNDS = 6  # a loaded machine may finish a job before the kill: another round then
BULK_MONTHS = ["2017-03", "2017-06", "2017-09", "2017-04", "2017-07", "2017-10"]  # 2 partners each
LETTER_MONTHS = [f"2018-{month:02d}" for month in range(1, 13)]  # two partners each as well
PARTNERS = ("Kelurahan Sesetan", "Pemerintah Kota Denpasar")
SESETAN_TARGET = "Peserta bukan penerima upah di Kelurahan Sesetan menjadi 2.600"
EVIDENCE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SETTLE_SECONDS = 60  # the work left when the last round ends, done by processes started again
CUT_OFF = (OSError, http.client.HTTPException)  # what a client sees of a server killed


class Writer(threading.Thread):
    """A person at the server: signs in and keeps pressing buttons (`actions`, shared across
    rounds) until told to stop or the server goes away under them."""

    def __init__(self, url: str, who: str, actions, outcomes: list):
        super().__init__(daemon=True)
        self.url, self.who, self.actions, self.outcomes = url, who, actions, outcomes
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            web = signed_in(OverHttp(self.url), self.who)
            while not self.stopping.is_set():
                name, act = next(self.actions)
                self.outcomes.append((name, act(web).status_int))
        except CUT_OFF:
            self.outcomes.append(("cut off", 0))
        except StopIteration:
            pass


def letter_actions(app):
    """Issue a letter from the partner page, for each month and partner in turn."""
    ids = [id_of(app, Partner, name) for name in PARTNERS]

    def issue(partner_id: int, period: str):
        def act(web):
            page = web.get(f"/partners/{partner_id}")
            return submit(page, action=f"/partners/{partner_id}/letters", period=period)

        return act

    return iter([("letter", issue(p, m)) for m in LETTER_MONTHS for p in ids])


def drafting_actions(app):
    """Draft an agreement, then record a month's figure with its evidence, and again."""
    pemkot = id_of(app, Partner, "Pemerintah Kota Denpasar")
    commitment = id_of_commitment(app, SESETAN_TARGET)

    def draft(n: int):
        def act(web):
            return submit(
                web.get("/agreements/new"),
                button="Buat draf",
                partner_ids=[pemkot],
                title=f"Kesepakatan Bersama Uji Gangguan {n}",
                subject="Perlindungan Pekerja Informal di Kota Denpasar",
                funding="apbd",
                place="Denpasar",
                effective_on="2027-01-01",
                term_months="12",
            )

        return act

    def figure(n: int):
        def act(web):
            page = web.get(f"/commitments/{commitment}")
            return submit(
                page,
                button="Tambah angka",
                upload=("evidence", Upload(f"rekap-{n}.pdf", EVIDENCE, "application/pdf")),
                period_end=f"{2024 + (n + 2) // 12}-{(n + 2) % 12 + 1:02d}-28",  # in force
                value=str(2000 + n),
                source="Data kepesertaan Kelurahan Sesetan",
            )

        return act

    return iter(
        item for n in itertools.count() for item in (("draft", draft(n)), ("figure", figure(n)))
    )


def id_of_commitment(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Commitment.id).where(Commitment.title == title))


def unfinished_jobs(app) -> list[int]:
    with app.app_context():
        found = db.session.scalars(
            select(DocumentJob.id).where(DocumentJob.status.in_(("queued", "running")))
        ).all()
        db.session.remove()
        return found


def job_state(app, job_id: int) -> tuple[str, int, int]:
    with app.app_context():
        job = db.session.get(DocumentJob, job_id)
        state = (job.status, job.done, job.total)
        db.session.remove()
        return state


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_bulk(url: str, period: str) -> int:
    manager = signed_in(OverHttp(url), "manager")
    response = submit(manager.get("/letters/bulk"), action="/letters/bulk", period=period)
    assert response.status_int == 302, response.text[:2000]
    return int(follow(response).request.path.rsplit("/", 1)[1])


def test_killed_mid_write_again_and_again_leaves_nothing_broken(
    app, cert_dir, tmp_path, redis_prefix
):
    forget_demo_letters(app)
    add_city_head(app)
    shared = settings(app, cert_dir, tmp_path, redis_prefix)
    shared["LOGIN_RATE_LIMIT"] = "1000 per minute"  # everyone signs in again every round
    shared["UPLOAD_DIR"] = app.config["UPLOAD_DIR"]
    shared["AUDIT_ANCHOR_FILE"] = app.config["AUDIT_ANCHOR_FILE"]
    app.config["DOCUMENT_STORE_DIR"] = shared["DOCUMENT_STORE_DIR"]  # for the checks below
    with app.app_context():
        first_new_document = db.session.scalar(sql("SELECT COALESCE(MAX(id), 0) FROM documents"))
    server = AppServer("1", tmp_path, shared)
    worker = JobWorker("worker", tmp_path, shared)
    letters, drafting = letter_actions(app), drafting_actions(app)
    outcomes: list = []
    jobs, killed_halfway = [], 0
    try:
        round_ = 0
        while round_ < ROUNDS or (killed_halfway < 2 and round_ < MAX_ROUNDS):
            server.start()
            worker.start()
            url = server.url()
            writers = [
                Writer(url, "staff", letters, outcomes),
                Writer(url, "staff", drafting, outcomes),
            ]
            for writer in writers:
                writer.start()
            job_id = start_bulk(url, BULK_MONTHS[round_])
            jobs.append(job_id)
            # The worker dies while the job runs: as it starts (round 1), with one letter
            # written (round 2), a moment into it (round 3).
            if round_ % 3 == 1:
                wait_for(lambda j=job_id: job_state(app, j)[1] >= 1, 60, "a letter written")
            else:
                wait_for(lambda j=job_id: job_state(app, j)[0] != "queued", 60, "the job to run")
                time.sleep(0.4 * (round_ % 3))
            worker.kill()
            if job_state(app, job_id)[0] != JobStatus.DONE:  # as the kill left it
                killed_halfway += 1
            time.sleep(0.3)
            server.kill()  # with the writers' requests in flight
            for writer in writers:
                writer.stopping.set()
                writer.join(timeout=30)
            round_ += 1

        # Started again, the two finish what the rounds left: no job stays unfinished.
        server.start()
        worker.start()
        url = server.url()
        wait_for(lambda: not unfinished_jobs(app), SETTLE_SECONDS, "every job to finish")
        manager = signed_in(OverHttp(url), "manager")
        for job_id in jobs:  # what the manager sees of each job now: finished, and if cut
            status = manager.get(f"/letters/jobs/{job_id}/status").json  # short, which job
            assert status["finished"], status  # took over
            if status["status"] == "failed":
                page = text(manager.get(f"/letters/jobs/{job_id}"))
                assert re.search(r"Terputus: .* dibuat oleh pekerjaan \d+\.", page), page
    finally:
        for process in (server, worker):
            process.stop()
        for process in (server, worker):
            process.wait()

    assert killed_halfway >= 2, "the worker was not killed in the middle of a job"
    done = {name for name, status in outcomes if status == 302}
    assert done == {"letter", "draft", "figure"}, outcomes  # writes went through between kills
    assert ("cut off", 0) in outcomes, outcomes  # and some were cut off by a kill

    with app.app_context():
        # Each month's letters written in the end: by its job, or by the job that took over
        # the one a killed worker left (its message names it).
        for period in BULK_MONTHS[: len(jobs)]:
            runs = db.session.scalars(
                select(DocumentJob).where(DocumentJob.period == period).order_by(DocumentJob.id)
            ).all()
            *interrupted, last = runs
            assert (last.status, last.done, last.total) == (JobStatus.DONE, 2, 2), [
                (run.id, run.status, run.done, run.total, run.message) for run in runs
            ]
            for old, again in zip(interrupted, runs[1:], strict=True):
                assert old.status == JobStatus.FAILED and f" {again.id}" in old.message
        database_checks()
        found = backup.Check()
        backup.check_files_and_trail(found)
        assert found.problems == [], found.problems
        half_made = db.session.scalars(
            select(ProgressLetter.number).where(ProgressLetter.document_id.is_(None))
        ).all()
        assert half_made == [], f"letters numbered but never written: {half_made}"
        store_checks(Path(shared["DOCUMENT_STORE_DIR"]))
        sealed = db.session.scalars(
            select(Document).where(Document.id > first_new_document, Document.sealed.is_(True))
        ).all()
        assert len(sealed) >= ROUNDS * 2
        for document in sealed:
            pdf = backup.store.get(document.sha256)
            assert pdf.rstrip().endswith(b"%%EOF"), document.filename
            [status] = pyhanko_statuses(pdf, cert_dir / "ca.pem")
            assert status.intact and status.valid and status.trusted, document.filename


def database_checks() -> None:
    """The database's own checks, and the references it cannot enforce: a document's subject."""
    if not ON_POSTGRES:
        assert db.session.execute(sql("PRAGMA integrity_check")).scalars().all() == ["ok"]
        assert db.session.execute(sql("PRAGMA foreign_key_check")).all() == []
    models = {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}
    for subject_type, subject_id in db.session.execute(
        select(Document.subject_type, Document.subject_id).distinct()
    ):
        assert db.session.get(models[subject_type], subject_id) is not None, (
            subject_type,
            subject_id,
        )


def store_checks(folder: Path) -> None:
    """Only complete files under a document's name in the store's folder, each under its own
    hash (a file kept before a crash cut its transaction short may have no row: harmless, and
    never half). A kill between writing and renaming leaves a ".incoming-" file: never under a
    hash, never read, and left out of backups."""
    kept = set(db.session.scalars(select(Blob.sha256).where(Blob.data.is_(None))))
    names = set()
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.startswith(".incoming-"):
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, path
            names.add(path.name)
    assert kept <= names, f"stored documents missing from the folder: {kept - names}"
