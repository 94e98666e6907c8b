"""Events as people use them, through the pages: planned from the list, changed, linked to the
office's partners, agreements and commitments, held with their numbers, postponed, cancelled,
deleted; every refusal naming its field; every change in the audit trail; partner users seeing
only what their partner took part in, read-only; who may reach which page; the list's search,
filters, order, keyset pages and a fixed number of queries."""

import base64
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from partnerships.agreements.models import Agreement
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.commitments.models import Commitment
from partnerships.events import services, timing
from partnerships.events.models import Event, Status
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import EMAILS, post
from tests.helpers import counted_statements, forget_demo_events, id_of
from tests.web import (
    browser,
    errors_by_field,
    field_errors,
    fill,
    find_form,
    flashes,
    follow,
    hand_made,
    matrix_misses,
    signed_in,
    submit,
    text,
    ui_text,
)

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
PEMKOT = "Pemerintah Kota Denpasar"
SESETAN = "Kelurahan Sesetan"
DISNAKER = "Dinas Tenaga Kerja Kabupaten Gianyar"
DENPASAR_MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
DENPASAR_COVERAGE = "Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"
GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"

# What a person types to plan the Denpasar coordination meeting (test day: 30 November 2026).
MEETING = {
    "kind": "coordination",
    "title": "Rapat koordinasi perluasan kepesertaan",
    "starts_on": "2026-12-10",
    "starts_time": "09:00",
    "ends_on": "",
    "ends_time": "12:00",
    "venue": "Ruang Rapat Wali Kota",
    "region_code": "51.71",
    "audience": ["agency_heads", "dprd"],
    "planned_attendance": "40",
}


@pytest.fixture(autouse=True)
def _no_demo_events(app):
    """These tests start before the demo's events were recorded (tests/test_events_demo.py
    covers those)."""
    forget_demo_events(app)


def t(app, message: str, **values) -> str:
    return ui_text(app, message, **values)


def plan(app, web, **values):
    """Fill in the new-event form as `web`'s user and submit it; the raw response."""
    page = web.get("/events/new")
    return submit(page, button=t(app, "Save"), **{**MEETING, **values})


def event_id_of(app, title: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Event.id).where(Event.title == title))
    assert found is not None, title
    return found


def event_of(app, event_id: int) -> Event:
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.expunge(event)  # read its columns after the context closes
        return event


def entries(app, event_id: int) -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_type == "Event", AuditEntry.object_id == str(event_id))
                .order_by(AuditEntry.seq)
            )
        )


def make_event(app, office: str, title: str, *, partners=(), starts=None, **values) -> int:
    """An event put straight in through the service (for the lists and the scope tests)."""
    starts = starts or date(2026, 12, 10)
    data = {
        "kind": "socialisation",
        "title": title,
        "starts_on": starts,
        "starts_time": time(9),
        "ends_time": time(11),
        "timezone": "Asia/Makassar",
        **values,
    }
    with app.app_context(), acting_as("test"):
        event = services.create(
            db.session.scalar(select(Office).where(Office.name == office)), data, None
        )
        if partners:
            ids = db.session.scalars(select(Partner.id).where(Partner.name.in_(partners)))
            services.set_links(event, list(ids), [], [])
        db.session.commit()
        return event.id


# ---- planning one -------------------------------------------------------------------------


def test_staff_plan_an_event_from_the_list(app):
    web = signed_in(app, "staff")
    home = web.get("/")
    nav = home.html.find("nav")
    assert nav.find("a", string=t(app, "Events")) is not None  # "Kegiatan"
    listing = web.get("/events")
    assert t(app, "No events recorded yet.") in text(listing)
    form = find_form(web.get("/events/new"), button=t(app, "Save"))
    # The organising office is the user's own, the time zone the office's (Bali: WITA).
    assert form["timezone"].value == "Asia/Makassar"
    assert {v: label for v, _on, label in form["office_id"].options}[
        form["office_id"].value
    ] == DENPASAR
    shown = follow(plan(app, web))
    assert t(app, "Event recorded.") in " ".join(flashes(shown))
    assert MEETING["title"] in text(shown)
    event = event_of(app, event_id_of(app, MEETING["title"]))
    assert event.status == Status.PLANNED
    # 09:00 WITA is 01:00 UTC
    assert event.starts_at == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 12, 10, 4, 0, tzinfo=UTC)
    assert (event.timezone, event.all_day, event.planned_attendance) == ("Asia/Makassar", False, 40)
    with app.app_context():
        assert db.session.get(Event, event.id).audience == ["agency_heads", "dprd"]
    assert "09.00" in text(shown) and "WITA" in text(shown)
    [insert] = entries(app, event.id)
    assert (insert.action, insert.actor_label) == ("insert", EMAILS["staff"])
    assert insert.after["audience_rows"] == ["agency_heads", "dprd"]
    assert insert.office_id == event.office_id
    assert MEETING["title"] in text(web.get("/events"))


