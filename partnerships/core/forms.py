"""The base form of every domain, and the shared CSRF-only forms."""

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import ValidationError

from partnerships.core.safety import is_single_line


def refuse(form, error) -> None:
    """Undo the refused change and show why: on its field when the form has it, else flashed."""
    from flask import flash

    from partnerships.extensions import db

    db.session.rollback()
    if error.field and error.field in form:
        form[error.field].errors.append(str(error))
    else:
        flash(str(error), "danger")


def optional_id(value):
    """`coerce=` for select fields whose empty choice means "none"."""
    return int(value) if value not in (None, "", "None") else None


def single_line(_form, field) -> None:
    """A validator for titles and names: no line breaks or other control characters."""
    if field.data and not is_single_line(field.data):
        raise ValidationError(_l("Use a single line, without control characters."))


class _BabelTranslations:
    """WTForms' own messages through our catalog (WTForms ships no Indonesian)."""

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _BabelTranslations()


class LanguageForm(Form):
    lang = SelectField(choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class ConfirmForm(Form):
    """A CSRF-only form for POST buttons (deactivate, delete ...)."""

    submit = SubmitField(_l("Confirm"))


def _wtforms_messages() -> None:  # pragma: no cover - never called
    """The WTForms messages our validators can show, listed so `make translations` extracts
    them into our catalog."""
    from flask_babel import gettext, ngettext

    gettext("This field is required.")
    gettext("Invalid email address.")
    gettext("Not a valid choice.")
    gettext("Not a valid integer value.")
    gettext("Not a valid date value.")
    gettext("Not a valid decimal value.")
    gettext("Invalid input.")
    gettext("Invalid Choice: could not coerce.")
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    gettext("Field must be equal to %(other_name)s.")
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        2,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        2,
    )
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        2,
    )
