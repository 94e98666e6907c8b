"""The forms of an event's records: its files, the registrations it counts towards a
commitment, and the button that writes its minutes (kept apart from forms.py, the event's own
plan and status, so the two grow without treading on each other)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from partnerships.core.forms import Form, optional_id, single_line
from partnerships.events.forms import ATTACHMENT_KIND_LABELS


class AttachmentForm(Form):
    kind = SelectField(
        _l("What it is"), choices=list(ATTACHMENT_KIND_LABELS.items()), validate_choice=False
    )
    file = FileField(
        _l("File"),
        validators=[FileRequired(message=_l("Choose the file to attach."))],
        description=_l(
            "A photo: JPEG, PNG or WebP. An attendance list or another file: PDF or a picture."
        ),
    )
    caption = StringField(_l("Caption"), validators=[Optional(), single_line, Length(max=300)])
    upload = SubmitField(_l("Attach"))


class ContributionForm(Form):
    commitment_id = SelectField(_l("Commitment"), coerce=optional_id, validate_choice=False)
    registrations = IntegerField(
        _l("New registrations that count towards it"),
        validators=[InputRequired()],
        description=_l("Participants registered at this event, out of its new registrations."),
    )
    record = SubmitField(_l("Count towards the commitment"))


class MinutesForm(Form):
    """A CSRF-only form: the button that writes the minutes."""

    issue = SubmitField(_l("Print minutes"))
