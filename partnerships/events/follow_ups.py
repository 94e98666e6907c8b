"""Follow-ups: the actions agreed at an event or owed under an agreement, who does each (one
of the office's users, or the partner's side), by when, and how it was done. Every rule a
change must pass is here, for the pages and the CLI alike. Services flush; the request
commits. A refusal is a FollowUpError naming the form field at fault, raised before anything
is written that the rollback would not undo. The audit trail takes every change in the flush
(FollowUp and FollowUpEvidence carry `__audit__`)."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from partnerships.agreements.models import Agreement, AgreementParty
from partnerships.auth.models import User
from partnerships.core import images, uploads
from partnerships.core.errors import DomainError
from partnerships.core.models import utcnow
from partnerships.core.roles import Role
from partnerships.events.models import Event, FollowUp, FollowUpEvidence, FollowUpStatus
from partnerships.extensions import db
from partnerships.organisations.models import Partner

DESCRIPTION_MAX, NOTE_MAX = 5000, 1000
FIRST_YEAR, LAST_YEAR = 2000, 2100
ASSIGNEES = (Role.STAFF, Role.MANAGER)  # the office's users who take a follow-up on


class FollowUpError(DomainError):
    """A refused change to a follow-up; `field` names the form input at fault."""


@dataclass(frozen=True)
class Subject:
    """What a follow-up comes from: an event or an agreement, with the office that keeps it
    and the partners whose side may be given it."""

    office_id: int
    event: Event | None = None
    agreement: Agreement | None = None

    @classmethod
    def of(cls, follow_up: FollowUp) -> "Subject":
        return cls(follow_up.office_id, follow_up.event, follow_up.agreement)

    def partners(self) -> list[Partner]:
        """The partners linked to the event, or the agreement's government parties."""
        if self.event is not None:
            return [p for p in self.event.partners if not p.is_deleted]
        stmt = (
            select(Partner)
            .join(AgreementParty, AgreementParty.partner_id == Partner.id)
            .where(AgreementParty.agreement_id == self.agreement.id, ~Partner.is_deleted)
            .order_by(Partner.name)
        )
        return list(db.session.scalars(stmt))


# ---- who may take it on -----------------------------------------------------------------


def office_users(office_id: int) -> list[User]:
    """The office's active staff and managers: the users a follow-up may be given to."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.office_id == office_id, User.role.in_(ASSIGNEES), User.active)
            .order_by(User.name, User.id)
        )
    )


def assignee_value(follow_up: FollowUp) -> str:
    """The form's value for a follow-up's assignee: 'user-7' or 'partner-3'."""
    if follow_up.partner_id is not None:
        return f"partner-{follow_up.partner_id}"
    return f"user-{follow_up.assignee_user_id}" if follow_up.assignee_user_id else ""


def assignee_choices(subject: Subject) -> list[tuple[str, list[tuple[str, str]]]]:
    """The assignee select's groups: the office's users, then the partners' sides."""
    users = [(f"user-{u.id}", u.name) for u in office_users(subject.office_id)]
    partners = [
        (f"partner-{p.id}", _("%(partner)s (the partner's side)", partner=p.name))
        for p in subject.partners()
    ]
    return [(_("The office's users"), users), (_("The partner's side"), partners)]


def check_assignee(subject: Subject, value: str | None) -> tuple[int | None, int | None]:
    """(user id, partner id) for the form's value: a user of the office, or a partner linked
    to the event or party to the agreement; anything else is refused on the field."""
    kind, _sep, raw = (value or "").partition("-")
    if not raw.isdigit():
        raise FollowUpError(_("Choose who is to do it."), "assignee")
    found = int(raw)
    if kind == "user":
        if found in {u.id for u in office_users(subject.office_id)}:
            return found, None
        raise FollowUpError(
            _("The assignee must be an active staff member or manager of this office."),
            "assignee",
        )
    if kind == "partner":
        if found in {p.id for p in subject.partners()}:
            return None, found
        what = (
            _("The partner must be linked to this event.")
            if subject.event is not None
            else _("The partner must be a party to this agreement.")
        )
        raise FollowUpError(what, "assignee")
    raise FollowUpError(_("Choose who is to do it."), "assignee")


