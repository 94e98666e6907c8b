import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from partnerships.core.forms import Form, optional_id, single_line
from partnerships.organisations.models import OFFICE_CODE, IdentifierKind, OfficeKind, PartnerKind

OFFICE_KIND_LABELS = {
    OfficeKind.HEAD: _l("Head office"),
    OfficeKind.REGIONAL: _l("Regional office (Kanwil)"),
    OfficeKind.BRANCH: _l("Branch office"),
}
PARTNER_KIND_LABELS = {
    PartnerKind.PROVINCE_GOV: _l("Provincial government"),
    PartnerKind.REGENCY_GOV: _l("Regency government"),
    PartnerKind.CITY_GOV: _l("City government"),
    PartnerKind.VILLAGE_GOV: _l("Village or ward government (desa/kelurahan)"),
    PartnerKind.DPRD: _l("Regional parliament (DPRD)"),
    PartnerKind.AGENCY: _l("Agency (OPD/Dinas)"),
    PartnerKind.PROSECUTOR: _l("Prosecutor's office"),
    PartnerKind.BUMDES: _l("Village-owned enterprise (BUMDes)"),
    PartnerKind.COOPERATIVE: _l("Cooperative"),
    PartnerKind.OTHER_PUBLIC: _l("Other public body"),
}
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


def region_code_format(_form, field):
    if field.data and not REGION_CODE.match(field.data.strip()):
        raise ValidationError(_l("Use a Kemendagri code such as 51.71 or 51.71.01.1003."))


def office_code_format(_form, field):
    """Checked as it will be stored (capitals), while the field keeps what was typed."""
    if field.data and not OFFICE_CODE.match(field.data.strip().upper()):
        raise ValidationError(
            _l("Use 2 to 12 capital letters or digits (a hyphen may join them), e.g. DPS.")
        )


SERVED_MAX = 20_000  # characters: some 2,000 region codes, more than any office serves


class OfficeForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), single_line, Length(max=200)])
    code = StringField(
        _l("Office code"),
        validators=[DataRequired(), office_code_format],
        description=_l("Short code in every number the office issues, e.g. DPS."),
    )
    kind = SelectField(_l("Kind"), choices=list(OFFICE_KIND_LABELS.items()))
    parent_id = SelectField(_l("Parent office"), coerce=optional_id)
    region_code = StringField(
        _l("Seat (region code)"), validators=[DataRequired(), region_code_format]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    served_codes = TextAreaField(
        _l("Regions served"),
        validators=[Length(max=SERVED_MAX)],
        description=_l("Region codes, one per line or separated by commas."),
    )

    def served_list(self) -> list[str]:
        return [c for c in re.split(r"[\s,;]+", self.served_codes.data or "") if c]

    def validate_served_codes(self, field):
        bad = [c for c in self.served_list() if not REGION_CODE.match(c)]
        if bad:
            # gettext, not lazy_gettext: a lazy string is marked safe for templates (it has
            # __html__), so the codes typed would be shown as markup, not as text.
            raise ValidationError(_("Not a region code: %(codes)s", codes=", ".join(bad[:5])))


class PartnerForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), single_line, Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(PARTNER_KIND_LABELS.items()))
    region_code = StringField(_l("Region code"), validators=[DataRequired(), region_code_format])
    office_id = SelectField(_l("Managing office"), coerce=optional_id)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])


class OfficialForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), single_line, Length(max=200)])
    title = StringField(
        _l("Position (jabatan)"), validators=[DataRequired(), single_line, Length(max=200)]
    )
    identifier_kind = SelectField(
        _l("Identifier"), choices=[("", "—")] + [(k.value, k.value) for k in IdentifierKind]
    )
    identifier = StringField(_l("NIP / NPK"), validators=[Optional(), Length(max=30)])
    tenure_start = DateField(_l("In office from"), validators=[DataRequired()])
    tenure_end = DateField(_l("In office until"), validators=[Optional()])


class NewOfficialForm(OfficialForm):
    """Opened from the officials list, where no partner or office is named yet."""

    owner = SelectField(_l("Serves"), validators=[DataRequired()])


# Office lines and mobiles as people write them: +62 361 223344, (0361) 223344, 0812-3456-7890.
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,40}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
phone_format = Regexp(PHONE, message=_l("Use digits, spaces and + ( ) - only, e.g. (0361) 223344."))
email_format = Regexp(EMAIL, message=_l("Enter an e-mail address such as nama@instansi.go.id."))


class ProfileForm(Form):
    """What a partner's own users keep current about it."""

    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40), phone_format])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200), email_format])
    save = SubmitField(_l("Save profile"))


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), single_line, Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), single_line, Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40), phone_format])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200), email_format])
    save = SubmitField(_l("Save contact person"))
