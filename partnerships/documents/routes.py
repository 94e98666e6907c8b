"""The public verification page: a registered document looked up by its random token."""

from flask import abort, render_template

from partnerships.documents import bp
from partnerships.documents import services as documents


@bp.get("/verify/<token>")
def verify_token(token: str):
    """What a sealed document's QR opens: kind, number, date and issuer, never the content."""
    document = documents.by_token(token)
    if document is None:
        abort(404)
    return render_template("documents/verify.html", document=document)
