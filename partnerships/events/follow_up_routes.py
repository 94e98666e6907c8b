"""The follow-up pages: the list, one follow-up, adding one from an event or an agreement,
changing it, marking it done (the office, or the partner on its own side) and reopening it.
Views load, authorize, call a service, commit once and respond."""

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import can_edit as can_edit_agreement
from partnerships.agreements.permissions import visible_agreements
from partnerships.core import sections, uploads
from partnerships.core.formatting import office_today
from partnerships.core.forms import ConfirmForm, refuse
from partnerships.core.pagination import keyset_page
from partnerships.core.policy import can
from partnerships.core.roles import Role
from partnerships.events import bp
from partnerships.events import follow_up_queries as queries
from partnerships.events.follow_up_forms import DoneForm, FollowUpForm
from partnerships.events.follow_up_permissions import (
    can_edit,
    can_mark_done,
    visible_follow_ups,
)
from partnerships.events.follow_ups import (
    FollowUpError,
    Subject,
    assignee_choices,
    assignee_value,
    create,
    is_overdue,
    mark_done,
    reopen,
    update,
)
from partnerships.events.forms import FOLLOW_UP_STATUS_LABELS
from partnerships.events.models import Event, FollowUp, FollowUpEvidence, FollowUpStatus
from partnerships.events.permissions import can_edit as can_edit_event
from partnerships.events.permissions import visible_events
from partnerships.extensions import db


def get_follow_up(follow_up_id: int, *, for_edit: bool = False) -> FollowUp:
    """The follow-up if the user may see it (else 404) and, for changes, keep it (else 403)."""
    follow_up = db.first_or_404(visible_follow_ups(current_user).where(FollowUp.id == follow_up_id))
    if for_edit and not can_edit(current_user, follow_up):
        abort(403)
    return follow_up


def _event(event_id: int) -> Event:
    """The event if the user may see it (else 404) and keep its follow-ups, as its editor
    (else 403)."""
    event = db.first_or_404(visible_events(current_user).where(Event.id == event_id))
    if not can_edit_event(current_user, event):
        abort(403)
    return event


def _agreement(agreement_id: int) -> Agreement:
    agreement = db.first_or_404(
        visible_agreements(current_user).where(Agreement.id == agreement_id)
    )
    if not can_edit_agreement(current_user, agreement):
        abort(403)
    return agreement


def _context(**more) -> dict:
    return {
        "statuses": FOLLOW_UP_STATUS_LABELS,
        "today": office_today(),
        "is_overdue": is_overdue,
        **more,
    }


def _back(follow_up: FollowUp):
    return redirect(url_for("events.follow_up", follow_up_id=follow_up.id))


# ---- the list and one follow-up ---------------------------------------------------------


@bp.get("/follow-ups")
def follow_ups():
    today = office_today()
    stmt = queries.filtered(visible_follow_ups(current_user), request.args, current_user, today)
    page = keyset_page(stmt, queries.ORDER, request.args.get("after"))
    return render_template(
        "events/follow_ups.html",
        page=page,
        state=request.args.get("status") or "open",
        who=request.args.get("who") or "office",
        states=queries.STATES,
        whos=queries.WHOS,
        filters=queries.filter_args(request.args),
        **_context(today=today),
    )


@bp.get("/follow-ups/<int:follow_up_id>")
def follow_up(follow_up_id: int):
    found = get_follow_up(follow_up_id)
    return render_template(
        "events/follow_up.html",
        follow_up=found,
        can_edit=can_edit(current_user, found),
        can_mark_done=can_mark_done(current_user, found),
        confirm=ConfirmForm(),
        **_context(),
    )


@bp.get("/follow-ups/<int:follow_up_id>/evidence")
def follow_up_evidence(follow_up_id: int):
    found = get_follow_up(follow_up_id)
    evidence = db.first_or_404(
        select(FollowUpEvidence).where(
            FollowUpEvidence.id == found.evidence_id, ~FollowUpEvidence.is_deleted
        )
    )
    path = uploads.path_of(evidence.stored_name)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.original_name,
    )


# ---- adding and changing ----------------------------------------------------------------


