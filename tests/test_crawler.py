"""A form crawler: signed in as each demo role, visit every page reachable by links from `/`
(a few URLs per endpoint, so paging through 91,599 regions stays bounded), then submit every
form found there once, as rendered, filling only the visible required fields a person would
fill. A page or button added tomorrow is walked the day it appears.

Passing means: no 5xx and no traceback anywhere; every link a person sees opens (200); every
form a person sees is taken as a well-formed submission (no 400, no 403 for a button the page
offered); no "required" error about a field the person never saw (a hidden input), nor a
flashed "Kolom ini wajib diisi" when every visible required field was filled; a refusal names
a field or says why, and a form is not refused outright (the page should not have offered it).
When the page flags fields, they are filled and the form is sent once more, as a person would.

`CRAWLER_LOG=1 pytest -s tests/test_crawler.py` prints every page and submission.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pytest
from webtest.forms import Checkbox, File, Form, Hidden, MultipleSelect, Radio, Select, Upload
from webtest.response import TestResponse
from werkzeug.exceptions import HTTPException

from tests.conftest import OFFICE_DAY
from tests.web import flashes, follow, forms, signed_in

ROLES = ["admin", "staff", "manager", "partner", "auditor", "auditor_office"]
MAX_PAGES = 150  # per role
PER_ENDPOINT = 5  # pages of one endpoint that showed nothing new before it is left alone
PER_SHAPE = 2  # the same, per endpoint and query shape (which parameters are set)
LAST = ("core.set_language", "auth.logout")  # they end the walk, in this order
PHRASE = "Kerja sama perlindungan pekerja desa"
DATE = OFFICE_DAY.isoformat()  # the tests' fixed office day
HINTS = {  # fields whose plausible value has a shape a phrase does not fit
    "region_code": "51.71",
    "served_codes": "51.71",
    "pattern": "{seq:03d}/KS/{month_roman}/{year}",
}
# The smallest PDF a reader opens: one empty page.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TEXTUAL = ("text", "search", "email", "number", "date", "password", "tel", "url")
# Problems this walk finds that are being fixed elsewhere: (endpoint, reason). Such a problem
# turns the test into an expected failure; any other problem fails it.
KNOWN = {
    "agreements.edit": "issue 6 item 4: the details editor opens on a text in review "
    "and refuses the save (fixed on branch drafting: text_lock_reason)",
    "agreements.articles": "issue 6 item 4: the articles editor opens on a text in review "
    "and refuses the save (fixed on branch drafting: text_lock_reason)",
}
REQUIRED_WORDS = ("wajib diisi", "this field is required")
TRACEBACK = "Traceback (most recent call last)"


@dataclass
class Found:
    """A form seen on a page: where it was, and what identifies it there."""

    page_url: str
    endpoint: str
    key: tuple
    label: str
    button: int  # which of the form's submit buttons is pressed
    confirm: bool  # the page asks "are you sure?" first: it deletes or ends something

    def order(self, seen: int) -> tuple[int, int]:
        """Everything else first; then what removes things, the most recently found first
        (an official before its partner); then the language switch; logout last."""
        if self.endpoint in LAST:
            return (3 + LAST.index(self.endpoint), 0)
        return (2, -seen) if self.confirm else (1, seen)


@dataclass
class Walk:
    app: object
    role: str
    problems: list[str] = field(default_factory=list)
    known: set[str] = field(default_factory=set)
    pages: int = 0
    submitted: int = 0
    log: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.web = signed_in(self.app, self.role)
        self.adapter = self.app.url_map.bind("localhost")

    def endpoint(self, url: str, method: str = "GET") -> tuple[str, tuple] | None:
        parts = urlsplit(url)
        try:
            endpoint, args = self.adapter.match(parts.path, method=method)
        except HTTPException:
            return None
        query = tuple(sorted({k for k, _, v in _pairs(parts.query) if v}))
        return endpoint, (tuple(sorted(args)), query)

    def check(self, what: str, response: TestResponse, allowed: tuple[int, ...]) -> None:
        if response.status_int not in allowed:
            self.problems.append(f"{what}: {response.status}")
        if TRACEBACK.encode() in response.body:
            self.problems.append(f"{what}: traceback in the body")

    # -- links ---------------------------------------------------------------------------------

    def crawl(self) -> list[Found]:
        """Breadth first from `/`. An endpoint stops being visited after PER_ENDPOINT pages
        that showed nothing new (no form or link target not seen before), so the agreement
        pages are walked in each state while the regions are not paged through."""
        home = self.endpoint("/")
        queue: list[tuple[str, str, tuple]] = [("/", home[0], home)]
        seen_urls = {"/"}
        dull: dict[str, int] = {}
        dull_shape: dict[tuple, int] = {}
        targets: set[str] = {home[0]}
        found: dict[tuple, Found] = {}
        while queue and self.pages < MAX_PAGES:
            url, endpoint, shape = queue.pop(0)
            if dull.get(endpoint, 0) >= PER_ENDPOINT or dull_shape.get(shape, 0) >= PER_SHAPE:
                continue
            response = self.web.get(url, expect_errors=True)
            self.pages += 1
            self.log.append(url)
            self.check(f"GET {url}", response, (200,))
            if response.status_int != 200 or "html" not in response.content_type:
                continue
            new = False
            for form in forms(response):
                for seen in self.describe(response, form):
                    if seen.key not in found:
                        found[seen.key], new = seen, True
            for link in response.html.find_all("a", href=True):
                parts = urlsplit(urljoin(url, link["href"]))
                if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target in seen_urls or parts.path.startswith("/static/"):
                    continue
                seen_urls.add(target)
                matched = self.endpoint(target)
                if matched is None:
                    self.problems.append(f"{url} links to {target}, which is no page")
                    continue
                if matched[0] not in targets:
                    targets.add(matched[0])
                    new = True
                queue.append((target, matched[0], matched))
            if not new:
                dull[endpoint] = dull.get(endpoint, 0) + 1
                dull_shape[shape] = dull_shape.get(shape, 0) + 1
        return [f for _i, f in sorted(enumerate(found.values()), key=lambda p: p[1].order(p[0]))]

    # -- forms ---------------------------------------------------------------------------------

    def describe(self, page: TestResponse, form: Form) -> list[Found]:
        """The form once per submit button (each button is a thing a person can press)."""
        action = form.action or page.request.path_qs
        method = (form.method or "GET").upper()
        matched = self.endpoint(urljoin(page.request.path_qs, action), method)
        if matched is None:
            self.problems.append(f"a form on {page.request.path_qs} posts to {action}: no page")
            return []
        endpoint = matched[0]
        buttons = _buttons(form)
        texts = [f for f in form.html.find_all("input") if f.get("type", "text") in TEXTUAL]
        if not buttons and len(texts) != 1:
            return []  # no button, and Enter submits a form only from its single text field
        fields = tuple(sorted(n for n in form.fields if n))
        url, confirm = page.request.path_qs, form.html.has_attr("data-confirm")
        if endpoint in LAST:  # found again after the language switch renamed its button
            return [Found(url, endpoint, (endpoint,), buttons[0], 0, confirm)]
        return [
            Found(url, endpoint, (endpoint, method, label, fields), label, index, confirm)
            for index, label in enumerate(buttons or [""])
        ]

    def submit_all(self, found: list[Found]) -> None:
        for seen in found:
            page = self.web.get(seen.page_url, expect_errors=True)
            matching = self.matching(page, seen) if page.status_int == 200 else []
            if not matching:
                # An earlier submission removed the row, or moved the agreement on.
                self.log.append(f"  {seen.endpoint} [{seen.label}] from {seen.page_url}: gone")
                continue
            shown = self.submit(page, matching[0], seen)
            self.log.append(f"  {seen.endpoint} [{seen.label}] from {seen.page_url}: {shown}")

    def matching(self, page: TestResponse, seen: Found) -> list[Form]:
        return [f for f in forms(page) if any(d.key == seen.key for d in self.describe(page, f))]

    def submit(self, page: TestResponse, form: Form, seen: Found) -> str:
        what = f"{form.method.upper()} {form.action} [{seen.label}] from {seen.page_url}"
        hidden = {
            name
            for name, fields in form.fields.items()
            if all(isinstance(f, Hidden) for f in fields)
        }
        _fill(form)
        response = form.submit(*_pressed(form, seen.button), expect_errors=True)
        self.submitted += 1
        again = self.retry(response, seen) if response.status_int == 200 else None
        if again is not None:  # the page named fields to fix: fix them once, as a person would
            self.inspect(what, response, hidden, seen.endpoint)
            what, response = f"{what} (fixed)", again
        if seen.endpoint == "auth.logout":
            self.check(what, response, (302,))
            return response.status
        return self.inspect(what, response, hidden, seen.endpoint)

    def retry(self, response: TestResponse, seen: Found) -> TestResponse | None:
        if "html" not in response.content_type:
            return None
        flagged = frozenset(
            field.get("name")
            for error in response.html.select(".invalid-feedback")
            for field in (error.find_parent(class_="mb-3") or error.parent).find_all(
                ["input", "select", "textarea"]
            )
        )
        again = self.matching(response, seen)
        if not flagged or not again or not _fill(again[0], flagged):
            return None
        return again[0].submit(*_pressed(again[0], seen.button), expect_errors=True)

    def inspect(self, what: str, response: TestResponse, hidden: set[str], endpoint: str) -> str:
        self.check(what, response, (200, 302, 303))
        shown = follow(response) if response.status_int in (302, 303) else response
        if shown is not response:
            self.check(f"{what} → {shown.request.path_qs}", shown, (200,))
        if "html" not in shown.content_type:
            return shown.status
        for message in flashes(shown):
            if _required(message):
                self.problems.append(f"{what}: flashed {message!r} with every visible field filled")
            if "CSRF" in message:
                self.problems.append(f"{what}: flashed {message!r}")
        for error in shown.html.select(".invalid-feedback"):
            box = error.find_parent(class_="mb-3") or error.parent
            inputs = box.find_all(["input", "select", "textarea"])
            names = {i.get("name") for i in inputs}
            if _required(error.get_text()) and (
                not inputs or names & hidden or all(i.get("type") == "hidden" for i in inputs)
            ):
                self.problems.append(f"{what}: {error.get_text(strip=True)!r} on hidden {names}")
        errors = [e.get_text(strip=True) for e in shown.html.select(".invalid-feedback")]
        said = errors or flashes(shown)
        if response.status_int == 200 and what.startswith("POST") and not said:
            # The same page again, and nothing says why.
            self.problems.append(f"{what}: answered with the page again and no message")
        refused = [a.get_text(" ", strip=True) for a in shown.html.select(".alert-danger")]
        if refused and not errors and what.startswith("POST"):
            # Refused outright, no field to fix: the page should not have offered the form.
            if endpoint in KNOWN:
                self.known.add(endpoint)
            else:
                self.problems.append(f"{what}: refused with {refused}")
        return f"{response.status_int} {shown.request.path_qs} {flashes(shown)} {errors}"


def _pairs(query: str):
    for part in query.split("&"):
        if part:
            name, sep, value = part.partition("=")
            yield name, sep, value


def _submits(form: Form) -> list:
    return [
        tag
        for tag in form.html.find_all(["button", "input"])
        if (tag.name == "button" and tag.get("type", "submit") == "submit")
        or (tag.name == "input" and tag.get("type") in ("submit", "image"))
    ]


def _buttons(form: Form) -> list[str]:
    return [
        tag.get_text(" ", strip=True) if tag.name == "button" else tag.get("value", "")
        for tag in _submits(form)
    ]


def _pressed(form: Form, index: int) -> tuple:
    """The button's name and value, sent as a browser sends the button pressed."""
    buttons = _submits(form)
    if not buttons or not buttons[index].get("name"):
        return ()
    button = buttons[index]
    return (button["name"], None, button.get("value", ""))


