from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from partnerships.core.formatting import office_today
from partnerships.core.pagination import id_key, keyset_page
from partnerships.core.safety import db_id
from partnerships.extensions import db
from partnerships.numbering import bp, queries, services
from partnerships.numbering.forms import DOC_TYPE_LABELS, SERIES_LABELS, PatternForm
from partnerships.numbering.models import IssuedNumber, NumberPattern
from partnerships.organisations.models import Office
from partnerships.organisations.services import office_choices


@bp.get("/numbering")
def patterns():
    office_id = request.args.get("office", type=db_id)
    series = request.args.get("series", "")
    series = series if series in SERIES_LABELS else ""
    q = request.args.get("q", "").strip()[:120]
    issued = keyset_page(
        queries.issued_numbers(office_id=office_id, series=series, q=q),
        [id_key(IssuedNumber.id)],
        request.args.get("after"),
        descending=True,
    )
    return render_template(
        "numbering/patterns.html",
        patterns=db.session.scalars(queries.patterns()),
        issued=issued,
        filters={"office": office_id, "series": series, "q": q},
        offices=office_choices(),
        doc_types=DOC_TYPE_LABELS,
        defaults=services.DEFAULT_PATTERNS,
        series_labels=SERIES_LABELS,
    )


def _form(pattern: NumberPattern | None) -> PatternForm:
    form = PatternForm(obj=pattern)
    form.office_id.choices = office_choices()
    return form


def _save(form: PatternForm, pattern: NumberPattern | None):
    try:
        services.save_pattern(pattern, form.data)
    except services.PatternError as error:
        db.session.rollback()
        form.pattern.errors.append(str(error))
        return None
    db.session.commit()
    flash(_("Numbering pattern saved."), "success")
    return redirect(url_for("numbering.patterns"))


@bp.route("/numbering/new", methods=["GET", "POST"])
def pattern_new():
    form = _form(None)
    if form.validate_on_submit() and (done := _save(form, None)):
        return done
    return render_template("numbering/pattern_form.html", form=form, preview=_preview(form))


@bp.route("/numbering/<int:pattern_id>/edit", methods=["GET", "POST"])
def pattern_edit(pattern_id: int):
    pattern = db.get_or_404(NumberPattern, pattern_id)
    form = _form(pattern)
    if form.validate_on_submit() and (done := _save(form, pattern)):
        return done
    return render_template("numbering/pattern_form.html", form=form, preview=_preview(form))


def _preview(form: PatternForm) -> str | None:
    """What the 7th number of today would look like with the pattern as typed."""
    office = db.session.get(Office, form.office_id.data) if form.office_id.data else None
    try:
        services.validate_pattern(form.pattern.data or "")
        return services.render(
            form.pattern.data,
            seq=7,
            on=office_today(),
            office=office.code if office else "ABC",
            unit=form.unit.data or "",
            classification=form.classification.data or "",
        )
    except (services.PatternError, ValueError):
        return None
