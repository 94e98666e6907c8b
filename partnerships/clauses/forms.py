from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from partnerships.core.forms import Form

DOC_KIND_LABELS = {
    "mou": _l("Memorandum of understanding (MoU)"),
    "pks": _l("Cooperation agreement (PKS)"),
    "addendum": _l("Addendum"),
    "renewal": _l("Renewal"),
}


class ClauseForm(Form):
    doc_kind = SelectField(_l("Document"), choices=list(DOC_KIND_LABELS.items()))
    position = IntegerField(_l("Order"), validators=[DataRequired(), NumberRange(min=1, max=9999)])
    heading = StringField(_l("Heading"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l(
            "Placeholders filled in from the agreement: {{ para_pihak }}, {{ pihak_kesatu }}, "
            "{{ pihak_kedua }}, {{ tentang }}, {{ program }}, {{ pendanaan }}, {{ jangka_waktu }}, "
            "{{ masa_berlaku }} (the term, with its dates once known), {{ tanggal_mulai }}, "
            "{{ tanggal_berakhir }}, {{ tempat }}, {{ wilayah }}, {{ induk }}, "
            "{{ induk_rujukan }} (the agreement amended or renewed: title, numbers, date, subject)."
        ),
    )
