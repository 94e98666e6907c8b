from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from partnerships.clauses import bp, services
from partnerships.clauses.forms import DOC_KIND_LABELS, ClauseForm
from partnerships.clauses.models import Clause
from partnerships.core.forms import ConfirmForm
from partnerships.extensions import db


def get_clause(clause_id: int) -> Clause:
    """The clause (not deleted), else 404."""
    return db.first_or_404(db.select(Clause).where(Clause.id == clause_id, ~Clause.is_deleted))


@bp.get("/clauses")
def index():
    sets = {kind: services.library(kind) for kind in DOC_KIND_LABELS}
    return render_template("clauses/index.html", sets=sets, kinds=DOC_KIND_LABELS)


def _save(form: ClauseForm, clause: Clause | None):
    try:
        services.save_clause(clause, form.data)
    except services.ClauseError as error:
        db.session.rollback()
        form.body.errors.append(str(error))
        return None
    db.session.commit()
    flash(_("Clause saved."), "success")
    return redirect(url_for("clauses.index"))


@bp.route("/clauses/new", methods=["GET", "POST"])
def new():
    form = ClauseForm()
    if form.validate_on_submit() and (done := _save(form, None)):
        return done
    return render_template("clauses/form.html", form=form, clause=None)


@bp.route("/clauses/<int:clause_id>/edit", methods=["GET", "POST"])
def edit(clause_id: int):
    clause = get_clause(clause_id)
    form = ClauseForm(obj=clause)
    if form.validate_on_submit() and (done := _save(form, clause)):
        return done
    return render_template("clauses/form.html", form=form, clause=clause, confirm=ConfirmForm())


@bp.post("/clauses/<int:clause_id>/delete")
def delete(clause_id: int):
    clause = get_clause(clause_id)
    if ConfirmForm().validate_on_submit():
        clause.is_deleted = True
        db.session.commit()
        flash(_("Clause removed from the library."), "success")
    return redirect(url_for("clauses.index"))