def test_a_multi_day_booth_runs_all_day_in_its_own_zone(app):
    web = signed_in(app, "staff")
    shown = follow(
        plan(
            app,
            web,
            kind="booth",
            title="Booth karnaval Desa Sesetan",
            starts_on="2027-08-13",
            ends_on="2027-08-17",
            starts_time="",
            ends_time="",
            all_day=True,
            region_code="51.71.01.1003",
        )
    )
    event = event_of(app, event_id_of(app, "Booth karnaval Desa Sesetan"))
    assert event.all_day
    assert event.starts_at == datetime(2027, 8, 12, 16, 0, tzinfo=UTC)  # 13 Aug 00:00 WITA
    assert event.ends_at == datetime(2027, 8, 17, 16, 0, tzinfo=UTC)  # 18 Aug 00:00, exclusive
    assert (timing.first_day(event), timing.last_day(event)) == (
        date(2027, 8, 13),
        date(2027, 8, 17),
    )
    assert "13" in text(shown) and "17" in text(shown)


def test_a_papua_event_is_kept_in_wit(app):
    web = signed_in(app, "admin")
    follow(plan(app, web, title="Sosialisasi Jayapura", timezone="Asia/Jayapura", region_code="91"))
    event = event_of(app, event_id_of(app, "Sosialisasi Jayapura"))
    assert event.starts_at == datetime(2026, 12, 10, 0, 0, tzinfo=UTC)  # 09:00 WIT
    assert timing.zone_of_region("91.71") == "Asia/Jayapura"
    assert timing.zone_of_region("31.71") == "Asia/Jakarta"
    assert timing.zone_of_region("62.71") == "Asia/Jakarta"  # Kalimantan Tengah keeps WIB
    assert timing.zone_of_region("64.71") == "Asia/Makassar"
    assert timing.default_zone(None, "32.15") == "Asia/Jakarta"
    assert timing.default_zone(None, None) == "Asia/Makassar"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"starts_on": "2026-12-10", "ends_on": "2026-12-09"},
            "ends_on",
            "The end comes before the start.",
        ),
        ({"ends_time": "08:00"}, "ends_time", "The end comes before the start."),
        (
            {"planned_attendance": "-5"},
            "planned_attendance",
            "A number of people cannot be negative.",
        ),
        ({"starts_time": ""}, "starts_time", "Enter the start time, or tick All day."),
        ({"title": ""}, "title", "This field is required."),
        ({"region_code": "99.99"}, "region_code", "Unknown region code %(code)s."),
    ],
)
def test_the_form_refuses_bad_plans_on_their_field(app, values, field, message):
    web = signed_in(app, "staff")
    page = plan(app, web, **values)
    assert page.status_int == 200
    expected = t(app, message, code=values.get("region_code", ""))
    assert expected in field_errors(page, field)
    assert list(errors_by_field(page)) == [field]
    assert page.forms  # the form again, with what was typed
    with app.app_context():
        assert db.session.scalar(select(Event.id).where(Event.is_deleted.is_(False))) is None


def tampered_plan(app, web, **forced):
    """The new-event form filled in as MEETING, with values no control offers forced in (a
    hand-edited request: no person could send them)."""
    form = fill(find_form(web.get("/events/new"), button=t(app, "Save")), **MEETING)
    for name, value in forced.items():
        form[name].force_value(str(value))
    return form.submit("save", expect_errors=True)


def test_an_unknown_time_zone_is_refused_on_its_field(app):
    response = tampered_plan(app, signed_in(app, "staff"), timezone="Europe/Paris")
    assert response.status_int == 200
    assert field_errors(response, "timezone") == [
        t(
            app,
            "Unknown time zone: choose WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT "
            "(Asia/Jayapura).",
        )
    ]
    with app.app_context():
        assert db.session.scalar(select(Event.id).where(Event.is_deleted.is_(False))) is None


