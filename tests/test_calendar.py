"""The events' calendar: the month and the agenda through the pages (on the office's frozen day,
Monday 30 November 2026), and the iCalendar feeds made on the "Calendar" settings page, fetched
without a session and read back with a real parser (`icalendar`): each event in its own zone
with its VTIMEZONE, all-day runs as dates with an exclusive end, cancelled ones marked; a
wrong or revoked token is a 404, another office's events never reach an office's feed, a
partner's user sees (and subscribes to) its partner's events only. Who may reach which route."""

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth.models import User
from partnerships.events import calendar_routes, services
from partnerships.events.models import CalendarFeed, Event
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import EMAILS, csrf_token
from tests.helpers import forget_demo_events
from tests.web import (
    browser,
    find_form,
    flashes,
    follow,
    hand_made,
    matrix_misses,
    options,
    signed_in,
    submit,
    submit_tampered,
    text,
    ui_text,
)

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
PEMKOT = "Pemerintah Kota Denpasar"
SESETAN = "Kelurahan Sesetan"
DISNAKER = "Dinas Tenaga Kerja Kabupaten Gianyar"
UID_DOMAIN = "kemitraan.bpjsketenagakerjaan.go.id"


@pytest.fixture(autouse=True)
def _no_demo_events(app):
    """These tests start before the demo's events were recorded (tests/test_events_demo.py
    covers those)."""
    forget_demo_events(app)


def t(app, message: str, **values) -> str:
    return ui_text(app, message, **values)


def make_event(app, office: str, title: str, *, partners=(), starts=None, **values) -> int:
    """An event put in through the events service, as its form would (09:00-11:00 WITA on
    10 December 2026 unless told otherwise)."""
    data = {
        "kind": "socialisation",
        "title": title,
        "starts_on": starts or date(2026, 12, 10),
        "starts_time": time(9),
        "ends_time": time(11),
        "timezone": "Asia/Makassar",
        "venue": "Aula kantor",
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


def change(app, event_id: int, action, **data) -> None:
    """Cancel or postpone an event through the service."""
    with app.app_context(), acting_as("test"):
        action(db.session.get(Event, event_id), data)
        db.session.commit()


def office_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Office.id).where(Office.name == name))


def make_feed(app, web, target: str | None = None) -> str:
    """Create a feed on the settings page as `web`'s user (`target`: an office's name; None:
    the user's own) and return the address shown once."""
    page = web.get("/settings/calendar")
    form = find_form(page, button=t(app, "Create feed"))
    if target is not None:
        value = options(form, "target")[t(app, "Office: %(name)s", name=target)]
    else:
        value = options(form, "target")[t(app, "My calendar: the events I may see")]
    shown = submit(page, button=t(app, "Create feed"), target=value)
    assert shown.status_int == 200, shown.status
    assert any(m.startswith(t(app, "Feed created: %(name)s", name="")) for m in flashes(shown))
    field = shown.html.find("input", id="feed-url")
    assert field is not None, text(shown)
    return field["value"]


def fetch(app, url: str):
    """What a calendar client gets from `url`: no session, no cookies."""
    return browser(app).get(urlsplit(url).path, expect_errors=True)


def parse(response) -> Calendar:
    assert response.status_int == 200, response.status
    assert response.content_type == "text/calendar"
    return Calendar.from_ical(response.body)


def vevents(cal: Calendar) -> dict[str, object]:
    return {str(e.get("summary")): e for e in cal.walk("VEVENT")}


def feed_token(url: str) -> str:
    return re.fullmatch(r"/calendar/([^/]+)\.ics", urlsplit(url).path)[1]


# ---- the feed, read back by a real parser ---------------------------------------------------


