from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from partnerships.core.forms import Form, optional_id
from partnerships.core.roles import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.STAFF: _l("Relations staff"),
    Role.MANAGER: _l("Manager"),
    Role.PARTNER: _l("Partner"),
    Role.AUDITOR: _l("Auditor"),
}


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )


class UserForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    office_id = SelectField(_l("Office"), coerce=optional_id, validate_choice=True)
    partner_id = SelectField(_l("Partner"), coerce=optional_id, validate_choice=True)
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=10, max=200)],
        description=_l("At least 10 characters. Leave empty to keep the current password."),
    )
    active = BooleanField(_l("Active"), default=True)


class UserEditForm(UserForm):
    """Editing keeps the login e-mail as it is: shown read-only, never validated or saved."""

    email = EmailField(_l("E-mail"), render_kw={"readonly": True})