def test_an_office_not_offered_is_refused(app):
    with app.app_context():
        gianyar = db.session.scalar(select(Office.id).where(Office.name == GIANYAR))
    # Denpasar's staff are offered their own office only
    response = tampered_plan(app, signed_in(app, "staff"), office_id=gianyar)
    assert t(app, "Choose one of the offices you record events for.") in field_errors(
        response, "office_id"
    )
    with app.app_context():
        assert db.session.scalar(select(Event.id).where(Event.is_deleted.is_(False))) is None


# ---- changing it -------------------------------------------------------------------------


def test_edit_keeps_the_times_at_the_place_and_is_audited(app):
    web = signed_in(app, "staff")
    follow(plan(app, web))
    event_id = event_id_of(app, MEETING["title"])
    page = web.get(f"/events/{event_id}/edit")
    form = find_form(page, button=t(app, "Save"))
    assert (form["starts_on"].value, form["starts_time"].value) == ("2026-12-10", "09:00")
    assert (form["ends_on"].value, form["ends_time"].value) == ("2026-12-10", "12:00")
    assert "actual_attendance" not in form.fields  # the outcome belongs to a held event
    shown = follow(
        submit(page, button=t(app, "Save"), venue="Gedung Sewaka Dharma", audience=["dprd"])
    )
    assert t(app, "Event saved.") in " ".join(flashes(shown))
    update = entries(app, event_id)[-1]
    assert (update.action, update.actor_label) == ("update", EMAILS["staff"])
    assert update.before["venue"] == MEETING["venue"]
    assert update.after["venue"] == "Gedung Sewaka Dharma"
    assert (update.before["audience_rows"], update.after["audience_rows"]) == (
        ["agency_heads", "dprd"],
        ["dprd"],
    )
    assert update.before["starts_at"] == update.after["starts_at"]  # unchanged by the round trip
    page = web.get(f"/events/{event_id}/edit")
    response = submit(page, button=t(app, "Save"), ends_on="2026-12-01")
    assert t(app, "The end comes before the start.") in field_errors(response, "ends_on")


# ---- links ---------------------------------------------------------------------------------


def test_links_to_the_office_s_partners_agreements_and_their_commitments(app):
    web = signed_in(app, "staff")
    follow(plan(app, web))
    event_id = event_id_of(app, MEETING["title"])
    pemkot, disnaker = id_of(app, Partner, PEMKOT), id_of(app, Partner, DISNAKER)
    mou, gianyar_pks = id_of(app, Agreement, DENPASAR_MOU), id_of(app, Agreement, GIANYAR_PKS)
    with app.app_context():
        coverage = db.session.scalar(
            select(Commitment.id).where(Commitment.title == DENPASAR_COVERAGE)
        )
        gianyar_target = db.session.scalar(
            select(Commitment.id).where(Commitment.title == GIANYAR_TARGET)
        )
    page = web.get(f"/events/{event_id}/links")
    form = find_form(page, button=t(app, "Save links"))
    offered = {box._value for box in form.fields["partner_ids"]}
    assert str(pemkot) in offered and str(disnaker) not in offered  # Gianyar's partner
    assert str(gianyar_pks) not in {box._value for box in form.fields["agreement_ids"]}
    assert "commitment_ids" not in form.fields  # no agreement linked yet: nothing to choose
    follow(submit(page, button=t(app, "Save links"), partner_ids=[pemkot], agreement_ids=[mou]))
    page = web.get(f"/events/{event_id}/links")
    shown = follow(submit(page, button=t(app, "Save links"), commitment_ids=[coverage]))
    assert t(app, "Links saved.") in " ".join(flashes(shown))
    assert PEMKOT in text(shown) and DENPASAR_MOU in text(shown)
    assert DENPASAR_COVERAGE in text(shown)
    last = entries(app, event_id)[-1]
    assert last.before["commitments"] == [] and last.after["commitments"] == [coverage]
    assert entries(app, event_id)[-2].after["partners"] == [pemkot]

    # What no checkbox offers, only a hand-edited request sends: refused on its field.
    links = f"/events/{event_id}/links"
    response = tick_unoffered(app, web.get(links), "partner_ids", disnaker)
    assert t(app, "Choose partners managed by the organising office.") in field_errors(
        response, "partner_ids"
    )
    response = tick_unoffered(app, web.get(links), "agreement_ids", gianyar_pks)
    assert t(app, "Choose agreements of the organising office.") in field_errors(
        response, "agreement_ids"
    )
    response = tick_unoffered(app, web.get(links), "commitment_ids", gianyar_target)
    assert t(app, "Choose commitments of the agreements the event is linked to.") in (
        field_errors(response, "commitment_ids")
    )
    # Unlinking the agreement while keeping its commitment is refused too.
    response = submit(web.get(links), button=t(app, "Save links"), agreement_ids=[])
    assert t(app, "Choose commitments of the agreements the event is linked to.") in (
        field_errors(response, "commitment_ids")
    )
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert [c.id for c in event.commitments] == [coverage]
        assert [a.id for a in event.agreements] == [mou]