def test_an_office_feed_read_back_by_icalendar(app):
    meeting = make_event(app, DENPASAR, "Rapat koordinasi WITA", partners=[PEMKOT])
    booth = make_event(
        app,
        DENPASAR,
        "Booth karnaval (uji)",
        partners=[SESETAN],
        kind="booth",
        starts=date(2017, 8, 13),
        ends_on=date(2017, 8, 17),
        all_day=True,
        starts_time=None,
        ends_time=None,
    )
    make_event(app, DENPASAR, "Rapat di Jakarta", timezone="Asia/Jakarta")
    make_event(app, DENPASAR, "Rapat di Jayapura", timezone="Asia/Jayapura")
    called_off = make_event(app, DENPASAR, "Sosialisasi yang batal")
    change(app, called_off, services.cancel, reason="Gedung dipakai")
    moved = make_event(app, DENPASAR, "Sosialisasi yang ditunda", starts=date(2026, 12, 15))
    change(
        app,
        moved,
        services.postpone,
        starts_on=date(2027, 1, 12),
        starts_time=time(9),
        ends_on=date(2027, 1, 12),
        ends_time=time(11),
    )
    held = make_event(app, DENPASAR, "Rapat yang sudah", starts=date(2026, 11, 2))
    change(app, held, services.mark_held, actual_attendance=30, minutes="Catatan rahasia rapat")
    make_event(app, GIANYAR, "Sosialisasi Gianyar", partners=[DISNAKER])

    url = make_feed(app, signed_in(app, "staff"), DENPASAR)
    assert url.startswith("http://localhost/calendar/") and url.endswith(".ics")
    response = fetch(app, url)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=kegiatan.ics"
    assert "Set-Cookie" not in response.headers  # a client's fetch opens no session
    cal = parse(response)
    found = vevents(cal)

    # 09:00 WITA is 01:00 UTC; the client is told the zone, and gets its VTIMEZONE
    item = found["Rapat koordinasi WITA"]
    start, end = item.decoded("dtstart"), item.decoded("dtend")
    assert item["dtstart"].params["TZID"] == "Asia/Makassar"
    assert start.astimezone(UTC) == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
    assert str(item["uid"]) == f"event-{meeting}@{UID_DOMAIN}"
    assert str(item["status"]) == "CONFIRMED"
    assert item.decoded("last-modified").tzinfo is not None
    assert isinstance(item.decoded("dtstamp"), datetime)
    assert int(item["sequence"]) >= 0
    description = str(item["description"])
    assert t(app, "Type: %(kind)s", kind=t(app, "Socialisation")) in description
    assert "Aula kantor" in description and PEMKOT in description
    assert str(item["location"]) == "Aula kantor"
    assert found["Rapat di Jakarta"].decoded("dtstart").astimezone(UTC).hour == 2  # WIB
    assert found["Rapat di Jayapura"].decoded("dtstart").astimezone(UTC).hour == 0  # WIT
    zones = {str(z["tzid"]): z for z in cal.walk("VTIMEZONE")}
    assert set(zones) == {"Asia/Makassar", "Asia/Jakarta", "Asia/Jayapura"}
    standard = zones["Asia/Makassar"].walk("STANDARD")[0]
    assert str(standard["tzname"]) == "WITA"
    assert standard["tzoffsetto"].to_ical() == "+0800"

    # all day, 13 to 17 August 2017: dates, and the end the day after the last
    booth_item = found["Booth karnaval (uji)"]
    assert booth_item["dtstart"].to_ical() == b"20170813"
    assert booth_item["dtend"].to_ical() == b"20170818"
    assert booth_item["dtstart"].params["VALUE"] == "DATE"
    assert booth_item.decoded("dtstart") == date(2017, 8, 13)
    assert booth_item.decoded("dtend") == date(2017, 8, 18)
    assert str(booth_item["uid"]) == f"event-{booth}@{UID_DOMAIN}"

    # cancelled: kept, and marked so
    title = t(app, "Cancelled: %(title)s", title="Sosialisasi yang batal")
    assert str(found[title]["status"]) == "CANCELLED"
    # postponed: at its new date, saying when it was first planned
    later = found["Sosialisasi yang ditunda"]
    assert later.decoded("dtstart").date() == date(2027, 1, 12)
    assert "15 Desember 2026" in str(later["description"])

    # the minutes stay in the application; another office's events are not this feed's
    assert "Rapat yang sudah" in found
    assert b"rahasia" not in response.body
    assert "Sosialisasi Gianyar" not in found
    assert all(str(e["uid"]).endswith("@" + UID_DOMAIN) for e in found.values())


