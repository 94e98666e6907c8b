from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from partnerships.agreements.lifecycle import status_label
from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import can_edit as can_edit_agreement
from partnerships.agreements.permissions import visible_agreements
from partnerships.commitments import (
    bp,
    calculator,
    chart,
    imports,
    printing,  # noqa: F401 (importing it adds the budget to the agreement's PDF)
    queries,
    rates,
    rules,
    sections,  # noqa: F401 (importing it adds the section on the agreement page)
    services,
    wording,
)
from partnerships.commitments import dossier as partner_dossiers
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.forms import (
    BASIS_LABELS,
    EDIT_FORMS,
    FIGURE_STATUS_LABELS,
    FORMS,
    KIND_LABELS,
    METRIC_LABELS,
    CommentForm,
    DecisionForm,
    DoneForm,
    DossierForm,
    FigureForm,
    ImportForm,
    RateForm,
    SubmitFigureForm,
)
from partnerships.commitments.models import (
    Commitment,
    ContributionRate,
    Evidence,
    FigureStatus,
    Kind,
    RealisationFigure,
)
from partnerships.commitments.permissions import (
    can_comment,
    can_edit,
    can_submit,
    visible_commitments,
)
from partnerships.commitments.status import Point
from partnerships.core import uploads
from partnerships.core.formatting import office_today, rupiah_words_id
from partnerships.core.forms import ConfirmForm, refuse
from partnerships.core.pagination import id_key, keyset_page, list_args
from partnerships.core.safety import db_id
from partnerships.documents.dossier import REFUSALS as dossier_refusals
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from partnerships.organisations.scope import partner_choices, visible_partners


def get_commitment(commitment_id: int, *, for_edit: bool = False) -> Commitment:
    """The commitment if the user may see it (else 404) and, for changes, edit it (else 403)."""
    commitment = db.first_or_404(
        visible_commitments(current_user).where(Commitment.id == commitment_id)
    )
    if for_edit and not can_edit(current_user, commitment):
        abort(403)
    return commitment


def _labels() -> dict:
    return {
        "kinds": KIND_LABELS,
        "metrics": METRIC_LABELS,
        "verdicts": wording.VERDICT_LABELS,
        "colours": wording.VERDICT_COLOURS,
        "figure_statuses": FIGURE_STATUS_LABELS,
    }


# ---- the office's list ------------------------------------------------------------------


@bp.get("/commitments")
def index():
    stmt = queries.listed(queries.filtered(visible_commitments(current_user), request.args))
    page = keyset_page(stmt, [id_key(Commitment.id)], request.args.get("after"), descending=True)
    return render_template(
        "commitments/index.html",
        page=page,
        progress=queries.progress_of(page.items, office_today()),
        sentence=wording.sentence,
        args=list_args(),
        filters=queries.filter_args(request.args),
        partners=partner_choices(current_user),
        **_labels(),
    )


# ---- adding and changing one ------------------------------------------------------------


def _form_choices(form, agreement: Agreement) -> None:
    form.partner_id.choices = [("", "—")] + [
        (p.partner_id, p.partner.name) for p in agreement.parties if p.partner_id
    ]
    form.article.choices = [("", "—"), *services.article_choices(agreement)]


def _calculate(form) -> calculator.Premium | None:
    """The budget form's "Calculate": propose the amount from the rates, refuse on the field."""
    year = form.fiscal_year.data
    on = date(year, 1, 1) if isinstance(year, int) and 2000 <= year <= 2100 else office_today()
    try:
        proposal = calculator.premium(
            form.programs.data or [], form.workers.data, form.months.data, form.income.data, on
        )
    except CommitmentError as error:
        form[error.field].errors = [*form[error.field].errors, str(error)]
        return None
    form.amount.data = proposal.amount
    form.amount.raw_data = [str(proposal.amount)]  # the field shows the proposal, not the typed
    return proposal


