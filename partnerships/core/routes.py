from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from partnerships.agreements.services import STATUS_LABELS
from partnerships.core import bp
from partnerships.core.forms import LanguageForm
from partnerships.core.safety import safe_next
from partnerships.core.services import dashboard


@bp.get("/")
def index():
    return render_template("core/index.html", data=dashboard(current_user), statuses=STATUS_LABELS)


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))


@bp.get("/health")
def health():
    return {"status": "ok"}