def test_a_change_moves_sequence_and_last_modified_on(app):
    event_id = make_event(app, DENPASAR, "Rapat yang berubah")
    url = make_feed(app, signed_in(app, "staff"), DENPASAR)
    before = vevents(parse(fetch(app, url)))["Rapat yang berubah"]
    with app.app_context(), acting_as("test"):
        event = db.session.get(Event, event_id)
        event.updated_at = event.updated_at.replace(microsecond=0) + timedelta(minutes=5)
        event.venue = "Ruang rapat lantai 2"
        db.session.commit()
    after = vevents(parse(fetch(app, url)))["Rapat yang berubah"]
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("last-modified") > before.decoded("last-modified")
    assert str(after["uid"]) == str(before["uid"])
    assert str(after["location"]) == "Ruang rapat lantai 2"


# ---- the token guards the feed -------------------------------------------------------------


def test_only_the_token_s_hash_is_kept_and_the_making_is_audited(app):
    url = make_feed(app, signed_in(app, "staff"), DENPASAR)
    token = feed_token(url)
    denpasar = office_id(app, DENPASAR)
    with app.app_context():
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert feed.office_id == denpasar and feed.user_id is None
        made = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "CalendarFeed")
        ).all()
        assert [e.action for e in made] == ["insert"]
        assert made[0].actor_label == EMAILS["staff"]
        assert made[0].office_id == feed.office_id
        trail = " ".join(
            str(e.after) + str(e.before) for e in db.session.scalars(select(AuditEntry))
        )
    assert token not in trail and feed.token_hash not in trail
    # shown once: the settings page lists the feed but never its address again
    page = signed_in(app, "staff").get("/settings/calendar")
    assert token not in page.text
    assert t(app, "Office: %(name)s", name=DENPASAR) in text(page)


def test_a_wrong_or_revoked_token_is_a_404(app):
    make_event(app, DENPASAR, "Rapat koordinasi WITA")
    web = signed_in(app, "staff")
    url = make_feed(app, web, DENPASAR)
    assert fetch(app, url).status_int == 200
    token = feed_token(url)
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "A" * 500, token.upper()):
        assert browser(app).get(f"/calendar/{wrong}.ics", expect_errors=True).status_int == 404
    assert browser(app).get(f"/calendar/{token}", expect_errors=True).status_int == 404

    page = web.get("/settings/calendar")
    done = follow(submit(page, button=t(app, "Revoke")))
    assert t(app, "The feed is revoked: its address no longer works.") in flashes(done)
    assert fetch(app, url).status_int == 404
    assert t(app, "No feeds yet.") in text(done)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "CalendarFeed")
            .order_by(AuditEntry.seq)
        ).all()
        assert actions == ["insert", "update"]
        assert db.session.scalar(select(CalendarFeed.revoked_at)) is not None


def test_a_personal_feed_follows_its_owner_and_ends_with_the_account(app):
    make_event(app, DENPASAR, "Rapat Denpasar", partners=[PEMKOT])
    make_event(app, GIANYAR, "Sosialisasi Gianyar", partners=[DISNAKER])
    url = make_feed(app, signed_in(app, "staff"))
    found = vevents(parse(fetch(app, url)))
    assert "Rapat Denpasar" in found and "Sosialisasi Gianyar" not in found
    with app.app_context():
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.user.email == EMAILS["staff"] and feed.office_id is None
        db.session.get(User, feed.user_id).active = False
        db.session.commit()
    assert fetch(app, url).status_int == 404


def test_a_national_feed_holds_every_office_s_events(app):
    make_event(app, DENPASAR, "Rapat Denpasar")
    make_event(app, GIANYAR, "Sosialisasi Gianyar")
    found = vevents(parse(fetch(app, make_feed(app, signed_in(app, "auditor")))))
    assert {"Rapat Denpasar", "Sosialisasi Gianyar"} <= found.keys()


