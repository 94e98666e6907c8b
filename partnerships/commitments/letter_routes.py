"""Progress letters: the list of letters issued, a letter's download, issuing one from the
partner page, and letters for all partners of an office as a background job with its progress
page, its progress as JSON (polled by static/app.js) and its zip."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnerships.commitments import bp, bulk, letters
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.forms import BulkLettersForm, LetterForm
from partnerships.commitments.models import ProgressLetter
from partnerships.commitments.permissions import letter_offices, visible_jobs, visible_letters
from partnerships.core import sections
from partnerships.core.errors import DomainError
from partnerships.core.formatting import office_today
from partnerships.core.forms import refuse
from partnerships.core.pagination import id_key, keyset_page
from partnerships.core.policy import can
from partnerships.core.safety import db_id
from partnerships.documents import services as documents
from partnerships.documents.models import Document, DocumentJob, JobStatus
from partnerships.documents.rendering import RenderRefused
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from partnerships.organisations.permissions import can_edit_partner
from partnerships.organisations.scope import visible_partners

RECENT = 10  # letters on the partner page, jobs on the letters page


def _month(value) -> str:
    return f"{value:%Y-%m}" if value else ""


def month_label(key: str) -> str:
    """'Oktober 2026' for the period '2026-10', in the user's language."""
    return letters.parse_period(key).label


@bp.get("/letters", endpoint="letters")
def letters_index():
    stmt = visible_letters(current_user)
    period = (request.args.get("period") or "").strip()
    if period:
        stmt = stmt.where(ProgressLetter.period == period)
    partner_id = request.args.get("partner", type=db_id)
    if partner_id:
        stmt = stmt.where(ProgressLetter.partner_id == partner_id)
    after = request.args.get("after")
    page = keyset_page(stmt, [id_key(ProgressLetter.id)], after, descending=True)
    recent_jobs = []
    if can("commitments.letters_job"):
        recent_jobs = db.session.scalars(
            visible_jobs(current_user, bulk.KIND).order_by(DocumentJob.id.desc()).limit(RECENT)
        ).all()
    return render_template(
        "commitments/letters.html",
        page=page,
        filters={k: v for k, v in (("period", period), ("partner", partner_id)) if v},
        period=period,
        partner_id=partner_id,
        partners=db.session.execute(
            visible_partners(current_user)
            .with_only_columns(Partner.id, Partner.name)
            .order_by(Partner.name)
        ).all(),
        jobs=recent_jobs,
        month_label=month_label,
        may_bulk=can("commitments.letters_bulk") and bool(letter_offices(current_user)),
    )


@bp.get("/letters/<int:letter_id>/download")
def letter_download(letter_id: int):
    letter = db.first_or_404(visible_letters(current_user).where(ProgressLetter.id == letter_id))
    document = db.session.get(Document, letter.document_id)
    return send_file(
        io.BytesIO(documents.content(document)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=document.filename,
    )


@bp.post("/partners/<int:partner_id>/letters")
def letter_issue(partner_id: int):
    partner = db.first_or_404(visible_partners(current_user).where(Partner.id == partner_id))
    if not can_edit_partner(current_user, partner):
        abort(403)
    form = LetterForm()
    back = url_for("organisations.partner", partner_id=partner.id) + "#letters"
    if not form.validate_on_submit():
        for error in form.period.errors or [_("Choose a month, as 2026-10.")]:
            flash(error, "danger")
        return redirect(back)
    today = office_today()
    try:
        period = letters.parse_period(_month(form.period.data), today)
        known = letters.existing(partner.id, period.key)
        letter = letters.issue_letter(partner, period, today, current_user)
    except letters.LetterRefused as refused:
        db.session.rollback()
        for reason in refused.missing:
            flash(reason, "danger")
        return redirect(back)
    except (DomainError, RenderRefused) as error:
        # a month refused, or the office unable to seal (no certificate) or the render stopped
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(back)
    db.session.commit()
    month = period.label
    if known is not None and known.document_id is not None:
        flash(
            _(
                "The letter for %(period)s was already issued as %(number)s: here it is again.",
                period=month,
                number=letter.number,
            ),
            "info",
        )
    else:
        flash(
            _("Letter %(number)s for %(period)s issued.", number=letter.number, period=month),
            "success",
        )
    return redirect(back)


@bp.route("/letters/bulk", methods=["GET", "POST"])
def letters_bulk():
    offices = letter_offices(current_user)
    if not offices:
        abort(403)
    form = BulkLettersForm()
    form.office_id.choices = [(o.id, o.name) for o in offices]
    today = office_today()
    if request.method == "GET":
        form.office_id.data = current_user.office_id or offices[0].id
        form.period.data = letters.parse_period(letters.default_period(today)).start
    elif form.validate_on_submit():
        try:
            period = letters.parse_period(_month(form.period.data), today)
        except CommitmentError as error:
            refuse(form, error)
        else:
            office = next(o for o in offices if o.id == form.office_id.data)
            job = bulk.start(office, period, current_user)
            db.session.commit()
            bulk.queue(job, today, session.get("lang"))
            return redirect(url_for("commitments.letters_job", job_id=job.id))
    return render_template("commitments/letters_bulk.html", form=form)


def _job(job_id: int) -> DocumentJob:
    return db.first_or_404(visible_jobs(current_user, bulk.KIND).where(DocumentJob.id == job_id))


@bp.get("/letters/jobs/<int:job_id>")
def letters_job(job_id: int):
    job = _job(job_id)
    return render_template(
        "commitments/letters_job.html", job=job, period=letters.parse_period(job.period)
    )


@bp.get("/letters/jobs/<int:job_id>/status")
def letters_job_status(job_id: int):
    """What the progress bar shows, for the page's script to poll."""
    job = _job(job_id)
    finished = job.status in (JobStatus.DONE, JobStatus.FAILED)
    return {
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "finished": finished,
        "text": render_template("commitments/_job_status.html", job=job).strip(),
        "archive_url": url_for("commitments.letters_job_archive", job_id=job.id)
        if job.archive_id
        else None,
    }


@bp.get("/letters/jobs/<int:job_id>/archive")
def letters_job_archive(job_id: int):
    job = _job(job_id)
    if job.archive_id is None:
        abort(404)
    archive = db.session.get(Document, job.archive_id)
    return send_file(
        io.BytesIO(documents.content(archive)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=archive.filename,
    )


def for_partner(partner, **_context) -> str:
    """The partner page's letters: the latest issued, and the form to issue one."""
    if not can("commitments.letters"):
        return ""
    rows = db.session.scalars(
        visible_letters(current_user)
        .where(ProgressLetter.partner_id == partner.id)
        .order_by(ProgressLetter.id.desc())
        .limit(RECENT + 1)
    ).all()
    form = None
    if can("commitments.letter_issue") and can_edit_partner(current_user, partner):
        form = LetterForm()
        form.period.data = letters.parse_period(letters.default_period(office_today())).start
    return render_template(
        "commitments/_letters_section.html",
        partner=partner,
        rows=rows[:RECENT],
        more=len(rows) > RECENT,
        form=form,
        month_label=month_label,
    )


sections.register("partner", "letters", for_partner)
