from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from partnerships.agreements.forms import FUNDING_LABELS, MultiCheckboxField
from partnerships.agreements.models import PROGRAMS
from partnerships.commitments.models import Basis, FigureStatus, Kind, Metric
from partnerships.core.forms import Form, optional_id, single_line
from partnerships.organisations.forms import region_code_format

KIND_LABELS = {
    Kind.BUDGET: _l("Budget line"),
    Kind.TARGET: _l("Coverage target"),
    Kind.ACTION: _l("Action"),
}
METRIC_LABELS = {
    Metric.PARTICIPANTS: _l("Participants"),
    Metric.COVERAGE_PCT: _l("Coverage of the working population (%)"),
    Metric.BPU_PARTICIPANTS: _l("Informal (BPU) participants"),
    Metric.NON_ASN_COVERED: _l("Non-ASN workers covered"),
    Metric.VULNERABLE_COVERED: _l("Vulnerable workers covered"),
    Metric.VILLAGES_JOINED: _l("Villages joined"),
}
FIGURE_STATUS_LABELS = {
    FigureStatus.SUBMITTED: _l("Submitted"),
    FigureStatus.ACCEPTED: _l("Accepted"),
    FigureStatus.REJECTED: _l("Rejected"),
}
BASIS_LABELS = {
    Basis.PERCENT: _l("Percent of reported income"),
    Basis.FLAT: _l("Flat rupiah per worker per month"),
}
# Dates a dossier's period may take: no arithmetic overflows at the ends of the calendar.
MIN_YEAR, MAX_YEAR = 1900, 9000


class CommitmentForm(Form):
    # Offered from the agreement; the service refuses, with its reason, what it did not offer.
    partner_id = SelectField(
        _l("Owed by"), coerce=optional_id, validators=[DataRequired()], validate_choice=False
    )
    article = SelectField(
        _l("Article it comes from"),
        coerce=optional_id,
        validators=[DataRequired()],
        validate_choice=False,
    )
    title = StringField(_l("Title"), validators=[DataRequired(), single_line, Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    save = SubmitField(_l("Save"))


class BudgetForm(CommitmentForm):
    fiscal_year = IntegerField(_l("Fiscal year"), validators=[InputRequired()])
    funding = SelectField(_l("Source of funding"), choices=list(FUNDING_LABELS.items()))
    account_code = StringField(
        _l("Budget account code"), validators=[Optional(), single_line, Length(max=60)]
    )
    programs = MultiCheckboxField(_l("Programs"), choices=[(p, p) for p in PROGRAMS])
    workers = IntegerField(_l("Workers covered"), validators=[InputRequired()])
    months = IntegerField(_l("Months"), validators=[InputRequired()])
    income = IntegerField(
        _l("Reported monthly income per worker (Rp)"),
        validators=[Optional()],
        description=_l("For the calculator only; empty: the minimum contribution."),
    )
    amount = IntegerField(_l("Amount (Rp)"), validators=[Optional()])
    calculate = SubmitField(_l("Calculate"))


class TargetForm(CommitmentForm):
    metric = SelectField(_l("What is counted"), choices=list(METRIC_LABELS.items()))
    baseline_value = DecimalField(_l("Baseline value"), validators=[InputRequired()])
    baseline_on = DateField(_l("Baseline date"), validators=[InputRequired()])
    target_value = DecimalField(_l("Target value"), validators=[InputRequired()])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    region_code = StringField(
        _l("Region (code)"),
        validators=[Optional(), region_code_format],
        description=_l("Where it is counted; empty: the partner's own region."),
    )


class ActionForm(CommitmentForm):
    due_on = DateField(_l("Due date"), validators=[InputRequired()])


FORMS = {Kind.BUDGET: BudgetForm, Kind.TARGET: TargetForm, Kind.ACTION: ActionForm}


class ChangeFields:
    """What an edit adds: which agreement sets the new terms, and why."""

    set_by = SelectField(
        _l("Set by"), coerce=optional_id, validators=[DataRequired()], validate_choice=False
    )
    change_note = StringField(
        _l("What changed and why"), validators=[Optional(), single_line, Length(max=500)]
    )


EDIT_FORMS = {
    kind: type(f"Edit{form.__name__}", (form, ChangeFields), {}) for kind, form in FORMS.items()
}


class FigureForm(Form):
    period_end = DateField(_l("Period ending on"), validators=[InputRequired()])
    period_label = StringField(
        _l("Period"),
        validators=[Optional(), single_line, Length(max=40)],
        description=_l("E.g. Juni 2024 or Triwulan II 2024; empty: the month it ends in."),
    )
    value = DecimalField(_l("Value reached"), validators=[InputRequired()])
    workers = IntegerField(_l("Workers enrolled"), validators=[Optional()])
    source = StringField(_l("Source"), validators=[DataRequired(), single_line, Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])
    evidence = FileField(_l("Evidence (PDF, JPEG or PNG, optional)"))
    add = SubmitField(_l("Add figure"))


class SubmitFigureForm(FigureForm):
    """A partner's figure: the same fields, sent to the office for a decision."""

    add = SubmitField(_l("Submit figure"))


class DecisionForm(Form):
    reason = StringField(
        _l("Reason for rejecting"),
        validators=[Optional(), single_line, Length(max=500)],
        description=_l("Required to reject; the partner reads it."),
    )
    accept = SubmitField(_l("Accept"))
    reject = SubmitField(_l("Reject"))


class CommentForm(Form):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])
    post = SubmitField(_l("Send"))


class DoneForm(Form):
    done_on = DateField(_l("Done on"), validators=[InputRequired()])
    done_note = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=1000)])
    evidence = FileField(_l("Evidence (PDF, JPEG or PNG, optional)"))
    mark = SubmitField(_l("Mark as done"))


class RateForm(Form):
    program = SelectField(_l("Program"), choices=[(p, p) for p in PROGRAMS])
    basis = SelectField(_l("Basis"), choices=list(BASIS_LABELS.items()))
    value = DecimalField(
        _l("Rate"),
        validators=[InputRequired()],
        description=_l("Percent of the income, or rupiah when flat."),
    )
    minimum = IntegerField(_l("Minimum per worker per month (Rp)"), validators=[Optional()])
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_to = DateField(_l("Valid until"), validators=[Optional()])
    note = StringField(_l("Regulation"), validators=[Optional(), single_line, Length(max=300)])


class ImportForm(Form):
    file = FileField(_l("File (CSV or XLSX)"), validators=[FileRequired()])
    check = SubmitField(_l("Check the file"))


class DossierForm(Form):
    """The period of a partner's dossier: both days included."""

    since = DateField(_l("From"), validators=[InputRequired()])
    until = DateField(_l("Until"), validators=[InputRequired()])

    def validate_until(self, field) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period comes before its start."))
        if field.data and field.data.year > MAX_YEAR:
            raise ValidationError(_l("Choose a date before the year %(year)s.", year=MAX_YEAR))

    def validate_since(self, field) -> None:
        if field.data and field.data.year < MIN_YEAR:
            raise ValidationError(_l("Choose a date after the year %(year)s.", year=MIN_YEAR))
