from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from partnerships.core.formatting import office_today
from partnerships.extensions import db
from partnerships.numbering import bp, services
from partnerships.numbering.forms import DOC_TYPE_LABELS, PatternForm
from partnerships.numbering.models import IssuedNumber, NumberPattern
from partnerships.organisations.services import office_choices


@bp.get("/numbering")
def patterns():
    rows = db.session.scalars(
        select(NumberPattern).order_by(NumberPattern.office_id, NumberPattern.doc_type)
    )
    recent = db.session.scalars(select(IssuedNumber).order_by(IssuedNumber.id.desc()).limit(20))
    return render_template(
        "numbering/patterns.html", patterns=rows, recent=recent, doc_types=DOC_TYPE_LABELS
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
    try:
        services.validate_pattern(form.pattern.data or "")
        return services.render(
            form.pattern.data,
            seq=7,
            on=office_today(),
            unit=form.unit.data or "",
            classification=form.classification.data or "",
        )
    except (services.PatternError, ValueError):
        return None
