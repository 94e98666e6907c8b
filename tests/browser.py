"""Browser test helpers: the app served on a real port, Debian's Chromium driven by Playwright
(never a downloaded browser), one browser context per person, and `check(page)` which every
journey calls on every page it visits: axe-core finds no WCAG 2.1 AA violation and, at 390 px,
the page does not scroll sideways.

On a failure the screenshot and HTML of every open page are kept under `test-output/`.
Without Chromium or axe-core the browser tests skip, except in CI (`CI=true`), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import EMAILS, PASSWORD

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "test-output"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE_RULES = ["scrollable-region-focusable", "meta-viewport", "label", "button-name"]


def _missing(what: str) -> None:
    """Skip on a developer's machine; fail in CI, where a skipped browser test hides a gap."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing in CI", pytrace=False)
    pytest.skip(f"{what} is missing")


@pytest.fixture
def server(app):
    """The app under test on a free local port (threaded, like a real server)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium_process(playwright_driver):
    """One Chromium per test process (per xdist worker): launching it costs about a second,
    and each test still gets fresh contexts (own cookies, storage, cache) from `open_page`."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def chromium(request):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        _missing(f"Chromium ({CHROMIUM}; apt-get install chromium)")
    browser = request.getfixturevalue("chromium_process")
    yield browser
    # A test that leaves a context open must not hand its pages to the next test.
    for context in browser.contexts:
        context.close()


@pytest.fixture
def open_page(request, chromium, server):
    """`open_page()` gives a fresh browser (own cookies) at desktop size; `open_page(who)` one
    logged in through the login form as `who` (a conftest role key or an e-mail)."""
    pages = request.node.browser_pages = []
    contexts = []

    def _open(who: str | None = None):
        context = chromium.new_context(base_url=server, locale="id-ID", viewport=DESKTOP)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        pages.append((who or "anonymous", page))
        if who:
            login(page, EMAILS.get(who, who))
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        _missing(f"axe-core ({AXE}; run `npm ci`)")
    return AXE.read_text(encoding="utf-8")


def login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/$"))


SETTLED = """() => Promise.all(document.getAnimations()
  .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
  .map((a) => a.finished.catch(() => null)))"""


def axe_violations(page, axe_source: str, rules: list[str] | None = None) -> list[str]:
    """What axe-core finds wrong on the page as it is now: the WCAG 2.0/2.1 A and AA rules, or
    only `rules`."""
    # A click on a link returns once the new document commits, possibly before its stylesheets
    # apply: the navbar's green comes from app.css, and white buttons on a not-yet-green bar read
    # as no contrast at all. A person sees the page once it has loaded; so does axe.
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script> tag: the app's Content-Security-Policy refuses
        # inline scripts (and says so in the console), while evaluation from the test is not
        # subject to it. So axe runs on the page exactly as the policy leaves it.
        page.evaluate(axe_source + "\n;undefined")
    # Colours are measured as they end up, not halfway through a transition (a button still
    # fading into its hover colour right after a click reads as too little contrast).
    page.evaluate(SETTLED)
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
    result = page.evaluate("only => axe.run(document, {runOnly: only})", only)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:8])
        for v in result["violations"]
    ]


TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def overflow(page) -> int:
    """How many pixels the document is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def check(page, axe_source: str) -> None:
    """Every page a journey visits: accessible (axe), and usable on a phone without sideways
    scrolling. The viewport goes back to desktop size afterwards."""
    found = axe_violations(page, axe_source)
    assert not found, f"accessibility violations on {page.url}:\n" + "\n".join(found)
    wider = overflow(page)
    assert wider <= 0, f"{page.url} scrolls sideways by {wider}px at desktop width"
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        # app.js marks scrolling tables focusable on `resize`, which fires with the next frame:
        # a person cannot press Tab sooner, so wait for two frames before looking.
        page.evaluate(TWO_FRAMES)
        wider = overflow(page)
        assert wider <= 0, f"{page.url} scrolls sideways by {wider}px at 390px wide"
        # What only a narrow screen shows: tables scrolling in their box must take the focus.
        found = axe_violations(page, axe_source, PHONE_RULES)
        assert not found, f"accessibility violations at 390px on {page.url}:\n" + "\n".join(found)
    finally:
        page.set_viewport_size(size)


def keep_evidence(item) -> Path | None:
    """Screenshot and HTML of every page the failed test had open; returns the folder."""
    pages = getattr(item, "browser_pages", None)
    if not pages:
        return None
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", item.nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    for index, (who, page) in enumerate(pages):
        if page.is_closed():
            continue
        stem = f"{index}-" + re.sub(r"[^\w.-]+", "_", who)
        try:
            page.screenshot(path=str(folder / f"{stem}.png"), full_page=True)
            (folder / f"{stem}.html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # evidence is best effort; the test's own failure stands
            (folder / f"{stem}.error.txt").write_text(repr(error), encoding="utf-8")
    return folder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, keep its pages and name the folder in the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        folder = keep_evidence(item)
        if folder:
            report.sections.append(("browser evidence", f"screenshots and HTML in {folder}"))