def test_who_makes_which_feed(app):
    staff = signed_in(app, "staff")
    form = find_form(staff.get("/settings/calendar"), button=t(app, "Create feed"))
    offered = set(options(form, "target"))
    assert t(app, "Office: %(name)s", name=DENPASAR) in offered
    assert t(app, "Office: %(name)s", name=GIANYAR) not in offered
    # another office's feed, by a hand-edited choice: refused on the field, nothing made
    page = staff.get("/settings/calendar")
    refused = submit_tampered(page, button=t(app, "Create feed"), target=office_id(app, GIANYAR))
    assert refused.status_int == 200 and refused.html.find("input", id="feed-url") is None
    # auditors and partner users: their own feed only
    for who in ("auditor", "auditor_office", "partner"):
        form = find_form(
            signed_in(app, who).get("/settings/calendar"), button=t(app, "Create feed")
        )
        assert list(options(form, "target")) == [t(app, "My calendar: the events I may see")]
    partner = signed_in(app, "partner")
    refused = submit_tampered(
        partner.get("/settings/calendar"),
        button=t(app, "Create feed"),
        target=office_id(app, DENPASAR),
    )
    assert refused.html.find("input", id="feed-url") is None
    admin = signed_in(app, "admin")
    form = find_form(admin.get("/settings/calendar"), button=t(app, "Create feed"))
    assert t(app, "Office: %(name)s", name=GIANYAR) in options(form, "target")
    with app.app_context():
        assert db.session.scalar(select(CalendarFeed.id)) is None


