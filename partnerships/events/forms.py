"""The event forms, and the words for the events' kinds, statuses and audiences."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from partnerships.agreements.forms import MultiCheckboxField
from partnerships.core.forms import Form, optional_id, single_line
from partnerships.events.models import AttachmentKind, Audience, FollowUpStatus, Kind, Status
from partnerships.organisations.forms import region_code_format

KIND_LABELS = {
    Kind.SOCIALISATION: _l("Socialisation"),
    Kind.FGD: _l("Focus group discussion"),
    Kind.COORDINATION: _l("Coordination meeting"),
    Kind.BOOTH: _l("Booth/exhibition"),
    Kind.SIGNING: _l("Signing ceremony"),
    Kind.MONITORING: _l("Monitoring and evaluation"),
}
STATUS_LABELS = {
    Status.PLANNED: _l("Planned"),
    Status.HELD: _l("Held"),
    Status.CANCELLED: _l("Cancelled"),
    Status.POSTPONED: _l("Postponed"),
}
AUDIENCE_LABELS = {
    Audience.DPRD: _l("DPRD members"),
    Audience.VILLAGE_OFFICIALS: _l("Village officials"),
    Audience.COOPERATIVE_BOARDS: _l("Cooperative boards"),
    Audience.INFORMAL_WORKERS: _l("Informal workers"),
    Audience.NON_ASN: _l("Non-ASN staff"),
    Audience.AGENCY_HEADS: _l("Agency heads"),
    Audience.PUBLIC: _l("General public"),
    Audience.OTHER: _l("Other"),
}
ATTACHMENT_KIND_LABELS = {
    AttachmentKind.ATTENDANCE_LIST: _l("Attendance list"),
    AttachmentKind.PHOTO: _l("Photo"),
    AttachmentKind.OTHER: _l("Other"),
}
FOLLOW_UP_STATUS_LABELS = {
    FollowUpStatus.OPEN: _l("Open"),
    FollowUpStatus.DONE: _l("Done"),
}


def audience_summary(codes) -> str:
    """An event's audience in words: 'DPRD members, Agency heads'."""
    return ", ".join(str(AUDIENCE_LABELS.get(code, code)) for code in codes or [])


TIMEZONE_LABELS = {
    "Asia/Jakarta": _l("WIB (Asia/Jakarta)"),
    "Asia/Makassar": _l("WITA (Asia/Makassar)"),
    "Asia/Jayapura": _l("WIT (Asia/Jayapura)"),
}


class EventForm(Form):
    """The plan of an event; its outcome fields are shown once it was held."""

    office_id = SelectField(_l("Organising office"), coerce=optional_id, validate_choice=False)
    kind = SelectField(_l("Type"), choices=list(KIND_LABELS.items()), validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), single_line, Length(max=300)])
    starts_on = DateField(_l("Start date"), validators=[InputRequired()])
    starts_time = TimeField(_l("Start time"), validators=[Optional()])
    ends_on = DateField(
        _l("End date"),
        validators=[Optional()],
        description=_l("Empty: the same day. A booth may run several days."),
    )
    ends_time = TimeField(_l("End time"), validators=[Optional()])
    all_day = BooleanField(_l("All day"))
    timezone = SelectField(
        _l("Time zone"), choices=list(TIMEZONE_LABELS.items()), validate_choice=False
    )
    venue = StringField(_l("Venue"), validators=[Optional(), single_line, Length(max=300)])
    region_code = StringField(
        _l("Region code"),
        validators=[Optional(), region_code_format],
        description=_l("Where it takes place, e.g. 51.71.01.1003 for Sesetan."),
    )
    audience = MultiCheckboxField(
        _l("Audience"), choices=list(AUDIENCE_LABELS.items()), validate_choice=False
    )
    planned_attendance = IntegerField(_l("Planned attendance"), validators=[Optional()])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=50_000)])
    # the outcome, on a held event
    actual_attendance = IntegerField(_l("Actual attendance"), validators=[Optional()])
    new_registrations = IntegerField(_l("New registrations"), validators=[Optional()])
    registrations_note = TextAreaField(
        _l("Note on the registrations"), validators=[Optional(), Length(max=1000)]
    )
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=50_000)])
    save = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        """Both times missing are named at once, so a person fixes them in one go."""
        valid = super().validate(extra_validators)
        if not self.all_day.data:
            for field, message in (
                (self.starts_time, _l("Enter the start time, or tick All day.")),
                (self.ends_time, _l("Enter the end time, or tick All day.")),
            ):
                if field.data is None and not field.errors:
                    field.errors = [*field.errors, message]
                    valid = False
        return valid


class LinksForm(Form):
    partner_ids = MultiCheckboxField(_l("Partners"), coerce=int, validate_choice=False)
    agreement_ids = MultiCheckboxField(_l("Agreements"), coerce=int, validate_choice=False)
    commitment_ids = MultiCheckboxField(_l("Commitments"), coerce=int, validate_choice=False)
    save = SubmitField(_l("Save links"))


class HeldForm(Form):
    actual_attendance = IntegerField(_l("Actual attendance"), validators=[InputRequired()])
    new_registrations = IntegerField(
        _l("New registrations"),
        validators=[Optional()],
        description=_l("Participants registered on the spot."),
    )
    registrations_note = TextAreaField(
        _l("Note on the registrations"), validators=[Optional(), Length(max=1000)]
    )
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=50_000)])
    save = SubmitField(_l("Record as held"))


class PostponeForm(Form):
    starts_on = DateField(_l("New start date"), validators=[InputRequired()])
    starts_time = TimeField(_l("Start time"), validators=[Optional()])
    ends_on = DateField(
        _l("New end date"), validators=[Optional()], description=_l("Empty: the same day.")
    )
    ends_time = TimeField(_l("End time"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), single_line, Length(max=500)])
    save = SubmitField(_l("Postpone"))


class CancelForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), single_line, Length(max=500)])
    save = SubmitField(_l("Cancel the event"))