@bp.route("/agreements/<int:agreement_id>/commitments/new", methods=["GET", "POST"])
def new(agreement_id: int):
    agreement = db.first_or_404(
        visible_agreements(current_user).where(Agreement.id == agreement_id)
    )
    if not can_edit_agreement(current_user, agreement):
        abort(403)
    try:
        kind = Kind(request.args.get("kind", ""))
    except ValueError:
        abort(404)
    if not rules.may_add(agreement):
        flash(_("A terminated agreement takes no new commitments."), "warning")
        return redirect(url_for("agreements.show", agreement_id=agreement.id))
    form = FORMS[kind]()
    _form_choices(form, agreement)
    proposal = None
    if request.method == "GET":
        parties = [p for p in agreement.parties if p.partner_id]
        form.partner_id.data = parties[0].partner_id if len(parties) == 1 else None
        if kind == Kind.BUDGET:
            form.fiscal_year.data = office_today().year
            form.funding.data = agreement.funding
            form.programs.data = ["JKK", "JKM"]
            form.months.data = 12
    elif kind == Kind.BUDGET and form.calculate.data:
        proposal = _calculate(form)
    elif form.validate_on_submit():
        try:
            commitment = services.create(agreement, kind, form.data, current_user)
        except CommitmentError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Commitment recorded."), "success")
            return redirect(url_for("commitments.show", commitment_id=commitment.id))
    return render_template(
        "commitments/form.html",
        form=form,
        agreement=agreement,
        kind=kind,
        commitment=None,
        proposal=proposal,
        **_labels(),
    )


