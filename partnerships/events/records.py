"""What an event left behind, on its page and behind its buttons: its files (attendance list,
photos with thumbnails, others), the registrations it counts towards its commitments, and its
minutes as a sealed PDF; and on a commitment's page, the events its progress came from.

The routes register on the events blueprint; the event page and the commitment page show
these parts through core.sections (slots "event" and "commitment"), so neither page's view
needs to know them. Views load, authorize, validate, call a service, commit once, respond."""

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from partnerships.commitments.models import Commitment
from partnerships.commitments.permissions import can_edit as can_edit_commitment
from partnerships.commitments.permissions import visible_commitments
from partnerships.core import sections
from partnerships.core.errors import DomainError
from partnerships.core.formatting import office_today
from partnerships.core.forms import ConfirmForm, refuse
from partnerships.core.policy import can
from partnerships.documents import services as documents
from partnerships.documents.models import DocKind, Document
from partnerships.documents.rendering import RenderRefused
from partnerships.events import attachments, bp, outcomes, partner_view, printing, timing
from partnerships.events.errors import EventError
from partnerships.events.forms import ATTACHMENT_KIND_LABELS, KIND_LABELS
from partnerships.events.models import Event, EventAttachment, EventContribution
from partnerships.events.permissions import can_edit, visible_events
from partnerships.events.record_forms import AttachmentForm, ContributionForm, MinutesForm
from partnerships.extensions import db


def _event(event_id: int, *, for_edit: bool = False) -> Event:
    """The event if the user may see it (else 404) and, for changes, edit it (else 403)."""
    event = db.first_or_404(visible_events(current_user).where(Event.id == event_id))
    if for_edit and not can_edit(current_user, event):
        abort(403)
    return event


def _back(event: Event, anchor: str) -> str:
    return url_for("events.show", event_id=event.id) + f"#{anchor}"


# ---- files ------------------------------------------------------------------------------


def _attachment(event: Event, attachment_id: int) -> EventAttachment:
    found = db.first_or_404(
        select(EventAttachment).where(
            EventAttachment.id == attachment_id,
            EventAttachment.event_id == event.id,
            EventAttachment.is_deleted.is_(False),
        )
    )
    if not partner_view.sees_attachment(current_user, found):
        abort(404)
    return found


@bp.route("/events/<int:event_id>/attachments", methods=["GET", "POST"])
def attachments_page(event_id: int):
    """The upload form (also on the event's page), and the page again when it was refused."""
    event = _event(event_id, for_edit=True)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            added = attachments.store(
                event, upload.stream, upload.filename, form.kind.data, form.caption.data,
                current_user,
            )  # fmt: skip
        except EventError as error:
            refuse(form, error)
        else:
            names = attachments.stored_names(added)
            try:
                db.session.commit()
            except Exception:
                attachments.discard(names)  # no row, so no file either
                raise
            flash(_("%(name)s attached.", name=added.original_name), "success")
            return redirect(_back(event, "attachments"))
    return render_template("events/attachment_form.html", event=event, form=form, kinds=KIND_LABELS)


@bp.get("/events/<int:event_id>/attachments/<int:attachment_id>")
def attachment(event_id: int, attachment_id: int):
    found = _attachment(_event(event_id), attachment_id)
    path = attachments.path_of(found)
    if not path.is_file():
        abort(404)
    return send_file(
        path, mimetype=found.content_type, as_attachment=True, download_name=found.original_name
    )


@bp.get("/events/<int:event_id>/attachments/<int:attachment_id>/thumbnail")
def attachment_thumbnail(event_id: int, attachment_id: int):
    found = _attachment(_event(event_id), attachment_id)
    path = attachments.thumbnail_path(found)
    if path is None or not path.is_file():
        abort(404)
    # an attachment like every download: an <img> still shows it, a navigation saves it
    return send_file(
        path, mimetype="image/jpeg", as_attachment=True, download_name=f"thumbnail-{found.id}.jpg"
    )


@bp.post("/events/<int:event_id>/attachments/<int:attachment_id>/delete")
def attachment_delete(event_id: int, attachment_id: int):
    event = _event(event_id, for_edit=True)
    found = _attachment(event, attachment_id)
    if ConfirmForm().validate_on_submit():
        try:
            attachments.delete(found)
        except EventError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("%(name)s removed.", name=found.original_name), "success")
    return redirect(_back(event, "attachments"))


# ---- registrations counted towards commitments -------------------------------------------


def _commitment_choices(event: Event) -> list[tuple[int, str]]:
    return [
        (c.id, f"{c.title} ({c.partner.name})")
        for c in outcomes.countable_commitments(event)
        if can_edit_commitment(current_user, c)
    ]


