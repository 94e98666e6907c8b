"""The demo's events (issue 10, item 7) and what a partner user reads of them (item 6): the seed
stories' six events with their days, zones, statuses and links, recorded through the services
and audited as the rest of the demo; each partner user sees its own partner's events only,
read-only, from its menu and its portal; staff and partner walk the list and an event page in
Chromium at desktop and phone width with axe-core.

Every test database holds the demo (tests/conftest.py seeds it), so these read it as loaded."""

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select
from webtest import Upload

from partnerships.audit.models import AuditEntry
from partnerships.commitments.models import Commitment, FigureStatus, RealisationFigure
from partnerships.demo import events as demo
from partnerships.events import timing
from partnerships.events.models import Event, EventContribution, FollowUp, FollowUpStatus
from partnerships.extensions import db
from tests.browser import check
from tests.conftest import OFFICE_DAY
from tests.web import signed_in, submit, text, ui_text

WITA, WIB = "Asia/Makassar", "Asia/Jakarta"
DASH = timing.DASH  # an en dash between days and hours

# title: kind, status, office, first and last day, start and end at the place (None: all
# day), zone, audience, partners, agreements, commitments (by title), attendance, registrations
SEED = {
    demo.COORDINATION: (
        "coordination",
        "held",
        "Kantor Cabang Bali Denpasar",
        (date(2016, 3, 22), date(2016, 3, 22)),
        (time(9), time(12)),
        WITA,
        ["agency_heads"],
        ["Pemerintah Kota Denpasar"],
        [demo.DENPASAR_MOU],
        ["Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"],
        (30, None),
    ),
    demo.BOOTH: (
        "booth",
        "held",
        "Kantor Cabang Bali Denpasar",
        (date(2017, 8, 13), date(2017, 8, 17)),
        None,
        WITA,
        ["informal_workers", "public"],
        ["Kelurahan Sesetan"],
        [demo.SESETAN_PKS],
        [demo.SESETAN_TARGET],
        (1500, demo.BOOTH_REGISTRATIONS),
    ),
    demo.FGD: (
        "fgd",
        "held",
        "Kantor Cabang Bali Denpasar",
        (date(2019, 12, 20), date(2019, 12, 20)),
        (time(9), time(12)),
        WITA,
        ["agency_heads"],
        ["Dinas Koperasi dan UKM Kabupaten Tabanan", "Pemerintah Kabupaten Tabanan"],
        [demo.TABANAN_PKS],
        [
            "APBD 2020 untuk iuran JKK dan JKM 3.500 tenaga kerja non ASN",
            "Menerbitkan Peraturan Bupati tentang perlindungan tenaga kerja non ASN",
        ],
        (25, None),
    ),
    demo.COOPERATIVES: (
        "socialisation",
        "planned",
        "Kantor Cabang Bali Denpasar",
        (date(2020, 1, 21), date(2020, 1, 21)),
        (time(9), time(12)),
        WITA,
        ["cooperative_boards"],
        ["Dinas Koperasi dan UKM Kabupaten Tabanan"],
        [],
        [],
        (None, None),
    ),
    demo.DPRD: (
        "socialisation",
        "held",
        "Kantor Cabang Bali Gianyar",
        (date(2024, 7, 18), date(2024, 7, 18)),
        (time(10), time(12)),
        WITA,
        ["dprd"],
        ["DPRD Kabupaten Gianyar", "Dinas Tenaga Kerja Kabupaten Gianyar"],
        [demo.GIANYAR_PKS],
        [
            "Pekerja rentan terlindungi dari 6.400 menjadi 12.800",
            "Cakupan kepesertaan Kabupaten Gianyar dari 43% menjadi 50%",
        ],
        (40, None),
    ),
    demo.SIGNING: (
        "signing",
        "held",
        "Kantor Wilayah Kalimantan",
        (date(2017, 3, 14), date(2017, 3, 14)),
        (time(10), time(12)),
        WIB,  # Palangka Raya keeps WIB, though the Kanwil sits in Balikpapan (WITA)
        ["agency_heads"],
        [
            "BPJS Kesehatan Kantor Cabang Palangkaraya",
            "Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah",
        ],
        [demo.KALTENG_PKS],
        ["Cakupan kepesertaan Provinsi Kalimantan Tengah dari 25% menjadi 35%"],
        (50, None),
    ),
}
PARTNER_DENPASAR = "mitra.denpasar@kemitraan.test"  # Pemerintah Kota Denpasar
PARTNER_GIANYAR = "mitra.gianyar@kemitraan.test"  # Dinas Tenaga Kerja Kabupaten Gianyar


