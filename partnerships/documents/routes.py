"""The public verification page: upload any file for a verdict, or open a sealed document's
QR link; either way a visitor sees only kind, number, date and issuer, never the content."""

from flask import abort, current_app, render_template
from flask_babel import gettext as _

from partnerships.core.uploads import size_label
from partnerships.documents import bp, verification
from partnerships.documents import services as documents
from partnerships.documents.forms import KIND_LABELS, VerifyForm
from partnerships.documents.store import StoreError
from partnerships.extensions import limiter


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
def verify():
    """Upload a PDF: is it ours, is it intact, who signed it."""
    form = VerifyForm()
    verdict = None
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if form.validate_on_submit():
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(_("The file is larger than %(size)s.", size=size_label(limit)))
        else:
            verdict = verification.check(data)
    return render_template(
        "documents/check.html",
        form=form,
        verdict=verdict,
        limit=size_label(limit),
        kinds=KIND_LABELS,
    )


@bp.get("/verify/<token>")
@limiter.limit(_verify_limit)
def verify_token(token: str):
    """What a sealed document's QR opens: kind, number, date and issuer, never the content;
    and the verdict on the stored file's signatures (a scan or an archive has none)."""
    document = documents.by_token(token)
    if document is None:
        abort(404)
    try:
        verdict = verification.check(documents.content(document)) if document.is_pdf else None
    except StoreError:
        verdict = None
    return render_template(
        "documents/verify.html", document=document, verdict=verdict, kinds=KIND_LABELS
    )