@bp.route("/events/<int:event_id>/contributions", methods=["GET", "POST"])
def contributions(event_id: int):
    """The form that counts registrations towards a commitment (also on the event's page),
    and the page again when it was refused."""
    event = _event(event_id, for_edit=True)
    form = ContributionForm()
    form.commitment_id.choices = [(None, "—"), *_commitment_choices(event)]
    if form.validate_on_submit():
        chosen = form.commitment_id.data
        try:
            if chosen is not None and chosen not in dict(form.commitment_id.choices):
                raise EventError(
                    _("Choose one of the commitments the event is linked to."), "commitment_id"
                )
            added = outcomes.contribute(event, chosen, form.registrations.data, current_user)
        except EventError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(n)s registrations now count towards %(commitment)s.",
                    n=added.registrations,
                    commitment=added.commitment.title,
                ),
                "success",
            )
            return redirect(_back(event, "outcomes"))
    return render_template(
        "events/contribution_form.html",
        event=event,
        form=form,
        remaining=outcomes.remaining(event),
        not_countable=outcomes.not_countable(event),
        kinds=KIND_LABELS,
    )


@bp.post("/events/<int:event_id>/contributions/<int:contribution_id>/withdraw")
def contribution_withdraw(event_id: int, contribution_id: int):
    event = _event(event_id, for_edit=True)
    found = db.first_or_404(
        select(EventContribution).where(
            EventContribution.id == contribution_id,
            EventContribution.event_id == event.id,
            EventContribution.is_deleted.is_(False),
        )
    )
    if not can_edit_commitment(current_user, found.commitment):
        abort(403)
    if ConfirmForm().validate_on_submit():
        try:
            outcomes.withdraw(found)
        except EventError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("The registrations no longer count towards the commitment."), "success")
    return redirect(_back(event, "outcomes"))


# ---- minutes ----------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/minutes")
def minutes_issue(event_id: int):
    """Write, seal and register the minutes as the event stands now: a new version."""
    event = _event(event_id, for_edit=True)
    if not MinutesForm().validate_on_submit():
        flash(_("The form has expired; please try again."), "danger")
        return redirect(_back(event, "minutes"))
    try:
        document = printing.issue(event, office_today(), current_user)
    except (DomainError, RenderRefused) as error:
        # not held, nobody to sign, no sealing certificate, or the render stopped
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(_back(event, "minutes"))
    db.session.commit()
    flash(
        _(
            "Minutes printed (version %(version)s): %(name)s.",
            version=document.version,
            name=document.filename,
        ),
        "success",
    )
    return redirect(_back(event, "minutes"))


@bp.get("/events/<int:event_id>/minutes/<int:document_id>")
def minutes(event_id: int, document_id: int):
    event = _event(event_id)
    document = db.first_or_404(
        select(Document).where(
            Document.id == document_id,
            Document.subject_type == printing.SUBJECT,
            Document.subject_id == event.id,
            Document.kind == DocKind.EVENT_MINUTES,
        )
    )
    return send_file(
        io.BytesIO(documents.content(document)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=document.filename,
    )


# ---- the parts of other pages -----------------------------------------------------------


def for_event(event: Event, **_context) -> str:
    """On the event page: its files, what its registrations count towards, its minutes."""
    if not can("events.show"):
        return ""
    editable = can_edit(current_user, event) and can("events.attachments_page")
    files = [
        f for f in attachments.of_event(event.id) if partner_view.sees_attachment(current_user, f)
    ]
    counted = outcomes.of_event(event.id)
    if counted:  # a partner's user reads only what its own partner owes
        readable = set(
            db.session.scalars(
                visible_commitments(current_user)
                .with_only_columns(Commitment.id)
                .where(Commitment.id.in_([c.commitment_id for c in counted]))
            )
        )
        counted = [c for c in counted if c.commitment_id in readable]
    return render_template(
        "events/_records.html",
        event=event,
        photos=[f for f in files if f.kind == "photo"],
        files=[f for f in files if f.kind != "photo"],
        attachment_kinds=ATTACHMENT_KIND_LABELS,
        attachment_form=AttachmentForm() if editable else None,
        contributions=counted,
        # how many are left to count is the office's bookkeeping, not a partner's
        may_count=outcomes.may_count(event) and partner_view.sees_internal(current_user),
        registrations_left=outcomes.remaining(event),
        contribution_form=_contribution_form(event) if editable else None,
        not_countable=outcomes.not_countable(event) if editable else [],
        may_withdraw=editable,
        documents=printing.issued(event.id),
        minutes_form=MinutesForm() if editable and printing.may_issue(event) else None,
        confirm=ConfirmForm(),
        editable=editable,
    )


def _contribution_form(event: Event) -> ContributionForm | None:
    if not outcomes.may_count(event) or outcomes.remaining(event) <= 0:
        return None
    choices = _commitment_choices(event)
    if not choices:
        return None
    form = ContributionForm(formdata=None)
    form.commitment_id.choices = [(None, "—"), *choices]
    return form


def for_commitment(commitment, **_context) -> str:
    """On a commitment's page: the held events whose registrations count towards it."""
    if not can("events.show"):
        return ""
    rows = outcomes.for_commitment(commitment.id, visible_events(current_user))
    if not rows:
        return ""
    return render_template(
        "events/_commitment_events.html",
        rows=rows,
        last_day=timing.last_day,
        kinds=KIND_LABELS,
    )


sections.register("event", "records", for_event)
sections.register("commitment", "events", for_commitment)
