"""Every form, fuzzed: signed in as each demo role, the forms a person meets (found by the
crawler's walk, `tests/crawling.py`) are submitted as rendered with hostile values that
Hypothesis makes for their fields: markup (`<script>`, a breakout of an attribute, an
`onerror` handler, a tag of our own), NUL bytes, right-to-left marks and other unicode, very
long strings, numbers out of range, impossible dates, a choice no select offers, a hostile
file name, a hidden field changed, a field left out. Every form gets markup in every field
first, then a NUL byte in every field, then two submissions Hypothesis makes, where a field
may instead keep what the page rendered (or a plausible value where one is required), so a
hostile value also meets the validation behind its field and not only the first refusal.
A person's own settings (language, password, tokens...) are the same form for every role and
are fuzzed as the admin only.

Passing means, for every answer and the page a redirect leads to: no 5xx and no traceback; no
reflected markup (the injected tag never becomes an element, no `on...` attribute carries the
injected call, no `javascript:` link, no injected `<script>`); a redirect stays on this site;
an error page is the site's own, in the user's language, not Werkzeug's English default.

Each role's test has a fresh database; the examples of one form share it (a form that deletes
may delete). Derandomized, so every run sends the same values. `FUZZ_LOG=1 pytest -s` prints
what was sent where.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from webtest.forms import Checkbox, File, Form, Hidden, MultipleSelect, Radio, Select, Upload
from webtest.response import TestResponse
from werkzeug.exceptions import default_exceptions

from tests.crawling import (
    PDF,
    PHRASE,
    TRACEBACK,
    Crawl,
    Found,
    fill_required,
    pressed,
    recall,
    remember,
)
from tests.web import signed_in

ROLES = ["admin", "staff", "manager", "partner", "auditor"]
EXAMPLES = 1  # made by Hypothesis per form and button, after the two below (`EVERYWHERE`)
# A person's own settings, the same form for every role: fuzzed as the first role only.
PERSONAL = {
    "core.set_language",
    "auth.logout",
    "auth.password",
    "notifications.settings",
    "api.tokens",
    "events.feeds",
}
TAG = "x-fuzz-7d3a"  # an element no page has: present only if an injected one was parsed
CALL = "fuzz7d3a()"  # the injected handler's body
MARKUP = [
    f"<{TAG}>{PHRASE}</{TAG}>",
    f'"><{TAG} onmouseover={CALL}>',
    f"'><img src=x onerror={CALL}>",
    f"<script>{CALL}</script>",
    f"</textarea></title></script><{TAG}>",
    f'" autofocus onfocus="{CALL}',
    f"javascript:{CALL}",
    f"{{{{7*7}}}}{{% if 1 %}}<{TAG}>{{% endif %}}",
    "{seq.__class__}{0}{",
]
ODD = [
    "",
    "   ",
    "\x00",
    f"a\x00<{TAG}>",
    "\u202etxt.exe",
    "\ufeff\u200b",
    "\u00e9\u00f1 \U0001f1ee\U0001f1e9 \u0995\u09cd\u09b7 \U0001d518",  # combining, flags
    "' OR '1'='1' --",
    "%00%3Cx%3E",
    "../../../etc/passwd",
    "//evil.example/",
    "https://evil.example/login",
    "-1",
    "0",
    "NaN",
    "-Infinity",
    "1e309",
    str(2**63),
    str(-(2**63) - 1),
    "9" * 40,
    "0.000000000000000000001",
]
BAD_DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "31/12/2026",
    "2026-1-1",
    "+02026-01-01",
    "2026-11-30T25:61",
]
FILE_NAMES = [
    f"<{TAG}>.pdf",
    f"'><img src=x onerror={CALL}>.pdf",
    "../../../etc/passwd",
    "\u202efdp.exe",
    "x" * 300 + ".pdf",
    ".pdf",
]
# Sent first to every form, in every field: markup (a tag of ours, an attribute broken out of),
# then a NUL byte with a tag after it.
EVERYWHERE = [f"<{TAG}>{PHRASE}</{TAG}>\"'><img src=x onerror={CALL}>", f"{PHRASE}\x00<{TAG}>"]
KEEP, LEAVE_OUT = object(), object()  # a field as rendered (and filled), or not sent at all
NOT_SUBMITTED = ("csrf_token",)  # a changed token is the CSRF test's business, not this one
LOG = bool(os.environ.get("FUZZ_LOG"))
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data")
WERKZEUG_DEFAULTS = [e.description for e in default_exceptions.values() if e.description]


def hostile_text() -> st.SearchStrategy[str]:
    # Hypothesis starts from the simplest choice: its first example leaves every field empty.
    return st.one_of(
        st.text(max_size=30),
        st.sampled_from(MARKUP),
        st.sampled_from(ODD),
        st.integers(min_value=1, max_value=3000).map(lambda n: MARKUP[0] * n),
        st.integers(min_value=255, max_value=100_000).map(lambda n: "x" * n),
    )


def hostile_value(box) -> st.SearchStrategy:
    """What may be sent for one control, by its kind."""
    kind = box.attrs.get("type", "text") if hasattr(box, "attrs") else "text"
    if isinstance(box, File):
        return st.builds(
            Upload,
            st.sampled_from(FILE_NAMES),
            st.one_of(st.just(PDF), st.binary(max_size=64), st.just(MARKUP[0].encode())),
            st.sampled_from(["application/pdf", "text/html", "image/png"]),
        )
    if isinstance(box, Select | Radio | MultipleSelect | Checkbox):
        offered = [v for v, _s, *_ in getattr(box, "options", [])] or [box._value or "y"]
        return st.one_of(hostile_text(), st.sampled_from(offered))
    if kind == "date":
        return st.one_of(
            st.sampled_from(BAD_DATES),
            st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
            hostile_text(),
        )
    if kind == "number":
        return st.one_of(
            st.integers().map(str),
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
            hostile_text(),
        )
    return hostile_text()


def controls(form: Form) -> dict[str, object]:
    """One control per field name a submission may carry (the token aside)."""
    return {
        name: boxes[0]
        for name, boxes in form.fields.items()
        if name and name not in NOT_SUBMITTED and not _is_button(form, name)
    }


def _is_button(form: Form, name: str) -> bool:
    return any(t.get("name") == name for t in form.html.find_all(["button", "input"])
               if t.name == "button" or t.get("type") in ("submit", "image"))  # fmt: skip


def submission(form: Form) -> st.SearchStrategy[dict]:
    """For each field: a hostile value, the value as rendered, or left out. A hidden field
    keeps its value in the simplest example (Hypothesis's first), a visible one is emptied."""
    choices = {}
    for name, box in controls(form).items():
        hostile = hostile_value(box)
        if isinstance(box, Hidden):
            choices[name] = st.one_of(st.just(KEEP), hostile, st.just(LEAVE_OUT))
        else:
            choices[name] = st.one_of(hostile, st.just(KEEP), st.just(LEAVE_OUT))
    return st.fixed_dictionaries(choices)


def everywhere(form: Form, text: str) -> dict:
    """`text` in every field of the form (a file named after it, its bytes as contents)."""
    return {
        name: Upload(_file_name(text[:60]), text.encode(), "application/pdf")
        if isinstance(box, File)
        else text
        for name, box in controls(form).items()
    }


def _file_name(text: str) -> str:
    """As a browser names a file in a form: quotes and line breaks percent-encoded."""
    for char, code in (('"', "%22"), ("\r", "%0D"), ("\n", "%0A"), ("\x00", "%00")):
        text = text.replace(char, code)
    return text + ".pdf"


def reflected(html: str) -> list[str]:
    """The injected markup that came back as markup (escaped text is harmless)."""
    soup = BeautifulSoup(html, "html.parser")
    found = [f"a <{TAG}> element" for _ in soup.find_all(TAG)[:1]]
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else value
            if name.startswith("on") and CALL in text:
                found.append(f"<{tag.name} {name}={text[:60]!r}>")
            if name in URL_ATTRIBUTES and _scheme(text) == "javascript:":
                found.append(f"<{tag.name} {name}={text[:60]!r}>")
        if tag.name == "script" and (tag.string or "").strip() == CALL:
            found.append("an injected <script>")
    return found


def _scheme(url: str) -> str:
    """The scheme a browser reads from an attribute: controls and spaces dropped."""
    return re.sub(r"[\x00-\x20]", "", url).lower()[:11]


class Errors(logging.Handler):
    """The exceptions the app logged while handling a request (its 500 page hides them)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record):
        self.seen.append(self.format(record)[-1500:])


@dataclass
class Fuzz(Crawl):
    forms: int = 0
    sent: int = 0

    def fuzz(self, seen: Found, errors: Errors) -> None:
        form = self.rendered(seen)
        if form is None:  # an earlier form removed its row, or moved the agreement on
            self.log.append(f"  {seen.endpoint} [{seen.label}] from {seen.page_url}: gone")
            return
        self.forms += 1
        state = {"form": form}

        @example(values=everywhere(form, EVERYWHERE[0]))
        @example(values=everywhere(form, EVERYWHERE[1]))
        @given(values=submission(form))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def send(values):
            if state["form"] is None:
                return
            response = self.send(state["form"], seen, values)
            what = f"{seen.endpoint} [{seen.label}] from {seen.page_url} with {_short(values)}"
            moved = self.inspect(what, response, errors)
            if moved:  # something changed: the next example starts from the page as it is now
                state["form"] = self.rendered(seen)

        send()

    def rendered(self, seen: Found) -> Form | None:
        page = self.web.get(seen.page_url, expect_errors=True)
        if page.status_int == 302 and "/login" in page.location:
            self.web = signed_in(self.app, self.role)  # a form signed this person out
            page = self.web.get(seen.page_url, expect_errors=True)
        matching = self.matching(page, seen) if page.status_int == 200 else []
        if not matching:
            return None
        form = matching[0]
        fill_required(form)
        return form

    def send(self, form: Form, seen: Found, values: dict) -> TestResponse:
        pairs = []
        replaced = set()
        for name, value in form.submit_fields(*pressed(form, seen.button)):
            choice = values.get(name, KEEP)
            if choice is KEEP:
                pairs.append((name, value))
            elif choice is not LEAVE_OUT and name not in replaced:
                pairs.append((name, choice))
                replaced.add(name)
        for name, choice in values.items():  # an unticked box, sent anyway
            if name not in replaced and choice is not KEEP and choice is not LEAVE_OUT:
                pairs.append((name, choice))
        action = form.action or form.response.request.path_qs
        method = form.method.upper()
        self.sent += 1
        if method == "GET":
            # A browser replaces the action's query with the form's fields (HTML standard).
            return form.response.goto(
                urlsplit(action).path, method="get", params=pairs, expect_errors=True
            )
        return form.response.goto(
            action,
            method="post",
            params=pairs,
            content_type=form.enctype,
            extra_environ={"HTTP_REFERER": str(form.response.request.url)},
            expect_errors=True,
        )

    def inspect(self, what: str, response: TestResponse, errors: Errors) -> bool:
        """Record what is wrong with the answer, and the page a redirect leads to. True when
        the submission was taken (a redirect): the page behind the form may have changed."""
        shown = [response]
        if response.status_int in (301, 302, 303):
            target = urlsplit(response.location)
            if target.netloc not in ("", "localhost"):
                self.problem(what, f"redirects off the site, to {response.location}")
            else:
                shown.append(response.follow(expect_errors=True))
        for answer in shown:
            self.look(what, answer, errors)
        if LOG:
            self.log.append(f"  {what[:300]}: {' → '.join(a.status for a in shown)}")
        return response.status_int in (301, 302, 303)

    def look(self, what: str, answer: TestResponse, errors: Errors) -> None:
        where = f"{answer.request.method} {answer.request.path}"
        if answer.status_int >= 500:
            logged = "\n".join(errors.seen[-1:]) or "nothing logged"
            self.problem(what, f"{where}: {answer.status}\n{logged}")
        body = answer.body.decode("utf-8", "replace")
        if TRACEBACK in body:
            self.problem(what, f"{where}: a traceback in the body")
        errors.seen.clear()
        if "html" not in answer.content_type:
            return
        for markup in reflected(body):
            self.problem(what, f"{where}: injected markup came back: {markup}")
        if answer.status_int >= 400:
            default = [d for d in WERKZEUG_DEFAULTS if d in body]
            if default or "<html lang=" not in body:
                self.problem(what, f"{where}: {answer.status} is not the site's own error page")

    def problem(self, what: str, message: str) -> None:
        self.problems.append(f"{what[:600]}\n    {message}")


def _short(values: dict) -> str:
    def show(value):
        if value is KEEP:
            return "as rendered"
        if value is LEAVE_OUT:
            return "left out"
        if isinstance(value, Upload):
            return f"Upload({value.filename[:40]!r}, {len(value.content or b'')} bytes)"
        return repr(value[:40] + ("..." if len(value) > 40 else ""))

    return "{" + ", ".join(f"{k}: {show(v)}" for k, v in values.items()) + "}"


@pytest.fixture
def app_errors(app):
    """The exceptions the app logs while the test runs."""
    errors = Errors()
    errors.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("partnerships")
    logger.addHandler(errors)
    yield errors
    logger.removeHandler(errors)


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("role", ROLES)
def test_every_form_takes_hostile_values_without_harm_as(app, app_errors, role, tmp_path_factory):
    started = time.monotonic()
    walk = Fuzz(app, role)
    found = recall(tmp_path_factory, role)  # the crawler's walk, when it came first
    if found is None:
        found = walk.crawl()
        remember(tmp_path_factory, role, found)
    crawled = time.monotonic() - started
    for seen in found:
        if role == ROLES[0] or seen.endpoint not in PERSONAL:
            walk.fuzz(seen, app_errors)
    took = time.monotonic() - started
    print(f"{role}: {walk.pages} pages in {crawled:.1f} s; {walk.forms} forms, "
          f"{walk.sent} submissions in {took - crawled:.1f} s")  # fmt: skip
    if LOG:
        print("\n".join(walk.log))
    assert walk.forms > 5  # the walk found forms to fuzz
    assert walk.problems == [], "\n".join(walk.problems[:40])