def tick_unoffered(app, page, name: str, value: int):
    """The links form as rendered, with one more box ticked carrying a value no box offers
    (a hand-edited request: no person could send it)."""
    form = find_form(page, button=t(app, "Save links"))
    box = next(box for box in form.fields[name] if not box.checked)
    box.force_value(str(value))
    box.checked = True
    return form.submit("save", expect_errors=True)


# ---- status --------------------------------------------------------------------------------


def test_held_with_attendance_and_registrations(app):
    web = signed_in(app, "staff")
    follow(plan(app, web, starts_on="2026-11-27"))  # last Friday
    event_id = event_id_of(app, MEETING["title"])
    show = web.get(f"/events/{event_id}")
    page = show.click(t(app, "Mark as held"))
    button = t(app, "Record as held")
    # negative attendance, then more registrations than people present without a note
    response = submit(page, button=button, actual_attendance="-1")
    assert t(app, "A number of people cannot be negative.") in field_errors(
        response, "actual_attendance"
    )
    response = submit(page, button=button, actual_attendance="35", new_registrations="50")
    [error] = field_errors(response, "new_registrations")
    assert error == t(
        app,
        "More new registrations than people present: explain them in the note on the "
        "registrations.",
    )
    assert event_of(app, event_id).status == Status.PLANNED
    shown = follow(
        submit(
            response,
            button=button,
            actual_attendance="35",
            new_registrations="50",
            registrations_note="Keluarga peserta ikut mendaftar di tempat.",
            minutes="Pemkot menyiapkan surat edaran.",
        )
    )
    assert t(app, "The event is recorded as held.") in " ".join(flashes(shown))
    event = event_of(app, event_id)
    assert (event.status, event.actual_attendance, event.new_registrations) == ("held", 35, 50)
    assert "Pemkot menyiapkan surat edaran." in text(shown)
    last = entries(app, event_id)[-1]
    assert (last.before["status"], last.after["status"]) == ("planned", "held")
    assert last.actor_label == EMAILS["staff"]
    # a held event can no longer be postponed or cancelled; its edit form carries the outcome
    assert t(app, "Postpone") not in text(shown)
    edit = web.get(f"/events/{event_id}/edit")
    response = submit(edit, button=t(app, "Save"), registrations_note="")
    assert field_errors(response, "new_registrations")
    assert web.get(f"/events/{event_id}/cancel").status_int == 302


def test_an_event_to_come_is_not_held_yet(app):
    web = signed_in(app, "staff")
    follow(plan(app, web))  # 10 December, after the test day
    event_id = event_id_of(app, MEETING["title"])
    assert t(app, "Mark as held") not in text(web.get(f"/events/{event_id}"))
    refused = follow(web.get(f"/events/{event_id}/held"))
    assert flashes(refused) == [
        t(app, "The event has not started yet: it is recorded as held once it has.")
    ]
    client = hand_made(app, "staff")
    post(client, f"/events/{event_id}/held", {"actual_attendance": "10"})
    assert event_of(app, event_id).status == Status.PLANNED