def _form_page(form: FollowUpForm, subject: Subject, follow_up: FollowUp | None):
    form.assignee.choices = dict(assignee_choices(subject))  # optgroups
    return render_template(
        "events/follow_up_form.html",
        form=form,
        subject=subject,
        follow_up=follow_up,
        **_context(),
    )


def _new(subject: Subject):
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            found = create(subject, form.data, current_user)
        except FollowUpError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Follow-up recorded."), "success")
            return _back(found)
    return _form_page(form, subject, None)


@bp.route("/events/<int:event_id>/follow-ups/new", methods=["GET", "POST"])
def follow_up_new_for_event(event_id: int):
    event = _event(event_id)
    return _new(Subject(event.office_id, event=event))


@bp.route("/agreements/<int:agreement_id>/follow-ups/new", methods=["GET", "POST"])
def follow_up_new_for_agreement(agreement_id: int):
    agreement = _agreement(agreement_id)
    return _new(Subject(agreement.office_id, agreement=agreement))


@bp.route("/follow-ups/<int:follow_up_id>/edit", methods=["GET", "POST"])
def follow_up_edit(follow_up_id: int):
    found = get_follow_up(follow_up_id, for_edit=True)
    if found.status != FollowUpStatus.OPEN:
        flash(_("A follow-up that is done is reopened before it is changed."), "warning")
        return _back(found)
    form = FollowUpForm(obj=found)
    if request.method == "GET":
        form.assignee.data = assignee_value(found)
    elif form.validate_on_submit():
        try:
            update(found, form.data)
        except FollowUpError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Follow-up saved."), "success")
            return _back(found)
    return _form_page(form, Subject.of(found), found)


@bp.route("/follow-ups/<int:follow_up_id>/done", methods=["GET", "POST"])
def follow_up_done(follow_up_id: int):
    found = get_follow_up(follow_up_id)
    if not can_mark_done(current_user, found):
        if found.status != FollowUpStatus.OPEN:
            flash(_("This follow-up is already done."), "warning")
            return _back(found)
        abort(403)
    form = DoneForm()
    if form.validate_on_submit():
        try:
            evidence = mark_done(found, form.data, form.evidence.data, current_user)
        except FollowUpError as error:
            refuse(form, error)
        else:
            try:
                db.session.commit()
            except Exception:
                if evidence is not None:  # no row, no file
                    uploads.discard(evidence.stored_name)
                raise
            flash(_("Marked as done."), "success")
            return _back(found)
    return render_template("events/follow_up_done.html", form=form, follow_up=found, **_context())


@bp.post("/follow-ups/<int:follow_up_id>/reopen")
def follow_up_reopen(follow_up_id: int):
    found = get_follow_up(follow_up_id, for_edit=True)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        reopen(found)
    except FollowUpError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("The follow-up is open again."), "success")
    return _back(found)


# ---- on the event and agreement pages ---------------------------------------------------


@bp.app_template_global("event_follow_ups")
def event_follow_ups(event: Event) -> dict:
    """What the event page's follow-up section shows (templates/events/_follow_ups.html):
    the event's follow-ups within the viewer's scope, and whether the viewer may add one."""
    return {
        "rows": queries.of_event(visible_follow_ups(current_user), event.id),
        "may_add": can("events.follow_up_new_for_event") and can_edit_event(current_user, event),
        **_context(),
    }


def for_agreement(agreement, **_ctx) -> str:
    """The agreement page's follow-up section (core.sections; agreements never imports
    events)."""
    if not can("events.follow_ups"):
        return ""
    rows = queries.of_agreement(visible_follow_ups(current_user), agreement.id)
    may_add = can("events.follow_up_new_for_agreement") and can_edit_agreement(
        current_user, agreement
    )
    if not rows and not may_add and current_user.role == Role.PARTNER:
        return ""  # nothing of the partner's here: no empty section
    return render_template(
        "events/_agreement_follow_ups.html",
        agreement=agreement,
        rows=rows,
        may_add=may_add,
        **_context(),
    )


sections.register("agreement", "follow_ups", for_agreement)