def t(app, message: str, **values) -> str:
    return ui_text(app, message, **values)


def ids(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Event.title, Event.id).where(Event.title.in_(SEED)))
        return dict(rows.all())


def titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select("tbody td a[href^='/events/']")]


# ---- the seed events ------------------------------------------------------------------------


def test_the_demo_holds_the_seed_events_with_their_days_zones_statuses_and_links(app):
    with app.app_context():
        events = {
            e.title: e for e in db.session.scalars(select(Event).where(Event.is_deleted.is_(False)))
        }
        assert set(events) == set(SEED)
        for title, expected in SEED.items():
            event = events[title]
            (kind, status, office, days, hours, zone, audience, partners, agreements,
             commitments, (attended, registered)) = expected  # fmt: skip
            start = timing.local(event.starts_at, event.timezone)
            end = timing.local(event.ends_at, event.timezone)
            got = (
                event.kind,
                event.status,
                event.office.name,
                (timing.first_day(event), timing.last_day(event)),
                None if event.all_day else (start.time(), end.time()),
                event.timezone,
                event.audience,
                [p.name for p in event.partners],
                [a.title for a in event.agreements],
                sorted(c.title for c in event.commitments),
                (event.actual_attendance, event.new_registrations),
            )
            want = (kind, status, office, days, hours, zone, sorted(audience), sorted(partners),
                    agreements, sorted(commitments), (attended, registered))  # fmt: skip
            assert got == want, title
            # what the stories say, not left empty
            assert event.summary and event.venue and event.region_code
            assert bool(event.minutes) == (status == "held")
        booth = events[demo.BOOTH]
        # 13 August 00:00 WITA to 18 August 00:00 WITA (exclusive), as instants in UTC
        assert booth.all_day
        assert booth.starts_at == datetime.fromisoformat("2017-08-12T16:00:00+00:00")
        assert booth.ends_at == datetime.fromisoformat("2017-08-17T16:00:00+00:00")
        assert booth.new_registrations < booth.actual_attendance
        signing = events[demo.SIGNING]
        assert signing.starts_at == datetime.fromisoformat("2017-03-14T03:00:00+00:00")  # 10 WIB
        assert timing.zone_label(signing.timezone) == "WIB"
        assert events[demo.DPRD].venue == "Gedung DPRD Kabupaten Gianyar"
        assert events[demo.BOOTH].venue == "Lapangan Pegok, Sesetan"
        assert events[demo.BOOTH].region_code == "51.71.01.1003"
        # recorded through the services: audited as the rest of the demo, by its loader,
        # each insert under the organising office and naming the staff member who acted
        for title, event in events.items():
            inserts = db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.object_type == "Event",
                    AuditEntry.object_id == str(event.id),
                    AuditEntry.action == "insert",
                )
            ).all()
            assert len(inserts) == 1, title
            assert inserts[0].actor_label == "test-seed"
            assert inserts[0].office_id == event.office_id
            assert event.created_by_id is not None


