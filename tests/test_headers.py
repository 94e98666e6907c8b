"""Security headers on every response: every GET route of `app.url_map` (the rows of the
policy matrix, on real demo objects), for every role, whatever the status; downloads are
attachments; HSTS only over HTTPS; and no template carries what the policy refuses."""

import re
from pathlib import Path

import pytest

from tests.conftest import login
from tests.test_policy import COLUMNS, MATRIX, WHO, _add_attachment_and_pattern, _demo_ids
from tests.web import header_problems

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Beyond the matrix: the other export formats, and what answers no route at all.
EXTRA = [
    "/agreements/export.xlsx",
    "/audit/export.json",
    "/static/app.js",
    "/no-such-page",
    "/agreements/{review}/attachments/999999",
]


def _get_urls(ids: dict[str, int]) -> list[str]:
    urls = [row.split(" ", 1)[1] for row, _cells in MATRIX.values() if row.startswith("GET ")]
    return [url.format(**ids) for url in urls + EXTRA]


def _visit_all(
    app, column: str, *, https: bool, urls: list[str] | None = None
) -> tuple[list[str], dict[str, int]]:
    ids = _demo_ids(app)
    _add_attachment_and_pattern(app, ids)
    base = "https://localhost" if https else "http://localhost"
    client = app.test_client()
    if column != "anonymous":
        response = login(client, WHO.get(column, column))
        assert response.status_code == 302
        assert not header_problems("/login", response, https=False)
    problems, statuses = [], {}
    for url in _get_urls(ids) if urls is None else [u.format(**ids) for u in urls]:
        response = client.get(url, base_url=base, buffered=True)
        statuses[url] = response.status_code
        problems += header_problems(url, response, https=https)
        if response.status_code == 200 and ("export." in url or "/attachments/" in url):
            assert response.headers["Content-Disposition"].startswith("attachment"), url
    return problems, statuses


def test_every_get_route_is_visited():
    """The matrix has a row per endpoint; each endpoint that answers GET is requested by GET."""
    from partnerships import create_app
    from tests.conftest import TestConfig

    app = create_app(TestConfig)
    by_get = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    asked = {endpoint for endpoint, (row, _) in MATRIX.items() if row.startswith("GET ")}
    assert sorted(by_get - asked) == []


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("column", COLUMNS)
def test_responses_beyond_the_matrix_carry_the_security_headers(app, column):
    """The matrix's own walk (tests/test_policy.py::test_matrix) checks the headers of every
    route for every role; here what answers no row of it: other formats, a static file, a
    missing page, a missing attachment."""
    problems, _statuses = _visit_all(app, column, https=False, urls=EXTRA)
    assert problems == []


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("column", ["anonymous", "admin"])
def test_hsts_only_over_https(app, column):
    problems, statuses = _visit_all(app, column, https=True)
    assert problems == []
    assert 200 in statuses.values()


def test_downloads_are_attachments(app):
    """Each kind of download, opened by someone allowed to: an attachment, never inline."""
    ids = _demo_ids(app)
    _add_attachment_and_pattern(app, ids)
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    for url in (
        "/agreements/export.csv",
        "/agreements/export.xlsx",
        f"/agreements/{ids['review']}/attachments/{ids['attachment']}",
        "/audit/export.csv",
        "/audit/export.json",
    ):
        response = client.get(url, buffered=True)
        assert response.status_code == 200, url
        assert response.headers["Content-Disposition"].startswith("attachment;"), url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url


def test_error_pages_carry_the_headers(app):
    client = app.test_client()
    for url, status in (("/no-such-page", 404), ("/health", 200)):
        response = client.get(url)
        assert response.status_code == status
        assert header_problems(url, response, https=False) == []
    response = client.post("/health")
    assert response.status_code == 405
    assert header_problems("/health", response, https=False) == []


def test_templates_hold_nothing_the_policy_refuses():
    """No inline <script>, event handler, javascript: URL or style attribute: the browser would
    refuse them under the policy, so they would silently not work."""
    inline = {
        "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
        "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
        "javascript: URL": re.compile(r"javascript:", re.I),
        "style attribute": re.compile(r"\sstyle\s*=", re.I),
        "<style> block": re.compile(r"<style", re.I),
    }
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for what, pattern in inline.items():
            found += [f"{path.name}: {what}" for _ in pattern.finditer(source)]
    assert found == []


@pytest.mark.app_config(PROXY_COUNT=1)
def test_behind_a_tls_proxy_https_is_recognised(app):
    """PROXY_COUNT=1: the proxy's X-Forwarded-Proto tells the app the visitor used HTTPS."""
    client = app.test_client()
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/login").headers
