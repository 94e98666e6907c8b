from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from partnerships.agreements.models import PROGRAMS, Kind
from partnerships.core.forms import Form, optional_id, single_line

KIND_LABELS = {
    Kind.MOU: _l("Memorandum of understanding (Kesepakatan Bersama)"),
    Kind.PKS: _l("Cooperation agreement (PKS)"),
    Kind.ADDENDUM: _l("Addendum"),
    Kind.RENEWAL: _l("Renewal"),
}
FUNDING_LABELS = {"apbd": "APBD", "apbdes": "APBDes", "other": _l("Other")}
ATTACHMENT_LABELS = {"signed_original": _l("Signed original (scan)"), "annex": _l("Annex")}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class DetailsForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), single_line, Length(max=300)])
    subject = StringField(
        _l("Subject (tentang)"), validators=[DataRequired(), single_line, Length(max=500)]
    )
    programs = MultiCheckboxField(_l("Programs"), choices=[(p, p) for p in PROGRAMS])
    funding = SelectField(_l("Funding"), choices=list(FUNDING_LABELS.items()))
    place = StringField(
        _l("Place of signing"), validators=[DataRequired(), single_line, Length(max=120)]
    )
    signed_on = DateField(_l("Signed on (planned)"), validators=[Optional()])
    effective_on = DateField(_l("Effective from"), validators=[Optional()])
    term_months = IntegerField(
        _l("Term (months)"), validators=[Optional(), NumberRange(min=1, max=600)]
    )
    ends_on = DateField(
        _l("Ends on"),
        validators=[Optional()],
        description=_l("Leave empty to count it from the term."),
    )


class EditDetailsForm(DetailsForm):
    lock_version = HiddenField()


class NewAgreementForm(DetailsForm):
    kind = SelectField(_l("Type"), choices=list(KIND_LABELS.items()))
    parent_id = SelectField(_l("Implements, amends or renews"), coerce=optional_id)
    office_id = SelectField(_l("Owning office"), coerce=optional_id, validators=[DataRequired()])
    partner_ids = MultiCheckboxField(_l("Government partners"), coerce=int)


class ArticlesForm(Form):
    """CSRF, the version the edit started from, and a note; the articles come as lists."""

    base_version = HiddenField()  # missing or garbled: refused as a conflict by the service
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=300)])


class PartiesForm(Form):
    partner_ids = MultiCheckboxField(_l("Government partners"), coerce=int)


class TransitionForm(Form):
    action = HiddenField(validators=[DataRequired()])
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class CommentForm(Form):
    article_index = IntegerField(validators=[Optional()])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])


class ReplyForm(Form):
    body = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=4000)])


class UploadForm(Form):
    kind = SelectField(_l("What is it"), choices=list(ATTACHMENT_LABELS.items()))
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired()])


class CertifiedSigningForm(Form):
    """A partner's PDF signed with its certified electronic signature, uploaded back."""

    file = FileField(_l("Signed PDF"), validators=[FileRequired()])


class WetInkSigningForm(Form):
    """The scan of the page a partner's signatory signed in ink."""

    file = FileField(_l("Scan (PDF, JPEG or PNG)"), validators=[FileRequired()])
    signer_name = StringField(
        _l("Signed by"), validators=[DataRequired(), single_line, Length(max=300)]
    )
    signed_on = DateField(_l("Signed on"), validators=[DataRequired()])
