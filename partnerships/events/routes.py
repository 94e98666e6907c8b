"""The event pages: the list, one event, planning and changing it, its links and its status.
Views load, authorize, validate, call a service, commit once and respond."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnerships.core.formatting import translated
from partnerships.core.forms import ConfirmForm, refuse
from partnerships.core.pagination import keyset_page, list_args
from partnerships.events import bp, queries, rules, services, timing
from partnerships.events.errors import EventError
from partnerships.events.forms import (
    AUDIENCE_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    CancelForm,
    EventForm,
    HeldForm,
    LinksForm,
    PostponeForm,
)
from partnerships.events.models import Event
from partnerships.events.permissions import (
    can_edit,
    may_organise_for,
    organising_offices,
    visible_events,
)
from partnerships.extensions import db

OUTCOME_FIELDS = ("actual_attendance", "new_registrations", "registrations_note", "minutes")


def get_event(event_id: int, *, for_edit: bool = False) -> Event:
    """The event if the user may see it (else 404) and, for changes, edit it (else 403)."""
    event = db.first_or_404(visible_events(current_user).where(Event.id == event_id))
    if for_edit and not can_edit(current_user, event):
        abort(403)
    return event


def _context() -> dict:
    return {
        "kinds": translated(KIND_LABELS),
        "statuses": translated(STATUS_LABELS),
        "audiences": translated(AUDIENCE_LABELS),
        "when": timing.when,
        "planned_first": timing.planned_first,
        "zone_label": timing.zone_label,
        "rules": rules,
    }


@bp.get("/events")
def index():
    stmt = queries.listed(queries.filtered(visible_events(current_user), request.args))
    keys, descending = queries.sort_of(request.args)
    page = keyset_page(stmt, keys, request.args.get("after"), descending=descending)
    return render_template(
        "events/index.html",
        page=page,
        args=list_args(),
        filters=queries.filter_args(request.args),
        **_context(),
    )


@bp.get("/events/<int:event_id>")
def show(event_id: int):
    event = get_event(event_id)
    return render_template(
        "events/show.html",
        event=event,
        links=queries.linked(event, current_user),
        can_edit=can_edit(current_user, event),
        confirm=ConfirmForm(),
        **_context(),
    )


def _fill_times(form: EventForm | PostponeForm, event: Event) -> None:
    """The form's days and times as the event's place reads them."""
    start = timing.local(event.starts_at, event.timezone)
    end = timing.local(event.ends_at, event.timezone)
    form.starts_on.data, form.ends_on.data = start.date(), timing.last_day(event)
    if not event.all_day:
        form.starts_time.data, form.ends_time.data = start.time(), end.time()


@bp.route("/events/new", methods=["GET", "POST"])
def new():
    offices = organising_offices(current_user)
    if not offices:
        abort(403)
    form = EventForm()
    for name in OUTCOME_FIELDS:
        del form[name]
    form.office_id.choices = [(o.id, o.name) for o in offices]
    if request.method == "GET":
        own = [o for o in offices if o.id == current_user.office_id]
        office = own[0] if own else offices[0]
        form.office_id.data = office.id
        form.timezone.data = timing.default_zone(office.region_code)
    elif form.validate_on_submit():
        try:
            office = services.office_for_new(form.office_id.data, offices)
            if not may_organise_for(current_user, office.id):  # the offices offered, again
                abort(403)
            event = services.create(office, form.data, current_user)
        except EventError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Event recorded."), "success")
            return redirect(url_for("events.show", event_id=event.id))
    return render_template("events/form.html", form=form, event=None, **_context())


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    event = get_event(event_id, for_edit=True)
    if not rules.may_edit(event):
        flash(_("A cancelled event is kept as it was."), "warning")
        return redirect(url_for("events.show", event_id=event.id))
    form = EventForm(obj=event)
    del form.office_id
    if not rules.shows_outcome(event):
        for name in OUTCOME_FIELDS:
            del form[name]
    if request.method == "GET":
        _fill_times(form, event)
        form.audience.data = event.audience
    elif form.validate_on_submit():
        try:
            services.update(event, form.data, current_user)
        except EventError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Event saved."), "success")
            return redirect(url_for("events.show", event_id=event.id))
    return render_template("events/form.html", form=form, event=event, **_context())


@bp.route("/events/<int:event_id>/links", methods=["GET", "POST"])
def links(event_id: int):
    event = get_event(event_id, for_edit=True)
    if not rules.may_link(event):
        flash(_("A cancelled event is kept as it was."), "warning")
        return redirect(url_for("events.show", event_id=event.id))
    form = LinksForm()
    partners = queries.linkable_partners(event)
    agreements = queries.linkable_agreements(event)
    commitments = queries.commitments_of(a.id for a in event.agreements)
    form.partner_ids.choices = [(p.id, p.name) for p in partners]
    form.agreement_ids.choices = [(a.id, a.title) for a in agreements]
    form.commitment_ids.choices = [(c.id, f"{c.title} ({c.partner.name})") for c in commitments]
    if request.method == "GET":
        form.partner_ids.data = [p.id for p in event.partners]
        form.agreement_ids.data = [a.id for a in event.agreements]
        form.commitment_ids.data = [c.id for c in event.commitments]
    elif form.validate_on_submit():
        try:
            services.set_links(
                event, form.partner_ids.data, form.agreement_ids.data, form.commitment_ids.data
            )
        except EventError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Links saved."), "success")
            return redirect(url_for("events.show", event_id=event.id))
    return render_template("events/links.html", form=form, event=event, **_context())


def _status_page(event: Event, form, template: str, action, step: str, done: str):
    """A status change's form: shown, then applied by `action` once valid and allowed."""
    refusal = rules.why_not(event, step)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("events.show", event_id=event.id))
    if request.method == "POST" and form.validate_on_submit():
        try:
            action(event, form.data)
        except EventError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("events.show", event_id=event.id))
    return render_template(template, form=form, event=event, **_context())


@bp.route("/events/<int:event_id>/held", methods=["GET", "POST"])
def held(event_id: int):
    event = get_event(event_id, for_edit=True)
    form = HeldForm(obj=event)
    return _status_page(
        event,
        form,
        "events/held.html",
        services.mark_held,
        "hold",
        _("The event is recorded as held."),
    )


@bp.route("/events/<int:event_id>/postpone", methods=["GET", "POST"])
def postpone(event_id: int):
    event = get_event(event_id, for_edit=True)
    form = PostponeForm()
    if request.method == "GET":
        _fill_times(form, event)
    return _status_page(
        event,
        form,
        "events/postpone.html",
        services.postpone,
        "postpone",
        _("The event is postponed."),
    )


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def cancel(event_id: int):
    event = get_event(event_id, for_edit=True)
    return _status_page(
        event,
        CancelForm(),
        "events/cancel.html",
        services.cancel,
        "cancel",
        _("The event is cancelled."),
    )


@bp.post("/events/<int:event_id>/delete")
def delete(event_id: int):
    event = get_event(event_id, for_edit=True)
    if ConfirmForm().validate_on_submit():
        services.delete(event)
        db.session.commit()
        flash(_("Event deleted; it stays in the audit trail."), "success")
        return redirect(url_for("events.index"))
    return redirect(url_for("events.show", event_id=event.id))


# The routes and template helpers of the other parts of the domain, on the same blueprint.
from partnerships.events import (  # noqa: E402
    calendar_routes,  # noqa: F401
    follow_up_routes,  # noqa: F401
    partner_view,  # noqa: F401
    records,  # noqa: F401
)
