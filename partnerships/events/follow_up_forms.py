"""The follow-up forms. The services check what matters (the assignee, the due date, the
note) and name the field at fault, so the forms only carry the values."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Optional

from partnerships.core.forms import Form


class FollowUpForm(Form):
    description = TextAreaField(_l("What is to be done"), render_kw={"required": True})
    # "user-7" or "partner-3"; the service refuses any other (validate_choice=False lets it
    # say why, on the field, instead of WTForms' bare "Not a valid choice"). The template
    # draws it, with an empty first choice and the groups as optgroups.
    assignee = SelectField(_l("Assignee"), choices=[], validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()], render_kw={"required": True})
    save = SubmitField(_l("Save the follow-up"))


class DoneForm(Form):
    done_note = TextAreaField(
        _l("What was done"),
        description=_l("Required: the office reads it as the record."),
        render_kw={"required": True},
    )
    evidence = FileField(_l("Evidence (PDF, JPEG or PNG, optional)"))
    mark = SubmitField(_l("Mark as done"))
