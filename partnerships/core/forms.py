from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class ConfirmForm(FlaskForm):
    """A CSRF-only form for POST buttons (deactivate, delete ...)."""

    submit = SubmitField(_l("Confirm"))
