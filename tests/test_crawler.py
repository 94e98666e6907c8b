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

import pytest
from webtest.forms import Form, Hidden
from webtest.response import TestResponse

from tests.crawling import Crawl, Found, fill_required, pressed, remember
from tests.web import flashes, follow

ROLES = ["admin", "staff", "manager", "partner", "auditor", "auditor_office"]
# Problems this walk finds that are being fixed elsewhere: (endpoint, reason). Such a problem
# turns the test into an expected failure; any other problem fails it.
KNOWN = {
    "agreements.edit": "issue 6 item 4: the details editor opens on a text in review "
    "and refuses the save (fixed on branch drafting: text_lock_reason)",
    "agreements.articles": "issue 6 item 4: the articles editor opens on a text in review "
    "and refuses the save (fixed on branch drafting: text_lock_reason)",
}
REQUIRED_WORDS = ("wajib diisi", "this field is required")


@dataclass
class Walk(Crawl):
    """The crawl, then every form found submitted once, as a person would fill it."""

    known: set[str] = field(default_factory=set)
    submitted: int = 0

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

    def submit(self, page: TestResponse, form: Form, seen: Found) -> str:
        what = f"{form.method.upper()} {form.action} [{seen.label}] from {seen.page_url}"
        hidden = {
            name
            for name, fields in form.fields.items()
            if all(isinstance(f, Hidden) for f in fields)
        }
        fill_required(form)
        response = form.submit(*pressed(form, seen.button), expect_errors=True)
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
        if not flagged or not again or not fill_required(again[0], flagged):
            return None
        return again[0].submit(*pressed(again[0], seen.button), expect_errors=True)

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


def _required(message: str) -> bool:
    return any(word in message.lower() for word in REQUIRED_WORDS)


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_form_as(app, role, tmp_path_factory):
    started = time.monotonic()
    walk = Walk(app, role)
    found = walk.crawl()
    remember(tmp_path_factory, role, found)
    walk.submit_all(found)
    took = time.monotonic() - started
    print(f"{role}: {walk.pages} pages, {walk.submitted} forms in {took:.1f} s")
    if os.environ.get("CRAWLER_LOG"):
        print("\n".join(walk.log))
    assert walk.pages > 3
    assert walk.problems == []
    if walk.known:
        pytest.xfail("; ".join(KNOWN[endpoint] for endpoint in sorted(walk.known)))
