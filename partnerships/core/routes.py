from flask import redirect, request, session, url_for

from partnerships.core import bp
from partnerships.core.forms import LanguageForm
from partnerships.core.safety import safe_next


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.index"))


@bp.get("/health")
def health():
    return {"status": "ok"}
