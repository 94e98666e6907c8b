"""Finding the pages and forms a person meets: signed in as one demo role, every page reachable
by links from `/` (a few URLs per endpoint, so paging through 91,599 regions stays bounded), and
on them every form, once per submit button. `tests/test_crawler.py` submits each form once as a
person would; `tests/test_fuzz_forms.py` submits each with hostile values.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from webtest.forms import Checkbox, File, Form, Hidden, MultipleSelect, Radio, Select, Upload
from webtest.response import TestResponse
from werkzeug.exceptions import HTTPException

from tests.conftest import OFFICE_DAY, WORKER
from tests.web import forms, signed_in

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
class Crawl:
    """A browser signed in as `role`; `crawl()` returns the forms found, in the order they can
    be submitted (what removes things last); `problems` collects what was wrong on the way."""

    app: object
    role: str
    problems: list[str] = field(default_factory=list)
    pages: int = 0
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
        query = tuple(sorted({k for k, _, v in query_pairs(parts.query) if v}))
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
        buttons = button_labels(form)
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

    def matching(self, page: TestResponse, seen: Found) -> list[Form]:
        return [f for f in forms(page) if any(d.key == seen.key for d in self.describe(page, f))]


def _finds(tmp_path_factory, role: str) -> Path:
    """Where a role's finds are kept for this run, in the folder its xdist workers share."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if WORKER else base) / f"crawl-{role}.pickle"


def remember(tmp_path_factory, role: str, found: list[Found]) -> None:
    """Keep what a walk found for the rest of the run: every test starts from the same seeded
    database, so a role's walk finds the same forms each time (test_crawler walks and checks
    every page itself; test_fuzz_forms then need not walk them again)."""
    path = _finds(tmp_path_factory, role)
    partial = path.with_suffix(f".{WORKER or 'main'}")
    partial.write_bytes(pickle.dumps(found))
    partial.replace(path)


def recall(tmp_path_factory, role: str) -> list[Found] | None:
    """A role's finds, if a walk earlier in this run kept them."""
    path = _finds(tmp_path_factory, role)
    return pickle.loads(path.read_bytes()) if path.exists() else None  # noqa: S301 (our own)


def query_pairs(query: str):
    for part in query.split("&"):
        if part:
            name, sep, value = part.partition("=")
            yield name, sep, value


def submit_buttons(form: Form) -> list:
    return [
        tag
        for tag in form.html.find_all(["button", "input"])
        if (tag.name == "button" and tag.get("type", "submit") == "submit")
        or (tag.name == "input" and tag.get("type") in ("submit", "image"))
    ]


def button_labels(form: Form) -> list[str]:
    return [
        tag.get_text(" ", strip=True) if tag.name == "button" else tag.get("value", "")
        for tag in submit_buttons(form)
    ]


def pressed(form: Form, index: int) -> tuple:
    """The button's name and value, sent as a browser sends the button pressed."""
    buttons = submit_buttons(form)
    if not buttons or not buttons[index].get("name"):
        return ()
    button = buttons[index]
    return (button["name"], None, button.get("value", ""))


def fill_required(form: Form, also: frozenset[str] = frozenset()) -> bool:
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
                box.value = HINTS.get(name) or plausible(box.attrs.get("type", "text"))
            changed = changed or box.value != before
    return changed


def plausible(kind: str) -> str:
    return {
        "date": DATE,
        "time": "09:00",
        "number": "1",
        "email": "uji.kemitraan@contoh.go.id",
        "password": "kata-sandi-uji-2026",
        "url": "https://contoh.go.id",
        "tel": "0361234567",
    }.get(kind, PHRASE)