def test_an_office_feed_is_in_the_office_s_hands(app):
    url = make_feed(app, signed_in(app, "staff"), DENPASAR)
    with app.app_context():
        feed_id = db.session.scalar(select(CalendarFeed.id))
    # Gianyar's staff neither see it nor can revoke it (a hand-made request: no page offers it)
    other = signed_in(app, "staff_other")
    assert t(app, "No feeds yet.") in text(other.get("/settings/calendar"))
    client = hand_made(app, "staff_other")
    response = client.post(
        f"/settings/calendar/{feed_id}/revoke", data={"csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 404
    assert fetch(app, url).status_int == 200
    # the office's manager does
    manager = signed_in(app, "manager")
    done = follow(submit(manager.get("/settings/calendar"), button=t(app, "Revoke")))
    assert t(app, "The feed is revoked: its address no longer works.") in flashes(done)
    assert fetch(app, url).status_int == 404


# ---- partner users ---------------------------------------------------------------------------


def test_a_partner_s_user_sees_and_subscribes_to_its_partner_s_events_only(app):
    make_event(app, DENPASAR, "Rapat dengan Pemkot dan Sesetan", partners=[PEMKOT, SESETAN])
    make_event(app, DENPASAR, "Booth Sesetan saja", partners=[SESETAN])
    make_event(app, GIANYAR, "Sosialisasi Gianyar", partners=[DISNAKER])
    partner = signed_in(app, "partner")

    agenda = partner.get("/events/agenda")
    assert agenda.html.find("select", attrs={"name": "office"}) is None
    shown = text(agenda)
    assert "Rapat dengan Pemkot dan Sesetan" in shown
    assert "Booth Sesetan saja" not in shown and "Sosialisasi Gianyar" not in shown
    assert PEMKOT in shown and SESETAN not in shown  # the other partner stays unnamed
    month = text(partner.get("/events/calendar?month=2026-12"))
    assert "Rapat dengan Pemkot dan Sesetan" in month and "Booth Sesetan saja" not in month
    # an office in the query changes nothing for them
    assert "Booth Sesetan saja" not in text(
        partner.get(f"/events/agenda?office={office_id(app, DENPASAR)}")
    )

    found = vevents(parse(fetch(app, make_feed(app, partner))))
    assert set(found) == {"Rapat dengan Pemkot dan Sesetan"}
    description = str(found["Rapat dengan Pemkot dan Sesetan"]["description"])
    assert PEMKOT in description and SESETAN not in description


# ---- the month -------------------------------------------------------------------------------


def cell(page, day: date):
    """The grid's cell of `day` (its <time datetime>), as a person reads it."""
    tag = page.html.select_one(f"table.cal-grid time[datetime='{day.isoformat()}']")
    assert tag is not None, f"no cell for {day}"
    return tag.find_parent("td")


def cell_text(page, day: date) -> str:
    return " ".join(cell(page, day).get_text(" ").split())


def test_the_month_on_the_office_s_day(app):
    make_event(app, DENPASAR, "Rapat hari ini", starts=date(2026, 11, 30))
    web = signed_in(app, "staff")
    page = web.get("/events/calendar")
    heading = page.html.find("h2")
    assert " ".join(heading.get_text(" ").split()).startswith("November 2026")
    # weeks from Monday: 26 October to 6 December, with the days' names in Indonesian
    names = [th.find("abbr")["title"] for th in page.html.select("table.cal-grid thead th")]
    assert names == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    rows = page.html.select("table.cal-grid tbody tr")
    assert len(rows) == 6
    assert rows[0].find("time")["datetime"] == "2026-10-26"
    assert rows[-1].find_all("time")[-1]["datetime"] == "2026-12-06"
    today = cell(page, date(2026, 11, 30))
    assert "cal-today" in today["class"] and "Rapat hari ini" in today.get_text()
    assert "cal-outside" in cell(page, date(2026, 10, 26))["class"]
    # a month not a month is this month; the next one is a link away
    again = web.get("/events/calendar?month=2026-13")
    assert again.html.find("h2").get_text().strip().startswith("November 2026")
    december = page.click(description=re.compile("Desember 2026"))
    assert december.html.find("h2").get_text().strip().startswith("Desember 2026")


def december_events(app) -> None:
    """A three-day training (9-11 December), an event called off (14th) and one moved from the
    15th to the 22nd."""
    make_event(
        app,
        DENPASAR,
        "Pelatihan tiga hari",
        starts=date(2026, 12, 9),
        ends_on=date(2026, 12, 11),
        starts_time=time(8),
        ends_time=time(16),
    )
    called_off = make_event(app, DENPASAR, "Sosialisasi yang batal", starts=date(2026, 12, 14))
    change(app, called_off, services.cancel, reason="Gedung dipakai")
    moved = make_event(app, DENPASAR, "Sosialisasi yang ditunda", starts=date(2026, 12, 15))
    change(
        app,
        moved,
        services.postpone,
        starts_on=date(2026, 12, 22),
        starts_time=time(9),
        ends_on=date(2026, 12, 22),
        ends_time=time(11),
    )


def test_multi_day_cancelled_and_postponed_events_in_the_month(app):
    december_events(app)
    page = signed_in(app, "staff").get("/events/calendar?month=2026-12")
    for number, day in enumerate((9, 10, 11), start=1):
        shown = cell_text(page, date(2026, 12, day))
        assert "Pelatihan tiga hari" in shown
        assert t(app, "day %(n)s of %(total)s", n=number, total=3) in shown
    assert "08.00 WITA" in cell_text(page, date(2026, 12, 9))
    assert "08.00" not in cell_text(page, date(2026, 12, 10))  # the start is on the first day
    assert "Pelatihan tiga hari" not in cell_text(page, date(2026, 12, 12))
    # cancelled: struck through and labelled
    struck = cell(page, date(2026, 12, 14)).find("s")
    assert struck is not None and struck.get_text() == "Sosialisasi yang batal"
    assert t(app, "Cancelled") in cell_text(page, date(2026, 12, 14))
    # postponed: at the new date, saying so, and no longer at the first one
    assert "Sosialisasi yang ditunda" not in cell_text(page, date(2026, 12, 15))
    moved_to = cell_text(page, date(2026, 12, 22))
    assert "Sosialisasi yang ditunda" in moved_to and t(app, "Postponed") in moved_to
    assert t(app, "first planned for %(day)s", day="15 Des 2026") in moved_to
    # the phones' list: the same days, one after another
    listed = [" ".join(s.get_text(" ").split()) for s in page.html.select(".cal-list section")]
    assert [entry.split(" ")[0] for entry in listed] == [
        "Rabu,",
        "Kamis,",
        "Jumat,",
        "Senin,",
        "Selasa,",
    ]
    assert "Pelatihan tiga hari" in listed[0] and "Sosialisasi yang ditunda" in listed[-1]


def test_the_sesetan_booth_runs_its_five_days(app):
    make_event(
        app,
        DENPASAR,
        "Booth karnaval (uji)",
        kind="booth",
        starts=date(2017, 8, 13),
        ends_on=date(2017, 8, 17),
        all_day=True,
        starts_time=None,
        ends_time=None,
    )
    page = signed_in(app, "manager").get("/events/calendar?month=2017-08")
    days = [d for d in range(12, 19) if "Booth karnaval (uji)" in cell_text(page, date(2017, 8, d))]
    assert days == [13, 14, 15, 16, 17]


def test_each_office_its_own_calendar_and_the_country_for_national_roles(app):
    make_event(app, DENPASAR, "Rapat Denpasar")
    make_event(app, GIANYAR, "Sosialisasi Gianyar")
    staff = signed_in(app, "staff").get("/events/calendar?month=2026-12")
    assert "Rapat Denpasar" in text(staff) and "Sosialisasi Gianyar" not in text(staff)
    form = find_form(staff, field="office")
    assert set(options(form, "office")) == {DENPASAR}

    admin = signed_in(app, "admin")
    page = admin.get("/events/calendar?month=2026-12")
    assert "Rapat Denpasar" in text(page) and "Sosialisasi Gianyar" in text(page)
    form = find_form(page, field="office")
    choices = options(form, "office")
    assert choices[t(app, "Whole country")] == "" and GIANYAR in choices
    gianyar = follow(submit(page, field="office", office=choices[GIANYAR]))
    assert "Sosialisasi Gianyar" in text(gianyar) and "Rapat Denpasar" not in text(gianyar)
    assert "month=2026-12" in gianyar.request.url  # the month stays
    # the regional office's auditor: the region's offices, its own first
    auditor = signed_in(app, "auditor_office").get("/events/calendar?month=2026-12")
    offered = list(options(find_form(auditor, field="office"), "office"))
    assert offered[0].startswith("Kantor Wilayah Bali") and {DENPASAR, GIANYAR} <= set(offered)
    assert "Rapat Denpasar" in text(auditor) and "Sosialisasi Gianyar" in text(auditor)
    # an office not offered, typed into the address: refused
    client = hand_made(app, "staff")
    assert client.get(f"/events/calendar?office={office_id(app, GIANYAR)}").status_code == 403
    assert client.get("/events/calendar?office=").status_code == 403
    assert client.get("/events/agenda?office=x").status_code == 403


# ---- the agenda ------------------------------------------------------------------------------


def test_the_agenda_by_day_a_page_at_a_time(app):
    make_event(app, DENPASAR, "Rapat lalu", starts=date(2026, 11, 2))
    make_event(
        app,
        DENPASAR,
        "Pameran yang sedang berjalan",
        kind="booth",
        starts=date(2026, 11, 29),
        ends_on=date(2026, 12, 1),
        all_day=True,
        starts_time=None,
        ends_time=None,
    )
    for day, title in [
        (3, "Sosialisasi DPRD"),
        (3, "FGD kepala dinas"),
        (7, "Rapat koperasi"),
        (10, "Sosialisasi desa"),
        (14, "Monev triwulan"),
        (21, "Penandatanganan PKS"),
    ]:
        make_event(app, DENPASAR, title, starts=date(2026, 12, day))
    called_off = make_event(app, DENPASAR, "Sosialisasi yang batal", starts=date(2026, 12, 8))
    change(app, called_off, services.cancel, reason="Gedung dipakai")
    make_event(app, GIANYAR, "Sosialisasi Gianyar")

    web = signed_in(app, "staff")
    page = web.get("/events/calendar")
    agenda = page.click(description=t(app, "Agenda"), href="/events/agenda")
    headings = [" ".join(h.get_text(" ").split()) for h in agenda.html.select("main section h2")]
    assert headings == [
        "Minggu, 29 November 2026",
        "Kamis, 3 Desember 2026",
        "Senin, 7 Desember 2026",
        "Selasa, 8 Desember 2026",
    ]
    shown = text(agenda)
    assert "Rapat lalu" not in shown and "Sosialisasi Gianyar" not in shown
    assert shown.index("Pameran yang sedang berjalan") < shown.index("Sosialisasi DPRD")
    struck = agenda.html.find("s")
    assert struck is not None and struck.get_text() == "Sosialisasi yang batal"
    assert "09.00\u201311.00 WITA" in shown  # at the place, in its zone

    second = agenda.click(description=re.compile(t(app, "Next page")))
    shown = text(second)
    assert "Sosialisasi desa" in shown and "Penandatanganan PKS" in shown
    assert "Sosialisasi DPRD" not in shown
    headings = [" ".join(h.get_text(" ").split()) for h in second.html.select("main section h2")]
    assert headings == [
        "Kamis, 10 Desember 2026",
        "Senin, 14 Desember 2026",
        "Senin, 21 Desember 2026",
    ]
    # the office chosen stays on the next page
    assert f"office={office_id(app, DENPASAR)}" in second.request.url


def test_the_events_list_leads_to_the_month_and_the_agenda(app):
    web = signed_in(app, "staff")
    listing = web.get("/events")
    month = listing.click(description=t(app, "Month"), href="/events/calendar")
    assert month.status_int == 200
    agenda = listing.click(description=t(app, "Agenda"), href="/events/agenda")
    assert agenda.status_int == 200
    back = agenda.click(description=t(app, "List"), href="/events$")
    assert back.request.path == "/events"
    event_id = make_event(app, DENPASAR, "Rapat bulan depan", starts=date(2027, 1, 5))
    shown = web.get(f"/events/{event_id}")
    on_calendar = shown.click(description=t(app, "See it on the calendar"))
    assert "Rapat bulan depan" in cell_text(on_calendar, date(2027, 1, 5))


# ---- who reaches which route -----------------------------------------------------------------

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
# L: sent to sign in. Partner users' calendars ignore an office in the query; Gianyar's calendar
# is the regional auditor's and Gianyar's own, not Denpasar's staff's. The feed answers anyone
# holding its token; a revoke is done by the office's editors (302) and not even found by others.
ROUTES = {
    "events.calendar": ("GET /events/calendar", "L 200 200 200 200 200 200 200"),
    "events.calendar#office": (
        "GET /events/calendar?month=2026-12&office={gianyar}",
        "L 200 403 403 200 200 200 200",
    ),
    "events.agenda": ("GET /events/agenda", "L 200 200 200 200 200 200 200"),
    "events.agenda#office": (
        "GET /events/agenda?office={gianyar}",
        "L 200 403 403 200 200 200 200",
    ),
    "events.feeds": ("GET /settings/calendar", "L 200 200 200 200 200 200 200"),
    # nothing chosen: the page again, with the field to fill
    "events.feeds#post": ("POST /settings/calendar", "L 200 200 200 200 200 200 200"),
    "events.feed": ("GET /calendar/{token}.ics", "200 200 200 200 200 200 200 200"),
    "events.feed#wrong": ("GET /calendar/{wrong}.ics", "404 404 404 404 404 404 404 404"),
    "events.feed_revoke": (
        "POST /settings/calendar/{feed}/revoke",
        "L 302 302 302 404 404 404 404",
    ),
    "events.feed#revoked": ("GET /calendar/{token}.ics", "200 404 404 404 200 200 200 200"),
}


def test_every_calendar_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert set(calendar_routes.POLICY) <= endpoints
    assert {key.split("#")[0] for key in ROUTES} == set(calendar_routes.POLICY)


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(app, role):
    make_event(app, DENPASAR, "Rapat Denpasar", partners=[PEMKOT])
    url = make_feed(app, signed_in(app, "staff"), DENPASAR)
    with app.app_context():
        feed_id = db.session.scalar(select(CalendarFeed.id))
    ids = {
        "gianyar": office_id(app, GIANYAR),
        "token": feed_token(url),
        "wrong": "A" * 43,
        "feed": feed_id,
    }
    routes = [(endpoint, *row) for endpoint, row in ROUTES.items()]
    assert matrix_misses(app, role, ROLES.index(role), routes, ids) == []
