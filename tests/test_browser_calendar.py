"""The events' calendar in Chromium: the Denpasar staff go from the events list to the month
(a grid of weeks on a laptop, a list of days on a 390 px phone), the next month with a
three-day training, a cancelled and a postponed event, then the agenda, then make a feed on the
"Calendar" settings page and revoke it after confirming. Every page is checked with axe-core
(WCAG 2.1 AA) at desktop width, and again in full at phone width, where the layout changes."""

import re
from datetime import date

from tests.browser import DESKTOP, PHONE, axe_violations, check
from tests.test_calendar import DENPASAR, PEMKOT, december_events, make_event
from tests.web import ui_text


def phone_check(page, axe_source: str) -> None:
    """At 390 px: every WCAG rule, not only the narrow-screen ones (the month is a list here)."""
    page.set_viewport_size(PHONE)
    try:
        found = axe_violations(page, axe_source)
        assert not found, f"accessibility violations at 390px on {page.url}:\n" + "\n".join(found)
    finally:
        page.set_viewport_size(DESKTOP)


def test_month_agenda_and_feeds_in_the_browser(app, open_page, axe_source):
    def t(message: str, **values) -> str:
        return ui_text(app, message, **values)

    make_event(
        app, DENPASAR, "Rapat koordinasi hari ini", partners=[PEMKOT], starts=date(2026, 11, 30)
    )
    december_events(app)

    page = open_page("staff")
    page.goto("/events")
    page.locator("main").get_by_role("link", name=t("Month"), exact=True).click()
    page.wait_for_load_state()
    grid = page.locator("table.cal-grid")
    assert grid.is_visible()
    assert "Senin" in grid.locator("thead").inner_html()
    assert "Rapat koordinasi hari ini" in grid.locator("td.cal-today").inner_text()
    check(page, axe_source)
    page.set_viewport_size(PHONE)
    assert not grid.is_visible()
    days = page.locator(".cal-list section")
    assert days.count() == 1 and "Rapat koordinasi hari ini" in days.first.inner_text()
    page.set_viewport_size(DESKTOP)
    phone_check(page, axe_source)

    page.get_by_role("link", name=re.compile("Desember 2026")).click()
    page.wait_for_load_state()
    assert page.locator("td", has_text="Pelatihan tiga hari").count() == 3
    assert page.locator("table.cal-grid s", has_text="Sosialisasi yang batal").count() == 1
    check(page, axe_source)
    phone_check(page, axe_source)
    page.set_viewport_size(PHONE)
    listed = page.locator(".cal-list").inner_text()
    assert "Pelatihan tiga hari" in listed and "Sosialisasi yang ditunda" in listed
    page.set_viewport_size(DESKTOP)

    page.locator("main").get_by_role("link", name=t("Agenda"), exact=True).click()
    page.wait_for_load_state()
    assert page.locator("main h2").first.inner_text().startswith("Senin, 30 November 2026")
    check(page, axe_source)
    phone_check(page, axe_source)

    page.locator("main").get_by_role("link", name=t("Subscribe (iCalendar)")).click()
    page.wait_for_load_state()
    page.get_by_label(t("Events of")).select_option(label=t("Office: %(name)s", name=DENPASAR))
    page.get_by_role("button", name=t("Create feed")).click()
    page.wait_for_load_state()
    address = page.get_by_label(t("Feed address")).input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/[\w-]{43}\.ics", address)
    check(page, axe_source)
    feed = page.request.get(address)
    assert feed.status == 200 and "Pelatihan tiga hari" in feed.text()

    page.goto("/settings/calendar")
    assert address not in page.content()  # shown once only
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=t("Revoke")).click()
    page.wait_for_load_state()
    assert (
        t("The feed is revoked: its address no longer works.") in page.locator("main").inner_text()
    )
    check(page, axe_source)
    assert page.request.get(address).status == 404
