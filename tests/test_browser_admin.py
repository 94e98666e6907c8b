"""The administrator's pages in Chromium: the longest menu and the widest tables. Each page is
reached by clicking from the one before (the menu, then the first row), and checked at 1366 and
390 px (axe-core, no sideways scrolling): two layout faults once showed only for this role."""

import pytest

from tests.browser import check

# The menu entry's address, and whether to open the first row the page lists.
WALK = [
    ("/agreements", True),
    ("/agreements/expiring", False),
    ("/commitments", True),
    ("/partners", True),
    ("/officials", False),
    ("/offices", True),
    ("/regions", False),
    ("/audit", False),
    ("/clauses", False),
    ("/numbering", False),
    ("/admin/users", False),
]


@pytest.mark.parametrize(("menu", "open_first"), WALK, ids=[m for m, _ in WALK])
def test_every_admin_page_fits_and_passes_axe(open_page, axe_source, menu, open_first):
    page = open_page("admin")
    page.goto("/")
    if menu == WALK[0][0]:  # the dashboard, where every walk starts: checked once
        check(page, axe_source)
    page.locator(f"nav a[href='{menu}']").click()
    page.wait_for_load_state()
    check(page, axe_source)
    if open_first:
        page.locator("main tbody tr a").first.click()
        page.wait_for_load_state()
        check(page, axe_source)
