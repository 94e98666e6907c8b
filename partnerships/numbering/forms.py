from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from partnerships.core.forms import Form, optional_id

# What a pattern numbers (numbering.services.SERIES); a renewal is numbered as what it renews.
DOC_TYPE_LABELS = {
    "mou": _l("Memorandum of understanding (KB)"),
    "pks": _l("Cooperation agreement (PKS)"),
    "addendum": _l("Addendum"),
    "letter": _l("Letter"),
}
# The sequences numbers are counted in (IssuedNumber.doc_type).
SERIES_LABELS = {"agreement": _l("Agreement"), "letter": _l("Letter")}


class PatternForm(Form):
    office_id = SelectField(_l("Office"), coerce=optional_id, validators=[DataRequired()])
    doc_type = SelectField(_l("Document"), choices=list(DOC_TYPE_LABELS.items()))
    year = IntegerField(
        _l("Year"),
        validators=[Optional(), NumberRange(min=2000, max=2100)],
        description=_l("Leave empty for the office's default in every year."),
    )
    pattern = StringField(
        _l("Pattern"),
        validators=[DataRequired(), Length(max=200)],
        description=_l(
            "Placeholders: {seq} (or {seq:03d}), {office} (the office code), {unit}, "
            "{classification}, {month}, {month_roman}, {year}, {mmyyyy}."
        ),
    )
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=60)])
    classification = StringField(_l("Classification"), validators=[Optional(), Length(max=30)])
