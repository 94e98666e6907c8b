from flask import render_template
from flask_login import current_user

from partnerships.agreements.lifecycle import STATUS_LABELS
from partnerships.dashboard import bp
from partnerships.dashboard.services import dashboard


@bp.get("/")
def index():
    return render_template(
        "dashboard/index.html", data=dashboard(current_user), statuses=STATUS_LABELS
    )