def test_postponed_keeps_the_first_date(app):
    web = signed_in(app, "manager")
    follow(plan(app, web))
    event_id = event_id_of(app, MEETING["title"])
    page = web.get(f"/events/{event_id}").click(t(app, "Postpone"))
    form = find_form(page, button=t(app, "Postpone"))
    assert form.html.find("form").get("data-confirm")  # asks before moving it
    response = submit(page, button=t(app, "Postpone"), starts_on="2026-12-01", ends_on="")
    assert t(
        app,
        "A postponed event must start later than planned (%(day)s).",
        day="10 Des 2026, 09.00 WITA",
    ) in field_errors(response, "starts_on")
    shown = follow(
        submit(
            page,
            button=t(app, "Postpone"),
            starts_on="2026-12-17",
            ends_on="",
            reason="Wali Kota bertugas ke Jakarta",
        )
    )
    assert t(app, "The event is postponed.") in " ".join(flashes(shown))
    event = event_of(app, event_id)
    assert event.status == Status.POSTPONED
    assert event.postponed_from == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert event.starts_at == datetime(2026, 12, 17, 1, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 12, 17, 4, 0, tzinfo=UTC)
    assert "Wali Kota bertugas ke Jakarta" in text(shown)
    assert t(app, "Postponed; first planned for %(day)s.", day="10 Des 2026, 09.00 WITA") in text(
        shown
    )
    # postponed again: the first date stays
    page = web.get(f"/events/{event_id}/postpone")
    follow(submit(page, button=t(app, "Postpone"), starts_on="2027-01-07", ends_on=""))
    event = event_of(app, event_id)
    assert event.postponed_from == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert event.starts_at == datetime(2027, 1, 7, 1, 0, tzinfo=UTC)
    last = entries(app, event_id)[-1]
    assert last.actor_label == EMAILS["manager"]


def test_cancelled_with_a_reason_after_confirming(app):
    web = signed_in(app, "staff")
    follow(plan(app, web))
    event_id = event_id_of(app, MEETING["title"])
    page = web.get(f"/events/{event_id}").click(t(app, "Cancel the event"), index=0)
    form = find_form(page, button=t(app, "Cancel the event"))
    assert form.html.find("form").get("data-confirm")
    response = submit(page, button=t(app, "Cancel the event"), reason="")
    assert field_errors(response, "reason")
    assert event_of(app, event_id).status == Status.PLANNED
    shown = follow(
        submit(page, button=t(app, "Cancel the event"), reason="Anggaran kegiatan dialihkan")
    )
    assert t(app, "The event is cancelled.") in " ".join(flashes(shown))
    event = event_of(app, event_id)
    assert (event.status, event.cancel_reason) == ("cancelled", "Anggaran kegiatan dialihkan")
    assert "Anggaran kegiatan dialihkan" in text(shown)
    # a cancelled event is kept as it was
    assert t(app, "Edit") not in [a.get_text(strip=True) for a in shown.html.select("main a")]
    refused = follow(web.get(f"/events/{event_id}/edit"))
    assert t(app, "A cancelled event is kept as it was.") in " ".join(flashes(refused))
    assert web.get(f"/events/{event_id}/links").status_int == 302
    last = entries(app, event_id)[-1]
    assert (last.after["status"], last.after["cancel_reason"]) == (
        "cancelled",
        "Anggaran kegiatan dialihkan",
    )


def test_deleted_after_confirming_stays_in_the_trail(app):
    web = signed_in(app, "staff")
    follow(plan(app, web))
    event_id = event_id_of(app, MEETING["title"])
    page = web.get(f"/events/{event_id}")
    form = find_form(page, action=f"/events/{event_id}/delete")
    assert form.html.find("form").get("data-confirm")
    listing = follow(form.submit())
    assert t(app, "Event deleted; it stays in the audit trail.") in " ".join(flashes(listing))
    assert MEETING["title"] not in text(listing)
    assert web.get(f"/events/{event_id}", expect_errors=True).status_int == 404
    assert entries(app, event_id)[-1].action == "delete"


# ---- who sees what -----------------------------------------------------------------------


def test_partner_users_see_only_their_partner_s_events_read_only(app):
    city = make_event(app, DENPASAR, "Sosialisasi di Balai Kota", partners=[PEMKOT])
    village = make_event(app, DENPASAR, "Sosialisasi Desa Ubung Kaja", partners=["Desa Ubung Kaja"])
    gianyar = make_event(app, GIANYAR, "Sosialisasi DPRD Gianyar", partners=[DISNAKER])
    web = signed_in(app, "partner")  # the city's user
    listing = text(web.get("/events"))
    assert "Sosialisasi di Balai Kota" in listing
    assert "Sosialisasi Desa Ubung Kaja" not in listing
    assert "Sosialisasi DPRD Gianyar" not in listing
    page = web.get(f"/events/{city}")
    assert PEMKOT in text(page)
    assert not [f for f in page.forms.values() if "/events/" in (f.action or "")]
    assert t(app, "Edit") not in [a.get_text(strip=True) for a in page.html.select("main a")]
    assert t(app, "New event") not in text(web.get("/events"))
    for other in (village, gianyar):
        assert web.get(f"/events/{other}", expect_errors=True).status_int == 404
    assert web.get(f"/events/{city}/edit", expect_errors=True).status_int == 403
    # the Gianyar partner sees its own, not the city's
    gianyar_user = signed_in(app, "partner_other")
    assert "Sosialisasi DPRD Gianyar" in text(gianyar_user.get("/events"))
    assert gianyar_user.get(f"/events/{city}", expect_errors=True).status_int == 404


