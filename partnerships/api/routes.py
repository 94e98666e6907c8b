"""The API tokens page: each user makes tokens for the systems it connects (shown once) and
revokes them.

    GET/POST  /settings/api                    api.tokens
    POST      /settings/api/<id>/revoke        api.token_revoke
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField

from partnerships.api import bp, tokens
from partnerships.api.models import ApiToken
from partnerships.core.errors import DomainError
from partnerships.core.forms import ConfirmForm, Form
from partnerships.extensions import db


class TokenForm(Form):
    name = StringField(
        _l("Name"), description=_l("What the token is for, e.g. the regency's SIPD link.")
    )


@bp.route("/settings/api", methods=["GET", "POST"], endpoint="tokens")
def tokens_page():
    user = current_user._get_current_object()
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            row, token = tokens.create(user, form.name.data)
        except DomainError as refused:
            db.session.rollback()
            form.name.errors.append(str(refused))
        else:
            db.session.commit()
            flash(_("Token created: %(name)s", name=row.name), "success")
            # Shown once, on this response (never stored, never redirected through the session).
            created = {"token": token, "row": row}
            form = TokenForm(formdata=None)
    return render_template(
        "api/tokens.html",
        form=form,
        created=created,
        tokens=tokens.live_of(user),
        docs_url=url_for("api-docs.openapi_json"),
        confirm=ConfirmForm(),
    )


@bp.post("/settings/api/<int:token_id>/revoke")
def token_revoke(token_id: int):
    row = db.get_or_404(ApiToken, token_id)
    if row.revoked_at is not None or row.user_id != current_user.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        tokens.revoke(row)
        db.session.commit()
        flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("api.tokens"))