def _required(message: str) -> bool:
    return any(word in message.lower() for word in REQUIRED_WORDS)


def _fill(form: Form, also: frozenset[str] = frozenset()) -> bool:
    """Fill the visible fields a person must fill: those marked required and empty, and those
    named in `also` (the ones the page flagged after a first try). True if anything changed."""
    changed = False
    for name, fields in form.fields.items():
        for box in fields:
            if name is None or isinstance(box, Hidden):
                continue
            flagged = name in also
            if not flagged and "required" not in box.attrs:
                continue
            before = box.value
            if isinstance(box, File):
                form.set(name, Upload("kesepakatan.pdf", PDF, "application/pdf"))
                changed = True
                continue
            if isinstance(box, Checkbox):
                box.checked = True
            elif isinstance(box, MultipleSelect):
                if not box.value:
                    box.value = [next(v for v, _s, _t in box.options if v)]
            elif isinstance(box, Select | Radio):
                if not box.value or flagged:
                    box.value = next(v for v, _s, _t in box.options if v)
            elif not box.value or flagged:
                box.value = HINTS.get(name) or _typed(box.attrs.get("type", "text"))
            changed = changed or box.value != before
    return changed


def _typed(kind: str) -> str:
    return {
        "date": DATE,
        "time": "09:00",
        "number": "1",
        "email": "uji.kemitraan@contoh.go.id",
        "password": "kata-sandi-uji-2026",
        "url": "https://contoh.go.id",
        "tel": "0361234567",
    }.get(kind, PHRASE)


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_form_as(app, role):
    started = time.monotonic()
    walk = Walk(app, role)
    found = walk.crawl()
    walk.submit_all(found)
    took = time.monotonic() - started
    print(f"{role}: {walk.pages} pages, {walk.submitted} forms in {took:.1f} s")
    if os.environ.get("CRAWLER_LOG"):
        print("\n".join(walk.log))
    assert walk.pages > 3
    assert walk.problems == []
    if walk.known:
        pytest.xfail("; ".join(KNOWN[endpoint] for endpoint in sorted(walk.known)))