# ---- what was typed ---------------------------------------------------------------------


def _text(data: dict, key: str, limit: int, missing: str) -> str:
    value = (data.get(key) or "").strip()
    if not value:
        raise FollowUpError(missing, key)
    if len(value) > limit:
        raise FollowUpError(_("At most %(n)d characters.", n=limit), key)
    return value


def _due_on(data: dict) -> date:
    value = data.get("due_on")
    if not isinstance(value, date):
        raise FollowUpError(_("Enter the due date."), "due_on")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        message = _(
            "The due date must fall between %(first)d and %(last)d.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
        raise FollowUpError(message, "due_on")
    return value


def _values(subject: Subject, data: dict) -> dict:
    user_id, partner_id = check_assignee(subject, data.get("assignee"))
    return {
        "description": _text(
            data, "description", DESCRIPTION_MAX, _("Describe what is to be done.")
        ),
        "due_on": _due_on(data),
        "assignee_user_id": user_id,
        "partner_id": partner_id,
    }


# ---- changes ----------------------------------------------------------------------------


def create(subject: Subject, data: dict, actor) -> FollowUp:
    """A new open follow-up of an event or an agreement, kept under its office."""
    follow_up = FollowUp(
        office_id=subject.office_id,
        event=subject.event,
        agreement=subject.agreement,
        status=FollowUpStatus.OPEN,
        created_by_id=getattr(actor, "id", None),
        **_values(subject, data),
    )
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


def update(follow_up: FollowUp, data: dict) -> None:
    """Change what is to be done, by whom and by when; only while it is open."""
    if follow_up.status != FollowUpStatus.OPEN:
        raise FollowUpError(_("A follow-up that is done is reopened before it is changed."))
    for key, value in _values(Subject.of(follow_up), data).items():
        setattr(follow_up, key, value)
    db.session.flush()


def _evidence(follow_up: FollowUp, upload, actor) -> FollowUpEvidence | None:
    """Check and store an optional evidence file; its row joins the caller's flush."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        checked = uploads.check(upload.stream, upload.filename, "evidence")
        if checked.content_type in uploads.IMAGES:  # a picture by its pixels, not its first bytes
            images.inspect(checked.data, "evidence")
    except (uploads.UploadError, images.ImageError) as error:
        raise FollowUpError(str(error), error.field) from error
    stored_name = uploads.write(checked)
    evidence = FollowUpEvidence(
        office_id=follow_up.office_id,
        **checked.columns(stored_name),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(evidence)
    return evidence


def mark_done(follow_up: FollowUp, data: dict, upload, actor) -> FollowUpEvidence | None:
    """Done, with a note saying how (required) and an optional evidence file; returns the
    evidence stored, whose file the caller removes again if the commit fails."""
    if follow_up.status != FollowUpStatus.OPEN:
        raise FollowUpError(_("This follow-up is already done."))
    note = _text(data, "done_note", NOTE_MAX, _("Write what was done."))
    evidence = _evidence(follow_up, upload, actor)
    follow_up.status = FollowUpStatus.DONE
    follow_up.done_at = utcnow()
    follow_up.done_by_id = getattr(actor, "id", None)
    follow_up.done_note = note
    follow_up.evidence = evidence
    try:
        db.session.flush()
    except BaseException:
        if evidence is not None:
            uploads.discard(evidence.stored_name)
        raise
    return evidence


def reopen(follow_up: FollowUp) -> None:
    """Open again (the work was not enough): the note and the evidence leave the follow-up;
    the audit trail keeps them, and the evidence row stays, marked deleted."""
    if follow_up.status != FollowUpStatus.DONE:
        raise FollowUpError(_("This follow-up is still open."))
    if follow_up.evidence is not None:
        follow_up.evidence.is_deleted = True
    follow_up.status = FollowUpStatus.OPEN
    follow_up.done_at = None
    follow_up.done_by_id = None
    follow_up.done_note = None
    follow_up.evidence = None
    db.session.flush()


def is_overdue(follow_up: FollowUp, today: date) -> bool:
    """Open and due before the office's today."""
    return follow_up.status == FollowUpStatus.OPEN and follow_up.due_on < today
