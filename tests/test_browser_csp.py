"""The app's own JavaScript and styles work under its Content-Security-Policy in a real
Chromium, with the policy enforced (no bypass): Bootstrap's menus, the confirmations, the
partner filter and the region suggestions (app.js), the icons drawn as data: images. The
browser reports no refusal, neither in the console nor as a `securitypolicyviolation` event."""

import pytest

from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.browser import PHONE

# Collects the browser's own reports of refused content, from before any page script runs.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(open_page):
    """Staff's browser, with every console message about the policy and every violation kept."""
    page = open_page("staff")
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.context.add_init_script(LISTEN)
    page.console_reports = console
    return page


def reported(page) -> list[str]:
    return page.console_reports + page.evaluate("() => window.__violations || []")


def test_the_apps_scripts_run_under_the_policy(watched, app):
    page = watched
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    # Bootstrap: the user menu opens.
    page.locator("nav .dropdown-toggle").click()
    assert page.get_by_role("button", name="Keluar").is_visible()
    assert reported(page) == []

    # app.js: the filter box narrows the long list of partners.
    page.goto("/agreements/new?kind=pks")
    page.fill("input[data-filter-list]", "tabanan")
    assert page.get_by_label("Kejaksaan Negeri Denpasar", exact=True).is_hidden()
    assert page.get_by_label("Pemerintah Kabupaten Tabanan", exact=True).is_visible()
    assert reported(page) == []

    # app.js: the region input suggests regions fetched from the app (connect-src).
    page.goto("/partners/new")
    page.locator("input[data-region-lookup]").press_sequentially("Denpasar")
    options = page.locator("datalist option")
    options.first.wait_for(state="attached")
    assert "DENPASAR" in " ".join(options.all_text_contents()).upper()
    assert reported(page) == []

    # app.js: a destructive action asks first; dismissing it changes nothing.
    with app.app_context():
        partner_id = db.session.scalar(
            db.select(Partner.id).where(Partner.name == "Desa Ubung Kaja")
        )
    page.goto(f"/partners/{partner_id}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-confirm] button").first.click()
    page.wait_for_timeout(300)
    assert asked and page.url.endswith(f"/partners/{partner_id}")
    assert reported(page) == []

    # On a phone the menu folds behind the toggler (Bootstrap collapse, data: SVG icon).
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.locator(".navbar-toggler").click()
    page.locator("#nav.show").wait_for()
    assert page.get_by_role("link", name="Perjanjian", exact=True).first.is_visible()
    assert reported(page) == []


def test_the_policy_is_enforced_and_its_refusals_are_heard(watched):
    """The control for the test above: an injected inline handler does not run, and the
    listeners hear the refusal (so their silence above means something)."""
    page = watched
    page.goto("/")
    page.evaluate(
        """() => document.body.insertAdjacentHTML(
             'beforeend', '<img alt="" src="/no-such.png" onerror="window.__ran = 1">')"""
    )
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in reported(page))
