"""The calendar pages: a month, the agenda, the "Calendar" settings page where a user makes
and revokes feeds, and the feeds themselves (no login: the secret URL is the key).

    GET       /events/calendar?month=YYYY-MM&office=ID   events.calendar
    GET       /events/agenda?office=ID&after=CURSOR      events.agenda
    GET/POST  /settings/calendar                         events.feeds
    POST      /settings/calendar/<id>/revoke             events.feed_revoke
    GET       /calendar/<token>.ics                      events.feed
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from partnerships.core.formatting import office_today
from partnerships.core.forms import ConfirmForm, Form
from partnerships.core.models import utcnow
from partnerships.core.policy import PUBLIC, allow, declare
from partnerships.core.roles import EVERYONE
from partnerships.events import agenda, bp, feeds, ical, timing
from partnerships.events.forms import KIND_LABELS, STATUS_LABELS
from partnerships.events.models import CalendarFeed
from partnerships.events.permissions import visible_events
from partnerships.extensions import db

# Declared here, beside the routes, rather than in permissions.py: the calendar is a module of
# its own on the events blueprint. Who sees which events is decided in the queries.
POLICY = {
    "events.calendar": allow(EVERYONE),
    "events.agenda": allow(EVERYONE),
    "events.feeds": allow(EVERYONE),
    "events.feed_revoke": allow(EVERYONE),
    "events.feed": PUBLIC,  # the secret URL is the key; a wrong or revoked one is a 404
}
declare(POLICY)

PERSONAL = "me"


class FeedForm(Form):
    target = SelectField(_l("Events of"))


def _feed_form(offices) -> FeedForm:
    form = FeedForm()
    form.target.choices = [(PERSONAL, _("My calendar: the events I may see"))] + [
        (str(o.id), _("Office: %(name)s", name=o.name)) for o in offices
    ]
    return form


def _context(scope: agenda.Scope) -> dict:
    return {
        "scope": scope,
        "kinds": KIND_LABELS,
        "statuses": STATUS_LABELS,
        "when": timing.when,
        "zone_label": timing.zone_label,
        "clock": agenda.clock,
        "first_planned": agenda.first_planned,
        "day_label": agenda.day_label,
        "month_label": agenda.month_label,
        "partners_of": lambda event: agenda.partners_seen_by(current_user, event),
    }


@bp.app_template_global()
def calendar_month_of(event) -> str:
    """The month an event starts in, at its place, as the calendar's `?month=` takes it."""
    return timing.first_day(event).strftime("%Y-%m")


@bp.get("/events/calendar")
def calendar():
    scope = agenda.resolve_scope(current_user, request.args.get("office"))
    today = office_today()
    first = agenda.parse_month(request.args.get("month"), today)
    shown = agenda.month(scope.filter(visible_events(current_user)), first, today)
    return render_template("events/calendar.html", month=shown, today=today, **_context(scope))


@bp.get("/events/agenda", endpoint="agenda")
def agenda_page():
    scope = agenda.resolve_scope(current_user, request.args.get("office"))
    page, groups = agenda.agenda(
        scope.filter(visible_events(current_user)), utcnow(), request.args.get("after")
    )
    return render_template(
        "events/agenda.html", page=page, groups=groups, today=office_today(), **_context(scope)
    )


@bp.route("/settings/calendar", methods=["GET", "POST"], endpoint="feeds")
def feeds_page():
    user = current_user._get_current_object()
    offices = feeds.feed_offices(user)
    form = _feed_form(offices)
    created = None
    if form.validate_on_submit():
        office = None
        if form.target.data != PERSONAL:
            office = next(o for o in offices if str(o.id) == form.target.data)
        feed, token = feeds.create(user, office, user)
        db.session.commit()
        flash(_("Feed created: %(name)s", name=feeds.title_of(feed)), "success")
        # Shown once, on this response (never stored, never redirected through the session).
        created = {"feed": feed, "url": url_for("events.feed", token=token, _external=True)}
    return render_template(
        "events/feeds.html",
        form=form,
        created=created,
        feeds=feeds.listed_for(user),
        title_of=feeds.title_of,
        confirm=ConfirmForm(),
    )


@bp.post("/settings/calendar/<int:feed_id>/revoke")
def feed_revoke(feed_id: int):
    feed = db.get_or_404(CalendarFeed, feed_id)
    if feed.revoked_at is not None or not feeds.may_manage(current_user, feed):
        abort(404)
    if ConfirmForm().validate_on_submit():
        feeds.revoke(feed)
        db.session.commit()
        flash(_("The feed is revoked: its address no longer works."), "success")
    return redirect(url_for("events.feeds"))


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    found = feeds.live_feed(token)
    if found is None:
        abort(404)
    with force_locale("id"):
        events = feeds.events_of(found)
        body = ical.calendar_bytes(
            _("Partnership events: %(name)s", name=feeds.title_of(found)),
            events,
            lambda event: feeds.partner_names(found, event),
            lambda event: url_for("events.show", event_id=event.id, _external=True),
        )
    # Fetches are not audited (nothing changes), only logged, by the feed's id, never its token.
    current_app.logger.info("calendar feed %s served %d events", found.id, len(events))
    response = current_app.response_class(body, mimetype="text/calendar")
    # A download, like every file the app serves (calendar clients subscribing ignore it).
    response.headers["Content-Disposition"] = "attachment; filename=kegiatan.ics"
    return response