def test_the_demo_events_read_in_their_own_zone_on_their_pages(app):
    found = ids(app)
    staff = signed_in(app, "staff")  # Kantor Cabang Bali Denpasar
    listing = titles(staff.get("/events"))
    assert listing == [demo.COOPERATIVES, demo.FGD, demo.BOOTH, demo.COORDINATION]  # newest first
    booth = text(staff.get(f"/events/{found[demo.BOOTH]}"))
    assert f"13 Agu 2017 {DASH} 17 Agu 2017" in booth and "WITA" in booth
    assert "Lapangan Pegok, Sesetan" in booth and demo.SESETAN_TARGET in booth
    coordination = text(staff.get(f"/events/{found[demo.COORDINATION]}"))
    assert f"22 Mar 2016, 09.00{DASH}12.00 WITA" in coordination
    assert "87.000" in coordination  # the story's figures, in the minutes
    admin = signed_in(app, "admin")
    signing = text(admin.get(f"/events/{found[demo.SIGNING]}"))
    assert f"14 Mar 2017, 10.00{DASH}12.00 WIB" in signing
    # the cooperatives briefing is still planned: the office may record it held or move it
    planned = staff.get(f"/events/{found[demo.COOPERATIVES]}")
    hrefs = {a["href"] for a in planned.html.select("main a[href]")}
    assert f"/events/{found[demo.COOPERATIVES]}/held" in hrefs
    assert f"/events/{found[demo.COOPERATIVES]}/postpone" in hrefs
    gianyar = titles(signed_in(app, "staff_other").get("/events"))
    assert gianyar == [demo.DPRD]


# ---- what the events gave: registrations counted, follow-ups ------------------------------


def test_the_booth_s_registrations_count_towards_sesetan_s_target(app):
    with app.app_context():
        target = db.session.scalar(
            select(Commitment).where(Commitment.title == demo.SESETAN_TARGET)
        )
        [counted] = db.session.scalars(select(EventContribution)).all()
        assert (counted.event.title, counted.commitment_id, counted.registrations) == (
            demo.BOOTH,
            target.id,
            630,
        )
        figure = counted.figure
        # a level: June 2017's 1.240 plus the booth's 630, dated its last day, accepted
        assert (figure.period_end, figure.value, figure.status) == (
            date(2017, 8, 17),
            Decimal("1870.00"),
            FigureStatus.ACCEPTED,
        )
        assert figure.source == f"Kegiatan: {demo.BOOTH} (17 Agustus 2017)"
        levels = db.session.execute(
            select(RealisationFigure.period_end, RealisationFigure.value)
            .where(RealisationFigure.commitment_id == target.id)
            .order_by(RealisationFigure.period_end)
        ).all()
        assert [(day, int(value)) for day, value in levels] == [
            (date(2016, 12, 31), 650),
            (date(2017, 6, 30), 1240),
            (date(2017, 8, 17), 1870),  # the booth's; one figure in August, as the rule wants
            (date(2017, 12, 31), 2000),
        ]
        inserts = db.session.scalars(
            select(AuditEntry.actor_label).where(
                AuditEntry.object_type == "EventContribution", AuditEntry.action == "insert"
            )
        ).all()
        assert inserts == ["test-seed"]
        target_id = target.id
    staff = signed_in(app, "staff")
    page = staff.get(f"/commitments/{target_id}")
    assert page.html.select_one(f"a[href='/events/{ids(app)[demo.BOOTH]}']") is not None
    booth = staff.get(f"/events/{ids(app)[demo.BOOTH]}")
    assert demo.SESETAN_TARGET in booth.html.select_one("#outcomes").parent.get_text()


