from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from partnerships.core.forms import Form


class PreferenceForm(Form):
    email_enabled = BooleanField(
        _l("E-mail me when something is handed to me"),
        description=_l(
            "Reviews, comments, approvals and figures. The Waiting for me list shows them "
            "either way."
        ),
    )