def test_offices_see_their_own_and_national_roles_all(app):
    denpasar = make_event(app, DENPASAR, "Rapat Denpasar")
    gianyar = make_event(app, GIANYAR, "Rapat Gianyar")
    seen = {
        who: text(signed_in(app, who).get("/events"))
        for who in ("staff", "staff_other", "admin", "auditor", "auditor_office")
    }
    assert "Rapat Denpasar" in seen["staff"] and "Rapat Gianyar" not in seen["staff"]
    assert "Rapat Gianyar" in seen["staff_other"] and "Rapat Denpasar" not in seen["staff_other"]
    for who in ("admin", "auditor", "auditor_office"):  # the Kanwil's auditor: its branches
        assert "Rapat Denpasar" in seen[who] and "Rapat Gianyar" in seen[who]
    assert signed_in(app, "staff").get(f"/events/{gianyar}", expect_errors=True).status_int == 404
    assert (
        signed_in(app, "staff_other").get(f"/events/{denpasar}/edit", expect_errors=True).status_int
        == 404
    )


# The authorization matrix of every event route: anonymous → login; the organising office's
# editors 200 (a form) or 302 (done); partner users and auditors only read; another office's
# staff get 404 for an event not theirs.
ROLES = [
    "anonymous",
    "admin",
    "staff",
    "manager",
    "partner",
    "auditor",
    "auditor_office",
    "staff_other",
]
ROUTES = {
    # endpoint: (request, statuses in the order of ROLES)
    "events.index": ("GET /events", "L 200 200 200 200 200 200 200"),
    "events.show": ("GET /events/{event}", "L 200 200 200 200 200 200 404"),
    "events.new": ("GET /events/new", "L 200 200 200 403 403 403 200"),
    "events.edit": ("GET /events/{event}/edit", "L 200 200 200 403 403 403 404"),
    "events.links": ("GET /events/{event}/links", "L 200 200 200 403 403 403 404"),
    "events.held": ("GET /events/{past}/held", "L 200 200 200 403 403 403 404"),
    "events.postpone": ("GET /events/{event}/postpone", "L 200 200 200 403 403 403 404"),
    "events.cancel": ("GET /events/{event}/cancel", "L 200 200 200 403 403 403 404"),
    # an empty form posted: the page again, saying what is missing
    "events.new#post": ("POST /events/new", "L 200 200 200 403 403 403 200"),
    "events.cancel#post": ("POST /events/{event}/cancel", "L 200 200 200 403 403 403 404"),
    "events.delete": ("POST /events/{gone}/delete", "L 302 302 302 403 403 403 404"),
}


def test_every_event_route_is_in_the_matrix(app):
    # this module's routes; events/records.py's are test_event_outcomes.py's matrix
    endpoints = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if app.view_functions[r.endpoint].__module__ == "partnerships.events.routes"
    }
    assert endpoints == {key.split("#")[0] for key in ROUTES}


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(app, role):
    ids = {
        "event": make_event(app, DENPASAR, "Rapat koordinasi", partners=[PEMKOT]),
        "past": make_event(
            app, DENPASAR, "Rapat lalu", partners=[PEMKOT], starts=date(2026, 11, 2)
        ),
        # what the editors delete (each role runs on a database of its own)
        "gone": make_event(app, DENPASAR, "Rapat salah input", partners=[PEMKOT]),
    }
    routes = [(endpoint, *row) for endpoint, row in ROUTES.items()]
    assert matrix_misses(app, role, ROLES.index(role), routes, ids) == []
    with app.app_context():
        gone = db.session.get(Event, ids["gone"])
        assert gone.is_deleted == (role in ("admin", "staff", "manager"))