def test_the_demo_follow_ups_one_overdue_for_staff_one_on_a_partner_s_side(app):
    with app.app_context():
        rows = db.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
        assert len(rows) == 4
        done = [f for f in rows if f.status == FollowUpStatus.DONE]
        open_ = [f for f in rows if f.status == FollowUpStatus.OPEN]
        assert {f.event.title for f in done} == {demo.COORDINATION, demo.FGD}
        assert all(f.done_note for f in done)
        [overdue] = [f for f in open_ if f.assignee_user_id is not None]
        assert overdue.assignee.email == "staf.denpasar@kemitraan.test"
        assert overdue.due_on < OFFICE_DAY  # on the demo's (and the tests') day
        [partners] = [f for f in open_ if f.partner_id is not None]
        assert partners.partner.name == "Dinas Tenaga Kerja Kabupaten Gianyar"
        assert partners.agreement.title == demo.GIANYAR_PKS
        assert partners.due_on >= OFFICE_DAY
        overdue_text, partner_text = overdue.description, partners.description
        city_text = next(f.description for f in done if f.partner_id is not None)
    # waiting for the Denpasar staff member; not the city's to see
    waiting = signed_in(app, "staff").get("/waiting")
    assert overdue_text[:40] in text(waiting)
    city = signed_in(app, PARTNER_DENPASAR)
    assert overdue_text[:40] not in text(city.get("/follow-ups"))
    # the city's side of the 2016 meeting, on the event page it reads
    coordination = city.get(f"/events/{ids(app)[demo.COORDINATION]}")
    assert city_text in text(coordination)
    # Disnaker Gianyar's own, in its list of follow-ups
    assert partner_text[:40] in text(signed_in(app, PARTNER_GIANYAR).get("/follow-ups"))


# ---- what a partner user reads --------------------------------------------------------------


def test_a_partner_user_sees_its_partner_s_events_and_not_others(app):
    found = ids(app)
    city = signed_in(app, PARTNER_DENPASAR)
    assert titles(city.get("/events")) == [demo.COORDINATION]
    disnaker = signed_in(app, PARTNER_GIANYAR)
    assert titles(disnaker.get("/events")) == [demo.DPRD]
    for title, event_id in found.items():
        for web, own in ((city, demo.COORDINATION), (disnaker, demo.DPRD)):
            status = web.get(f"/events/{event_id}", expect_errors=True).status_int
            assert status == (200 if title == own else 404), (title, status)
    # another partner's search or filter finds nothing of the others either
    assert titles(city.get("/events?q=Sesetan")) == []
    assert titles(disnaker.get("/events?year=2017")) == []


def test_a_partner_user_reads_its_event_without_the_office_s_actions(app):
    event_id = ids(app)[demo.DPRD]
    web = signed_in(app, PARTNER_GIANYAR)
    page = web.get(f"/events/{event_id}")
    body = text(page)
    # why it sees it, and that it only reads it
    note = page.html.select_one("#partner-view")
    assert note is not None and "Dinas Tenaga Kerja Kabupaten Gianyar" in note.get_text()
    # the minutes: the partner took part, it reads them
    assert "per 30 Juni 2024 telah mencapai 43%" in body
    # among the partners: its own, not the DPRD (another partner)
    side = [a.get_text(strip=True) for a in page.html.select("main a[href^='/partners/']")]
    assert side == ["Dinas Tenaga Kerja Kabupaten Gianyar"]
    # no action of the office: no change, link, status, delete, history
    hrefs = {a["href"] for a in page.html.select("main a[href]")}
    for action in ("edit", "links", "held", "postpone", "cancel"):
        assert f"/events/{event_id}/{action}" not in hrefs
    assert not any(h.startswith("/audit") for h in hrefs)
    assert not [f for f in page.forms.values() if "/events/" in (f.action or "")]
    assert web.get(f"/events/{event_id}/edit", expect_errors=True).status_int == 403
    # staff of the office read the same page with its actions and no partner note
    staff = signed_in(app, "staff_other").get(f"/events/{event_id}")
    assert staff.html.select_one("#partner-view") is None
    staff_hrefs = {a["href"] for a in staff.html.select("main a[href]")}
    assert f"/events/{event_id}/edit" in staff_hrefs
    assert "DPRD Kabupaten Gianyar" in text(staff)


