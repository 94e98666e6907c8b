"""Tests use the app through the pages it renders (WebTest): load a page, take one of its forms
as rendered (action, method, hidden fields, defaults), change only what a person would type,
press a button. Direct POSTs are kept for what no page offers (forged tokens, other ids).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext
from webtest import TestApp
from webtest.forms import Form
from webtest.response import TestResponse

from tests.conftest import EMAILS, PASSWORD, csrf_token, login

# The security headers every response carries (tests/test_headers.py, and every matrix walk).
DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
PAGE_TYPES = {"text/html", "application/json"}


def browser(app) -> TestApp:
    """A browser of its own (its own cookie jar), not logged in."""
    return TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def signed_in(app, who: str, password: str = PASSWORD) -> TestApp:
    """A browser logged in through the login form as `who` (a conftest key or an e-mail)."""
    web = browser(app)
    page = web.get("/login")
    response = submit(page, button="Masuk", email=EMAILS.get(who, who), password=password)
    assert response.status_int == 302, f"login as {who} failed"
    return web


def hand_made(app, who: str):
    """A Flask test client signed in as `who`, for the requests no page offers that person (a
    role's forbidden form, another office's ids): its `post(client, ...)` calls stand out."""
    client = app.test_client()
    assert login(client, who).status_code == 302, f"login as {who} failed"
    return client


def _buttons(form: Form) -> list[str]:
    tags = form.html.find_all(["button", "input"])
    return [
        tag.get_text(" ", strip=True) if tag.name == "button" else tag.get("value", "")
        for tag in tags
        if tag.name == "button" or tag.get("type") == "submit"
    ]


def forms(page: TestResponse) -> list[Form]:
    """Every form on the page, once each (WebTest indexes them by position and by id)."""
    return list({id(f): f for f in page.forms.values()}.values())


def find_form(
    page: TestResponse,
    *,
    action: str | None = None,
    button: str | None = None,
    field: str | None = None,
) -> Form:
    """The one form on `page` posting to `action` (a path), with a button labelled `button`
    and/or a field named `field`."""
    found = []
    for form in forms(page):
        path = urlsplit(form.action or page.request.path).path
        if action is not None and path != action:
            continue
        if button is not None and button not in _buttons(form):
            continue
        if field is not None and field not in form.fields:
            continue
        found.append(form)
    described = f"action={action!r} button={button!r} field={field!r}"
    assert found, f"no form with {described} on {page.request.path}; buttons: " + repr(
        [_buttons(f) for f in forms(page)]
    )
    assert len(found) == 1, f"{len(found)} forms with {described} on {page.request.path}"
    return found[0]


def fill(form: Form, **values) -> Form:
    """Type into the form's fields: a list sets a multi-select or a group of checkboxes."""
    for name, value in values.items():
        if isinstance(value, list | tuple | set):
            _choose_many(form, name, [str(v) for v in value])
        elif isinstance(value, bool):
            form[name] = value
        else:
            form[name] = "" if value is None else str(value)
    return form


def _choose_many(form: Form, name: str, values: list[str]) -> None:
    fields = form.fields.get(name, [])
    if len(fields) == 1 and hasattr(fields[0], "force_value"):  # a <select multiple>
        fields[0].value = values
        return
    for box in fields:  # checkboxes sharing the name
        box.checked = box._value in values


def submit(page: TestResponse, *, action=None, button=None, field=None, upload=None, **values):
    """Fill and submit one form of `page` by pressing `button`; returns the raw response."""
    form = fill(find_form(page, action=action, button=button, field=field), **values)
    if upload is not None:
        form[upload[0]] = upload[1]
    if form.method.upper() == "GET":
        # A browser replaces the query of a GET form's action with the form's fields (HTML
        # standard); WebTest would append them to the current query instead.
        form.action = urlsplit(form.action or page.request.path).path
    pressed = _pressed(form, button)
    return form.submit(*pressed, expect_errors=True)


def submit_tampered(
    page: TestResponse, *, action=None, button=None, field=None, upload=None, **values
):
    """Submit a form of `page` with values none of its controls offers (an option a select
    lacks, a changed hidden or read-only field), as a hand-edited request would; all else (the
    action, the CSRF token, the other fields) as rendered. For tests of what the server refuses;
    say at the call site why no person could send it."""
    form = find_form(page, action=action, button=button, field=field)
    for name, value in values.items():
        assert name in form.fields, f"no field {name!r} in the form"
        form.fields[name][0].force_value(str(value))
    if upload is not None:
        form[upload[0]] = upload[1]
    return form.submit(*_pressed(form, button), expect_errors=True)


def _pressed(form: Form, button: str | None) -> tuple:
    """Submit as if `button` were pressed: a named button sends its own name=value."""
    if button is None:
        return ()
    for index, tag in enumerate(form.html.find_all("button")):
        if tag.get_text(" ", strip=True) == button and tag.get("name"):
            return (tag["name"],) if index == 0 else (tag["name"], None, tag.get("value"))
    return ()


def follow(response: TestResponse) -> TestResponse:
    """Follow redirects as a browser does and return the page shown."""
    while response.status_int in (301, 302, 303):
        response = response.follow()
    return response


def press(page: TestResponse, button: str, **kwargs) -> TestResponse:
    """Submit the form with `button`, follow the redirect, return the page the person sees."""
    response = submit(page, button=button, **kwargs)
    assert response.status_int < 500, response.text[:2000]
    return follow(response)