def test_anonymous_visitors_are_sent_to_sign_in(app):
    web = browser(app)
    response = web.get("/events")
    assert response.status_int == 302 and "/login" in response.location


# ---- the list -------------------------------------------------------------------------------


def test_search_filters_order_and_keyset_pages(app):
    make_event(
        app, DENPASAR, "Sosialisasi pekerja informal", venue="Pasar Badung", starts=date(2025, 3, 4)
    )
    for day in range(1, 7):
        make_event(
            app,
            DENPASAR,
            f"Rapat koordinasi {day}",
            kind="coordination",
            starts=date(2026, 12, day),
        )
    held = make_event(app, DENPASAR, "Focus group Tabanan", kind="fgd", starts=date(2026, 10, 5))
    with app.app_context(), acting_as("test"):
        services.mark_held(db.session.get(Event, held), {"actual_attendance": 12})
        db.session.commit()
    web = signed_in(app, "staff")

    def titles(page):
        return [a.get_text(strip=True) for a in page.html.select("tbody td a")]

    first = web.get("/events")
    assert titles(first) == [f"Rapat koordinasi {d}" for d in (6, 5, 4, 3, 2)]  # 5 a page
    second = first.click(t(app, "Next page") + " »")
    assert titles(second) == [
        "Rapat koordinasi 1",
        "Focus group Tabanan",
        "Sosialisasi pekerja informal",
    ]

    def filtered(**values):
        return titles(submit(web.get("/events"), button=t(app, "Filter"), **values))

    assert filtered(q="badung") == ["Sosialisasi pekerja informal"]
    assert filtered(status="held") == ["Focus group Tabanan"]
    assert filtered(kind="fgd", year="2026") == ["Focus group Tabanan"]
    assert filtered(year="2025") == ["Sosialisasi pekerja informal"]
    earliest = submit(web.get("/events"), button=t(app, "Filter"), sort="date_asc")
    assert titles(earliest)[:3] == [
        "Sosialisasi pekerja informal",
        "Focus group Tabanan",
        "Rapat koordinasi 1",
    ]
    assert titles(earliest.click(t(app, "Next page") + " »")) == [
        f"Rapat koordinasi {d}" for d in (4, 5, 6)
    ]
    nothing = submit(web.get("/events"), button=t(app, "Filter"), q="tidak ada")
    assert t(app, "No event matches these filters.") in text(nothing)
    # an edited URL: nonsense filters and cursors match nothing or start again
    assert titles(web.get("/events?year=abc")) == []
    assert titles(web.get("/events?status=bogus")) == []
    assert len(titles(web.get("/events?after=garbage"))) == 5
    # a well-formed cursor at an instant before year 1 in UTC (year 1 at +14:00) as well
    early = base64.urlsafe_b64encode(b'["0001-01-01T00:00:00+14:00", 1]').decode().rstrip("=")
    for url in (f"/events?after={early}", f"/events?sort=date_asc&after={early}"):
        assert len(titles(web.get(url))) == 5
    assert web.get(f"/events/agenda?after={early}").status_int == 200


def test_the_list_runs_a_fixed_number_of_queries(app):
    web = signed_in(app, "staff")
    make_event(app, DENPASAR, "Rapat 1", partners=[PEMKOT], region_code="51.71")

    def statements(url):
        with counted_statements(app) as seen:
            web.get(url, status=200)
        return len(seen)

    urls = ["/events", "/events?sort=date_asc", "/events?q=rapat&year=2026"]
    before = {url: statements(url) for url in urls}
    for n in range(2, 8):
        make_event(
            app,
            DENPASAR,
            f"Rapat {n}",
            partners=[PEMKOT, SESETAN],
            region_code="51.71.01.1003",
            audience=["dprd"],
        )
    after = {url: statements(url) for url in urls}
    assert after == before


def test_the_event_s_history_reads_in_words(app):
    event_id = make_event(
        app, DENPASAR, "Sosialisasi anggota DPRD", partners=[PEMKOT], audience=["dprd"]
    )
    page = signed_in(app, "auditor_office").get(f"/audit/Event/{event_id}")
    shown = text(page)
    assert "Sosialisasi anggota DPRD" in shown
    assert t(app, "Audience") in shown and t(app, "DPRD members") in shown
    assert t(app, "Partners") in shown and PEMKOT in shown
    assert t(app, "Socialisation") in shown