def test_a_partner_user_gets_the_photos_not_the_attendance_list(app):
    from tests.test_event_outcomes import jpeg

    event_id = ids(app)[demo.DPRD]
    staff = signed_in(app, "staff_other")  # the Gianyar branch organised it
    for kind, name, content in (
        ("attendance_list", "daftar hadir.pdf", b"%PDF-1.4\n%%EOF\n"),
        ("photo", "sosialisasi.jpg", jpeg()),
    ):
        page = staff.get(f"/events/{event_id}")
        submit(
            page,
            action=f"/events/{event_id}/attachments",
            kind=kind,
            upload=("file", Upload(name, content)),
        )
    staff_page = staff.get(f"/events/{event_id}")
    links = {
        a.get_text(strip=True): a["href"] for a in staff_page.html.select("#attachments ~ ul a")
    }
    assert "daftar hadir.pdf" in links
    assert staff_page.html.select(".event-gallery img")
    partner = signed_in(app, PARTNER_GIANYAR)
    page = partner.get(f"/events/{event_id}")
    assert page.html.select(".event-gallery img")  # the photo, yes
    assert "daftar hadir.pdf" not in text(page)
    assert partner.get(links["daftar hadir.pdf"], expect_errors=True).status_int == 404
    assert staff.get(links["daftar hadir.pdf"]).status_int == 200


def test_a_partner_user_reaches_its_events_from_the_menu_and_the_portal(app):
    web = signed_in(app, PARTNER_DENPASAR)
    home = web.get("/")
    menu = home.html.find("nav").find("a", href="/events")
    assert menu is not None and menu.get_text(strip=True) == t(app, "Events")  # "Kegiatan"
    portal = web.get("/portal")
    link = portal.html.select_one("#portal-events")
    assert link is not None and link["href"] == "/events"
    assert link.get_text(strip=True) == t(app, "Our events")
    assert titles(web.get(link["href"])) == [demo.COORDINATION]
    # and the follow-ups that fall to its side: the 2016 coordination's, done
    follow_ups = web.get(portal.html.select_one("#portal-follow-ups")["href"] + "&status=all")
    found = [
        a.get_text(strip=True) for a in follow_ups.html.select(".follow-up-row td:first-child a")
    ]
    assert len(found) == 1 and found[0].startswith("Menyampaikan data tenaga kerja non PNS")


# ---- in the browser -------------------------------------------------------------------------


def test_partner_and_staff_walk_the_events_in_the_browser(app, open_page, axe_source):
    found = ids(app)
    partner = open_page(PARTNER_GIANYAR)
    partner.goto("/portal")
    check(partner, axe_source)
    partner.locator("#portal-events").click()
    partner.wait_for_load_state()
    assert partner.url.endswith("/events")
    rows = partner.locator("tbody tr")
    assert rows.count() == 1 and demo.DPRD in rows.first.inner_text()
    check(partner, axe_source)  # 1366 px, then 390 px
    partner.get_by_role("link", name=demo.DPRD).click()
    partner.wait_for_load_state()
    assert partner.url.endswith(f"/events/{found[demo.DPRD]}")
    assert partner.locator("#partner-view").is_visible()
    assert partner.locator(f"main a[href='/events/{found[demo.DPRD]}/edit']").count() == 0
    check(partner, axe_source)

    staff = open_page("staff")
    staff.locator("nav a[href='/events']").click()
    staff.wait_for_load_state()
    assert staff.locator("tbody tr").count() == 4
    check(staff, axe_source)
    staff.get_by_role("link", name=demo.BOOTH).click()
    staff.wait_for_load_state()
    assert "Lapangan Pegok" in staff.locator("main").inner_text()
    assert staff.locator("#partner-view").count() == 0
    check(staff, axe_source)
    staff.set_viewport_size({"width": 390, "height": 844})  # the phone's menu, folded
    staff.goto(f"/events/{found[demo.FGD]}")
    assert demo.FGD in staff.locator("h1").inner_text()
    check(staff, axe_source)