@bp.route("/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
def edit(commitment_id: int):
    commitment = get_commitment(commitment_id, for_edit=True)
    agreement = commitment.agreement
    kind = Kind(commitment.kind)
    form = EDIT_FORMS[kind](obj=commitment)
    _form_choices(form, agreement)
    setters = rules.term_setters(agreement)
    form.set_by.choices = [("", "—")] + [
        (a.id, f"{a.title} ({a.office_number or _('no number yet')})") for a in setters
    ]
    proposal = None
    if request.method == "GET":
        # from an addendum's page: "Record the change" it makes
        asked = request.args.get("set_by", type=db_id)
        chosen = [a.id for a in setters if a.id == asked]
        form.set_by.data = chosen[0] if chosen else setters[0].id if len(setters) == 1 else None
    elif kind == Kind.BUDGET and form.calculate.data:
        proposal = _calculate(form)
    elif form.validate_on_submit():
        try:
            services.update(
                commitment, form.data, form.set_by.data, form.change_note.data, current_user
            )
        except CommitmentError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Commitment saved."), "success")
            return redirect(url_for("commitments.show", commitment_id=commitment.id))
    return render_template(
        "commitments/form.html",
        form=form,
        agreement=agreement,
        kind=kind,
        commitment=commitment,
        proposal=proposal,
        **_labels(),
    )


@bp.post("/commitments/<int:commitment_id>/delete")
def delete(commitment_id: int):
    commitment = get_commitment(commitment_id, for_edit=True)
    if ConfirmForm().validate_on_submit():
        services.delete(commitment)
        db.session.commit()
        flash(_("Commitment deleted; it stays in the audit trail."), "success")
    return redirect(url_for("agreements.show", agreement_id=commitment.agreement_id))


# ---- one commitment ---------------------------------------------------------------------


def _decision_form(figure: RealisationFigure) -> DecisionForm:
    """One form per submitted figure; the prefix keeps their fields apart on the page."""
    return DecisionForm(prefix=f"figure{figure.id}")


def _show(
    commitment: Commitment,
    figure_form=None,
    done_form=None,
    decision_forms: dict | None = None,
    comment_form=None,
):
    today = office_today()
    history = queries.figures(commitment)
    counted = [
        Point(f.period_end, float(f.value))
        for f in history
        if f.status == FigureStatus.ACCEPTED and not f.is_deleted
    ]
    found = queries.progress(commitment, counted, today)
    editable = can_edit(current_user, commitment)
    if editable and commitment.kind != Kind.ACTION:
        figure_form = figure_form or FigureForm()
    if editable and commitment.kind == Kind.ACTION:
        done_form = done_form or DoneForm(obj=commitment)
    if can_submit(current_user, commitment):
        figure_form = figure_form or SubmitFigureForm()
    decisions = {}
    if editable:
        decisions = {
            f.id: (decision_forms or {}).get(f.id) or _decision_form(f)
            for f in history
            if f.status == FigureStatus.SUBMITTED and not f.is_deleted
        }
    if can_comment(current_user, commitment):
        comment_form = comment_form or CommentForm()
    articles = dict(services.article_choices(commitment.agreement))
    terms = queries.terms(commitment)
    return render_template(
        "commitments/show.html",
        commitment=commitment,
        progress=found,
        sentence=wording.sentence(commitment, found),
        value_text=wording.value_text,
        figures=history,
        term_history=list(zip(terms, wording.term_lines(commitment, terms), strict=True)),
        term_text=wording.term_text,
        chart=chart.draw(found, counted, lambda v: wording.value_text(commitment, v))
        if commitment.kind != Kind.ACTION
        else None,
        figure_form=figure_form,
        figure_action=url_for(
            "commitments.figure" if editable else "commitments.submit", commitment_id=commitment.id
        ),
        decision_forms=decisions,
        comments=queries.comments(commitment),
        comment_form=comment_form,
        done_form=done_form,
        done_evidence=queries.done_evidence(commitment),
        confirm=ConfirmForm(),
        can_edit=editable,
        can_withdraw=can_submit(current_user, commitment),
        article=articles.get(commitment.article, f"Pasal {commitment.article}"),
        amount_words=rupiah_words_id(commitment.amount) if commitment.amount else None,
        **_labels(),
    )


@bp.get("/commitments/<int:commitment_id>")
def show(commitment_id: int):
    return _show(get_commitment(commitment_id))


def _commit_with_evidence(evidence: Evidence | None) -> None:
    """Commit; if that fails, the file stored for the row goes too (no row, no file)."""
    try:
        db.session.commit()
    except Exception:
        if evidence is not None:
            uploads.discard(evidence.stored_name)
        raise


@bp.post("/commitments/<int:commitment_id>/figures")
def figure(commitment_id: int):
    commitment = get_commitment(commitment_id, for_edit=True)
    form = FigureForm()
    if form.validate_on_submit():
        try:
            added = services.add_figure(commitment, form.data, form.evidence.data, current_user)
        except CommitmentError as error:
            refuse(form, error)
        else:
            _commit_with_evidence(added.evidence)
            flash(_("Figure for %(period)s recorded.", period=added.period_label), "success")
            return redirect(url_for("commitments.show", commitment_id=commitment.id) + "#figures")
    return _show(commitment, figure_form=form)


@bp.post("/commitments/<int:commitment_id>/submissions")
def submit(commitment_id: int):
    """A partner's figure, with its evidence, for the office to accept or reject."""
    commitment = get_commitment(commitment_id)
    if not can_submit(current_user, commitment):
        abort(403)
    form = SubmitFigureForm()
    if form.validate_on_submit():
        try:
            added = services.submit_figure(commitment, form.data, form.evidence.data, current_user)
        except CommitmentError as error:
            refuse(form, error)
        else:
            _commit_with_evidence(added.evidence)
            flash(
                _(
                    "Figure for %(period)s submitted; it counts once the office accepts it.",
                    period=added.period_label,
                ),
                "success",
            )
            return redirect(url_for("commitments.show", commitment_id=commitment.id))
    return _show(commitment, figure_form=form)


def _figure_of(commitment: Commitment, figure_id: int) -> RealisationFigure:
    return db.first_or_404(
        select(RealisationFigure).where(
            RealisationFigure.id == figure_id,
            RealisationFigure.commitment_id == commitment.id,
            RealisationFigure.is_deleted.is_(False),
        )
    )


@bp.post("/commitments/<int:commitment_id>/figures/<int:figure_id>/decision")
def decide(commitment_id: int, figure_id: int):
    commitment = get_commitment(commitment_id, for_edit=True)
    found = _figure_of(commitment, figure_id)
    form = _decision_form(found)
    if form.validate_on_submit():
        accept = bool(form.accept.data)
        try:
            services.decide_figure(found, accept, form.reason.data, current_user)
        except CommitmentError as error:
            refuse(form, error)
        else:
            db.session.commit()
            message = _("Figure accepted.") if accept else _("Figure rejected.")
            flash(message, "success")
            return redirect(url_for("commitments.show", commitment_id=commitment.id))
    return _show(commitment, decision_forms={found.id: form})


@bp.post("/commitments/<int:commitment_id>/comments")
def comment(commitment_id: int):
    commitment = get_commitment(commitment_id)
    if not can_comment(current_user, commitment):
        abort(403)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(commitment, form.body.data, current_user)
        except CommitmentError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Message sent."), "success")
            return redirect(url_for("commitments.show", commitment_id=commitment.id))
    return _show(commitment, comment_form=form)


@bp.post("/commitments/<int:commitment_id>/figures/<int:figure_id>/withdraw")
def withdraw(commitment_id: int, figure_id: int):
    """A partner takes back its own submitted figure before the office decides on it."""
    commitment = get_commitment(commitment_id)
    if not can_submit(current_user, commitment):
        abort(403)
    found = _figure_of(commitment, figure_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.withdraw_figure(found)
        except CommitmentError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Figure withdrawn; its month is free for a corrected one."), "success")
    return redirect(url_for("commitments.show", commitment_id=commitment.id))


@bp.post("/commitments/<int:commitment_id>/figures/<int:figure_id>/delete")
def figure_delete(commitment_id: int, figure_id: int):
    commitment = get_commitment(commitment_id, for_edit=True)
    found = _figure_of(commitment, figure_id)
    if ConfirmForm().validate_on_submit():
        services.delete_figure(found)
        db.session.commit()
        flash(_("Figure deleted; it stays in the history."), "success")
    return redirect(url_for("commitments.show", commitment_id=commitment.id) + "#figures")


# ---- figures imported from a spreadsheet -------------------------------------------------


def _importable(agreement_id: int) -> Agreement:
    """The agreement if the user may see it (else 404) and edit it (else 403)."""
    agreement = db.first_or_404(
        visible_agreements(current_user).where(Agreement.id == agreement_id)
    )
    if not can_edit_agreement(current_user, agreement):
        abort(403)
    return agreement


@bp.route("/agreements/<int:agreement_id>/figures/import", methods=["GET", "POST"])
def figure_import(agreement_id: int):
    agreement = _importable(agreement_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(imports.max_bytes() + 1)
        try:
            imports.read(data)  # refused as a whole: said on the field, nothing kept
        except CommitmentError as error:
            refuse(form, error)
        else:
            token = imports.keep(data, upload.filename or "", current_user.id, agreement.id)
            return redirect(
                url_for("commitments.figure_import_preview", agreement_id=agreement.id, token=token)
            )
    return render_template(
        "commitments/import.html",
        form=form,
        agreement=agreement,
        columns=imports.COLUMNS,
        instructions=imports.INSTRUCTIONS[1:],
        max_rows=imports.MAX_ROWS,
    )


@bp.get("/agreements/<int:agreement_id>/figures/import/template.<any(csv, xlsx):fmt>")
def figure_import_template(agreement_id: int, fmt: str):
    agreement = _importable(agreement_id)
    if fmt == "csv":
        body, mimetype = imports.template_csv(agreement), "text/csv"
    else:
        body = imports.template_xlsx(agreement)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"angka-realisasi-{agreement.id}.{fmt}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@bp.route("/agreements/<int:agreement_id>/figures/import/<token>", methods=["GET", "POST"])
def figure_import_preview(agreement_id: int, token: str):
    agreement = _importable(agreement_id)
    found = imports.kept(token, current_user.id, agreement.id)
    confirm = ConfirmForm()
    confirming = request.method == "POST" and confirm.validate_on_submit()
    # pressed twice (or in two tabs): the first press writes, the second is told so
    if imports.claimed(token) or (confirming and found and not imports.claim(token)):
        flash(_("This file is being imported already."), "warning")
        return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#commitments")
    if found is None and (written := imports.imported(token)) is not None:
        flash(
            ngettext(
                "This file was imported already: %(num)d figure.",
                "This file was imported already: %(num)d figures.",
                written,
            ),
            "info",
        )
        return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#commitments")
    if found is None:
        flash(
            _("That upload is no longer kept (uploads wait an hour); upload the file again."),
            "warning",
        )
        return redirect(url_for("commitments.figure_import", agreement_id=agreement.id))
    data, name = found
    try:
        table = imports.read(data)
    except CommitmentError as error:  # kept only once read; a changed rule may refuse it now
        imports.forget(token)
        flash(str(error), "danger")
        return redirect(url_for("commitments.figure_import", agreement_id=agreement.id))
    # checked afresh on every look: a figure recorded meanwhile makes its row a fault
    preview = imports.check(agreement, table)
    if confirming:
        if preview.ready:
            written = imports.write(preview, current_user)
            db.session.commit()
            imports.finish(token, written)
            flash(
                ngettext("%(num)d figure imported.", "%(num)d figures imported.", written),
                "success",
            )
            return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#commitments")
        imports.release(token)
        flash(_("Nothing was imported: some rows have faults."), "danger")
    return render_template(
        "commitments/import_preview.html",
        agreement=agreement,
        preview=preview,
        table=table,
        name=name,
        confirm=confirm,
        value_text=wording.value_text,
        **_labels(),
    )


@bp.post("/commitments/<int:commitment_id>/done")
def done(commitment_id: int):
    commitment = get_commitment(commitment_id, for_edit=True)
    form = DoneForm()
    if form.validate_on_submit():
        try:
            services.mark_done(commitment, form.data, form.evidence.data, current_user)
        except CommitmentError as error:
            refuse(form, error)
        else:
            _commit_with_evidence(queries.done_evidence(commitment))
            flash(_("Marked as done."), "success")
            return redirect(url_for("commitments.show", commitment_id=commitment.id))
    return _show(commitment, done_form=form)


@bp.get("/commitments/<int:commitment_id>/evidence/<int:evidence_id>")
def evidence(commitment_id: int, evidence_id: int):
    commitment = get_commitment(commitment_id)
    found = db.first_or_404(
        select(Evidence).where(
            Evidence.id == evidence_id,
            Evidence.commitment_id == commitment.id,
            Evidence.is_deleted.is_(False),
        )
    )
    path = uploads.path_of(found.stored_name)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype=found.content_type, as_attachment=True, download_name=found.original_name
    )


# ---- a partner's auditor's dossier ------------------------------------------------------


@bp.route("/partners/<int:partner_id>/dossier", methods=["GET", "POST"])
def partner_dossier(partner_id: int):
    """The period to cover, then the partner's dossier (a zip) for it; its sealed manifest is
    registered, so the request commits before the file goes out."""
    partner = db.first_or_404(visible_partners(current_user).where(Partner.id == partner_id))
    if not partner_dossiers.may_download(current_user, partner):
        abort(403)
    form = DossierForm()
    if request.method == "GET":
        form.since.data, form.until.data = partner_dossiers.default_period()
    if form.validate_on_submit():
        try:
            built = partner_dossiers.build(partner, current_user, form.since.data, form.until.data)
        except dossier_refusals as refused:
            db.session.rollback()
            flash(str(refused), "danger")
        else:
            db.session.commit()
            return send_file(
                built.file,
                mimetype="application/zip",
                as_attachment=True,
                download_name=built.filename,
            )
    return render_template("commitments/dossier.html", partner=partner, form=form)


# ---- the partner's portal ---------------------------------------------------------------


@bp.get("/portal")
def portal():
    """A partner user's home: its agreements, what its partner owes with the status computed
    today, the figures waiting for the office, and what happened lately."""
    mine = visible_commitments(current_user)
    page = keyset_page(
        queries.listed(mine), [id_key(Commitment.id)], request.args.get("after"), descending=True
    )
    agreements = db.session.scalars(
        visible_agreements(current_user).order_by(Agreement.id.desc()).limit(50)
    ).all()
    return render_template(
        "commitments/portal.html",
        agreements=agreements,
        status_label=status_label,
        page=page,
        progress=queries.progress_of(page.items, office_today()),
        sentence=wording.sentence,
        awaiting=queries.figures_of(mine, status=FigureStatus.SUBMITTED),
        recent=queries.figures_of(mine, limit=10),
        recent_comments=queries.comments_of(mine),
        value_text=wording.value_text,
        **_labels(),
    )


# ---- contribution rates -----------------------------------------------------------------


@bp.get("/contribution-rates", endpoint="rates")
def rates_index():
    return render_template(
        "commitments/rates.html",
        rates=db.session.scalars(rates.listed()).all(),
        bases=BASIS_LABELS,
        today=office_today(),
    )


def _save_rate(form: RateForm, rate: ContributionRate | None):
    try:
        rates.save_rate(rate, form.data)
    except CommitmentError as error:
        refuse(form, error)
        return None
    db.session.commit()
    flash(_("Contribution rate saved."), "success")
    return redirect(url_for("commitments.rates"))


@bp.route("/contribution-rates/new", methods=["GET", "POST"])
def rate_new():
    form = RateForm()
    if form.validate_on_submit() and (done_page := _save_rate(form, None)):
        return done_page
    return render_template("commitments/rate_form.html", form=form, rate=None)


@bp.route("/contribution-rates/<int:rate_id>/edit", methods=["GET", "POST"])
def rate_edit(rate_id: int):
    rate = db.get_or_404(ContributionRate, rate_id)
    form = RateForm(obj=rate)
    if form.validate_on_submit() and (done_page := _save_rate(form, rate)):
        return done_page
    return render_template("commitments/rate_form.html", form=form, rate=rate)


# The progress letters' pages live beside these; importing them adds their routes.
from partnerships.commitments import letter_routes  # noqa: E402, F401
