from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnerships.core.formatting import office_today
from partnerships.extensions import db
from partnerships.notifications import bp, services
from partnerships.notifications.forms import PreferenceForm


@bp.app_context_processor
def _badge():
    # A callable: the count is queried only when the menu is drawn, in one statement.
    return {"waiting_count": lambda: services.total(current_user)}


@bp.get("/waiting")
def waiting():
    today = office_today()
    sections = services.waiting(current_user, today)
    return render_template(
        "notifications/waiting.html",
        sections=sections,
        total=sum(section.total for section in sections),
        today=today,
    )


@bp.route("/settings/notifications", methods=["GET", "POST"])
def settings():
    user = current_user._get_current_object()
    form = PreferenceForm()
    if form.validate_on_submit():
        services.set_email_enabled(user, form.email_enabled.data)
        db.session.commit()
        flash(
            _("E-mail notifications are on.")
            if form.email_enabled.data
            else _("E-mail notifications are off."),
            "success",
        )
        return redirect(url_for("notifications.settings"))
    if not form.is_submitted():
        form.email_enabled.data = services.email_enabled(user)
    return render_template("notifications/settings.html", form=form)