def text(page: TestResponse) -> str:
    """What a person reads on the page (tags stripped, whitespace collapsed)."""
    main = page.html.find("main") or page.html
    return " ".join(main.get_text(" ").split())


def flashes(page: TestResponse) -> list[str]:
    return [" ".join(a.get_text(" ").split()) for a in page.html.select(".alert")]


def log_in(web: TestApp, who: str, password: str = PASSWORD, *, url: str = "/login"):
    """Fill in and send the login form at `url` as `who` (a conftest key or an e-mail); the raw
    response: 302 when it worked, the form again (200) when it was refused."""
    return submit(web.get(url), button="Masuk", email=EMAILS.get(who, who), password=password)


def is_signed_in(web: TestApp) -> bool:
    """A signed-in person gets the home page; anyone else is sent to the login page."""
    response = web.get("/")
    if response.status_int == 200:
        return True
    assert response.status_int == 302, response.status
    assert urlsplit(response.location).path == "/login", response.location
    return False


def ui_text(app, message: str, **values) -> str:
    """`message` as the default (Indonesian) UI says it, whatever the catalog holds."""
    with app.test_request_context():
        return gettext(message, **values)


def field_errors(page: TestResponse, name: str) -> list[str]:
    """The error texts shown under the form field `name` (see `_macros.field`)."""
    tag = page.html.find(["input", "select", "textarea"], attrs={"name": name})
    assert tag is not None, f"no field {name!r} on {page.request.path}"
    box = tag.find_parent("div", class_="mb-3")
    assert box is not None, f"field {name!r} is not rendered by _macros.field"
    return [" ".join(e.get_text(" ").split()) for e in box.select(".invalid-feedback")]


def errors_by_field(page: TestResponse) -> dict[str, list[str]]:
    """Every field of the page that shows an error, with its error texts."""
    found = {}
    for box in page.html.select("div.mb-3"):
        messages = [" ".join(e.get_text(" ").split()) for e in box.select(".invalid-feedback")]
        tag = box.find(["input", "select", "textarea"], attrs={"name": True})
        if messages and tag is not None:
            found[tag["name"]] = messages
    return found


def options(form: Form, name: str) -> dict[str, str]:
    """The choices a select offers, label → value (what a person sees → what is sent)."""
    select = form.html.find("select", attrs={"name": name})
    assert select is not None, f"no select {name!r} in the form"
    return {
        " ".join(o.get_text(" ").split()): o.get("value", "") for o in select.find_all("option")
    }


def _policy(header: str) -> dict[str, str]:
    return dict(d.strip().partition(" ")[::2] for d in header.split(";") if d.strip())


def header_problems(url: str, response, *, https: bool) -> list[str]:
    """What is missing or wrong in the headers of one response."""
    found = []
    headers = response.headers
    policy = _policy(headers.get("Content-Security-Policy", ""))
    for name, value in DIRECTIVES.items():
        if policy.get(name) != value:
            found.append(f"CSP {name} is {policy.get(name)!r}")
    if "unsafe-inline" in str(policy) or "unsafe-eval" in str(policy):
        found.append("CSP allows inline code")
    if headers.get("X-Content-Type-Options") != "nosniff":
        found.append("no nosniff")
    if headers.get("Referrer-Policy") not in ("same-origin", "strict-origin-when-cross-origin"):
        found.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    hsts = headers.get("Strict-Transport-Security", "")
    if https and not hsts.startswith("max-age=31536000"):
        found.append(f"HSTS over HTTPS is {hsts!r}")
    if not https and hsts:
        found.append("HSTS over plain HTTP")
    static = url.startswith("/static/")
    if not static and "no-store" not in headers.get("Cache-Control", ""):
        found.append(f"Cache-Control {headers.get('Cache-Control')!r}")
    if static and "no-store" in headers.get("Cache-Control", ""):
        found.append("static file not cacheable")
    # Anything that is not a page, JSON or a static file is a download: never shown inline.
    if response.status_code == 200 and not static and response.mimetype not in PAGE_TYPES:
        disposition = headers.get("Content-Disposition", "")
        if not disposition.startswith("attachment"):
            found.append(f"{response.mimetype} served inline ({disposition!r})")
    return [f"{url} ({response.status_code}): {problem}" for problem in found]


def matrix_misses(app, who: str, column: int, routes, ids: dict) -> list[str]:
    """An authorization matrix walked as `who` ("anonymous" or a conftest key): every
    `(label, "METHOD /url/{id}", cells)` of `routes` requested with a valid CSRF token, the status
    compared with the cell in `column` ("L": sent to sign in with the page to come back to).
    Every answer, whatever its status, must also carry the security headers (header_problems).
    Returns the cells that differ, so a failure names every wrong route at once."""
    client = app.test_client()
    if who != "anonymous":
        assert login(client, who).status_code == 302, f"login as {who} failed"
    token = csrf_token(client, "/login" if who == "anonymous" else "/")
    wrong = []
    for label, request, cells in routes:
        method, url = request.split(" ", 1)
        url = url.format(**ids)
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data, buffered=True)
        to_login = response.status_code == 302 and "/login?next=" in response.location
        got = "L" if to_login else str(response.status_code)
        expected = cells.split()[column]
        if got != expected:
            wrong.append(f"{label} {method} {url}: {got}, expected {expected}")
        wrong += [f"{method} {p}" for p in header_problems(url, response, https=False)]
    return wrong
