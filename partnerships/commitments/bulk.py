"""Letters for all partners of an office for a month, as a background job.

A page records a `DocumentJob` and queues `plan`; the worker finds the partners with something
to report, queues one `write` per partner (several workers write side by side), counts each
one done on the job, and the last one packs the office's letters of the month into a zip kept
as a BULK_ARCHIVE document. A partner whose letter is refused (nobody to address, say) is named
in the job's message and the others go on. Running a month again writes only what is missing:
a letter already issued keeps its number and document, so nothing is duplicated.
"""

import io
import logging
import zipfile
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from partnerships.auth.models import User
from partnerships.commitments import letters
from partnerships.commitments.models import ProgressLetter
from partnerships.commitments.services import period_label
from partnerships.core import jobs
from partnerships.core.actor import acting_as
from partnerships.core.errors import DomainError
from partnerships.core.formatting import office_today
from partnerships.core.models import utcnow
from partnerships.documents import rendering
from partnerships.documents import services as documents
from partnerships.documents.models import DocKind, Document, DocumentJob, JobStatus
from partnerships.documents.rendering import RenderRefused
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner

log = logging.getLogger("partnerships.jobs")

KIND = "progress_letters"
ATTEMPTS = 3  # a write that lost a race (two jobs on one letter) looks again
# what became of one partner's letter
WRITTEN, WRITTEN_LAST, UNCOUNTED, NO_JOB = "written", "written last", "uncounted", "no job"


@jobs.preload
def _load_the_renderer() -> None:
    """WeasyPrint and its libraries, loaded once in the worker before it forks (about a second
    of every worker process's first letter otherwise)."""
    import weasyprint  # noqa: F401


@jobs.warm
def _lay_out_a_page() -> None:
    """Each worker lays out one page in the documents' own fonts, then writes and seals the
    latest letter (kept nowhere) before it takes a letter: the fonts' configuration, the
    letter's queries and the office's signer were most of a process's first letter (and two
    workers starting together paid for it twice, each slowing the other)."""
    rendering.warm_up()
    letters.rehearse()


@jobs.recover
def take_over_unfinished() -> list[int]:
    """What a worker does as it starts, for the jobs a killed worker may have left: the tasks
    it held are lost with it (jobs.recover), and such a job would show "running" forever.

    A queued job is queued again (`plan` starts a job once: a second one finds it running). A
    running job is closed as interrupted and started again as a new job, whose id its message
    gives: not resumed, so that its tasks still waiting in the queue find it closed and do
    nothing (none is counted twice), while the new job writes only what is missing, as any
    month run again does (a letter numbered but never rendered is rendered now, under its
    number). Several workers running at once may start a job again while another worker still
    writes it: the two then share the month's letters, as two jobs for one month do. The ids
    of the new jobs."""
    with acting_as("jobs:take-over"):
        unfinished = db.session.scalars(
            select(DocumentJob)
            .where(
                DocumentJob.kind == KIND,
                DocumentJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            )
            .order_by(DocumentJob.id)
            .with_for_update(of=DocumentJob)
        ).all()
        waiting = [job for job in unfinished if job.status == JobStatus.QUEUED]
        taken = []
        for old in unfinished:
            if old.status == JobStatus.QUEUED:
                continue
            creator = db.session.get(User, old.created_by_id) if old.created_by_id else None
            again = start(old.office, letters.parse_period(old.period), creator)
            old.status = JobStatus.FAILED
            old.finished_at = utcnow()
            old.message = _(
                "Interrupted: the worker stopped before this job was finished. Its letters are "
                "written by job %(job)s.",
                job=again.id,
            )
            taken.append((old, again))
        db.session.commit()  # every one closed and started again at once, then queued
    for job in waiting:
        queue(job, office_today(job.created_at), None)
    for old, again in taken:
        queue(again, office_today(old.created_at), None)
        log.warning("bulk letters job %s interrupted: started again as job %s", old.id, again.id)
    return [again.id for _old, again in taken]


