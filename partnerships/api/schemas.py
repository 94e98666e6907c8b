"""What the API sends and takes, as marshmallow schemas: flask-smorest validates requests with
them and writes the OpenAPI description from them."""

from marshmallow import Schema, fields, validate

from partnerships.core.safety import MAX_ID

LIMIT_MAX = 100


class DecimalString(fields.Decimal):
    """An exact figure, sent as a string ("1234.50"): a JSON number would round it. Described
    as a string of format "decimal" (api.register)."""

    def __init__(self, **kwargs):
        metadata = {"pattern": r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$", "example": "1234.50"}
        super().__init__(as_string=True, metadata=metadata, **kwargs)


class PageQuery(Schema):
    after = fields.String(
        load_default=None,
        metadata={"description": "The `next` cursor of the previous page; omit for the first."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, LIMIT_MAX))


class AgreementQuery(PageQuery):
    status = fields.String(
        load_default=None, validate=validate.Length(max=40), metadata={"example": "active"}
    )


class CommitmentQuery(PageQuery):
    agreement_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))


class Party(Schema):
    position = fields.Integer()
    name = fields.String()
    number = fields.String(allow_none=True)


class Agreement(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    subject = fields.String()
    status = fields.String()
    office_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    effective_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    programs = fields.List(fields.String())
    parties = fields.List(fields.Nested(Party))


class Commitment(Schema):
    id = fields.Integer()
    agreement_id = fields.Integer()
    partner_id = fields.Integer()
    article = fields.Integer()
    kind = fields.String()
    title = fields.String()
    status = fields.String()
    status_on = fields.Date(allow_none=True)
    fiscal_year = fields.Integer(allow_none=True)
    amount = fields.Integer(allow_none=True)
    metric = fields.String(allow_none=True)
    baseline_value = DecimalString(allow_none=True)
    target_value = DecimalString(allow_none=True)
    due_on = fields.Date(allow_none=True)


class Realisation(Schema):
    id = fields.Integer()
    commitment_id = fields.Integer()
    period_end = fields.Date()
    period_label = fields.String()
    value = DecimalString()
    workers = fields.Integer(allow_none=True)
    source = fields.String()
    note = fields.String()
    status = fields.String(metadata={"description": "submitted, accepted or rejected"})


class NewRealisation(Schema):
    period_end = fields.Date(required=True, metadata={"description": "The period's last day."})
    value = DecimalString(required=True)
    workers = fields.Integer(load_default=None, validate=validate.Range(0, 10**8))
    source = fields.String(required=True, validate=validate.Length(1, 200))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    period_label = fields.String(load_default="", validate=validate.Length(max=40))


class Event(Schema):
    id = fields.Integer()
    office_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    status = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    timezone = fields.String()
    all_day = fields.Boolean()
    venue = fields.String()
    region_code = fields.String(allow_none=True)
    planned_attendance = fields.Integer(allow_none=True)
    actual_attendance = fields.Integer(allow_none=True)
    new_registrations = fields.Integer(allow_none=True)


class Document(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    number = fields.String(allow_none=True)
    issued_on = fields.Date()
    office_id = fields.Integer()
    subject_type = fields.String()
    subject_id = fields.Integer()
    version = fields.Integer()
    sealed = fields.Boolean()
    is_draft = fields.Boolean()
    sha256 = fields.String()
    filename = fields.String()


def page_of(item: type[Schema]) -> type[Schema]:
    """A page of `item`s with the cursor of the next page (null on the last)."""
    return type(
        f"{item.__name__}Page",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item)),
            "next": fields.String(allow_none=True),
        },
    )