def start(office: Office, period: letters.Period, actor) -> DocumentJob:
    """Record the job (queued); the caller commits, then calls `queue`."""
    job = DocumentJob(
        kind=KIND,
        office_id=office.id,
        period=period.key,
        status=JobStatus.QUEUED,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(job)
    db.session.flush()
    return job


def queue(job: DocumentJob, on: date, lang: str | None) -> None:
    """Hand the committed job to the worker; `on` is the letters' date, `lang` the language
    its messages are written in."""
    jobs.enqueue(plan, job.id, on.isoformat(), lang)


def _begin(job_id: int, lang: str | None) -> DocumentJob | None:
    job = db.session.get(DocumentJob, job_id)
    if job is not None:
        user = db.session.get(User, job.created_by_id) if job.created_by_id else None
        jobs.act_for(user, lang)
    return job


@jobs.task
def plan(job_id: int, on: str, lang: str | None) -> None:
    """Find whom to write to and queue one letter each."""
    job = db.session.scalar(  # locked: a job queued twice (take_over_unfinished) plans once
        select(DocumentJob).where(DocumentJob.id == job_id).with_for_update(of=DocumentJob)
    )
    if job is None or job.status != JobStatus.QUEUED:
        db.session.rollback()
        return
    _begin(job_id, lang)
    period = letters.parse_period(job.period)
    partner_ids = letters.partners_to_write(job.office_id, period)
    job.status = JobStatus.RUNNING
    job.total, job.done = len(partner_ids), 0
    db.session.commit()
    if not partner_ids:
        finish(job_id)
        return
    for partner_id in partner_ids:
        jobs.enqueue(write, job_id, partner_id, on, lang)


@jobs.task
def write(job_id: int, partner_id: int, on: str, lang: str | None) -> None:
    """One partner's letter (unless already issued), counted done on the job."""
    failure, outcome = None, UNCOUNTED
    for attempt in range(1, ATTEMPTS + 1):
        try:
            outcome = _write(job_id, partner_id, date.fromisoformat(on), lang)
            break
        except letters.LetterRefused as refused:
            db.session.rollback()
            failure = " ".join(refused.missing)
            break
        except (DomainError, RenderRefused) as error:
            # the office cannot seal (no certificate), the render was stopped ...: say why
            db.session.rollback()
            failure = _("%(partner)s: %(reason)s", partner=_name(partner_id), reason=str(error))
            break
        except IntegrityError:
            # Another job wrote this letter (or another document of the partner) meanwhile.
            db.session.rollback()
            if attempt == ATTEMPTS:
                failure = _(
                    "%(partner)s: the letter could not be written.", partner=_name(partner_id)
                )
        except Exception:
            db.session.rollback()
            log.exception("letter for partner %s, job %s", partner_id, job_id)
            failure = _(
                "%(partner)s: the letter could not be written (the error is logged).",
                partner=_name(partner_id),
            )
            break
    if outcome == NO_JOB:
        return
    # a letter written was counted in its own transaction; refused, failed or issued before: now
    if outcome == WRITTEN_LAST or (outcome == UNCOUNTED and _count(job_id, failure)):
        finish(job_id)


def _name(partner_id: int) -> str:
    return db.session.get(Partner, partner_id).name


def _write(job_id: int, partner_id: int, on: date, lang: str | None) -> str:
    """Two short transactions and the render between them, which holds none (on SQLite every
    transaction takes the write lock, so a render inside one would keep the other workers
    waiting): WRITTEN or WRITTEN_LAST (counted), UNCOUNTED (issued before) or NO_JOB."""
    job = _begin(job_id, lang)
    if job is None or job.status != JobStatus.RUNNING:
        db.session.rollback()
        return NO_JOB
    user_id = job.created_by_id
    actor = db.session.get(User, user_id) if user_id else None
    partner = db.session.get(Partner, partner_id)
    letter = letters.reserve(partner, letters.parse_period(job.period), on, actor)
    if letter.document_id is not None:
        db.session.commit()
        return UNCOUNTED
    ticket, data = letters.Ticket.of(letter), letters.letter_data(letter)
    db.session.commit()
    letters.render(ticket, data, user_id)
    return WRITTEN_LAST if _count(job_id, None) else WRITTEN


def _count(job_id: int, failure: str | None) -> bool:
    """Count one partner done (and its failure, if any) and commit; True for the last one."""
    job = db.session.scalar(
        select(DocumentJob).where(DocumentJob.id == job_id).with_for_update(of=DocumentJob)
    )
    job.done += 1
    if failure:
        job.message = f"{job.message}\n{failure}" if job.message else failure
    last = job.done >= job.total
    db.session.commit()
    return last


def finish(job_id: int) -> None:
    """Pack the office's letters of the month into one zip and close the job."""
    job = db.session.scalar(
        select(DocumentJob).where(DocumentJob.id == job_id).with_for_update(of=DocumentJob)
    )
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return
    found = db.session.execute(
        select(ProgressLetter, Document)
        .join(Document, Document.id == ProgressLetter.document_id)
        .where(ProgressLetter.office_id == job.office_id, ProgressLetter.period == job.period)
        .order_by(ProgressLetter.partner_id)
    ).all()
    if found:
        month = period_label(letters.parse_period(job.period).start)
        archive = documents.register(
            _zip([(document.filename, documents.content(document)) for _l, document in found]),
            kind=DocKind.BULK_ARCHIVE,
            subject=("DocumentJob", job.id),
            title=f"Surat perkembangan {job.office.name} {month}",
            filename=f"surat-perkembangan-{job.period}-{job.office.code.lower()}.zip",
            office_id=job.office_id,
            issued_on=min(letter.issued_on for letter, _d in found),
            content_type="application/zip",
            period=job.period,
            user_id=job.created_by_id,
        )
        job.archive_id = archive.id
    elif job.total == 0:
        job.message = _("No partner of this office has anything to report for that month.")
    job.status = JobStatus.DONE if found or job.total == 0 else JobStatus.FAILED
    job.finished_at = utcnow()
    db.session.commit()


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    """The files in a zip that is the same bytes for the same files (fixed times and order),
    so running a month again stores no second copy."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()
