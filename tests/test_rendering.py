"""The renderer's safety (documents/rendering.py): plain data only, checked all the way down; a
URL fetcher that serves the bundled assets and inline data and stops the render on anything
else (file:, http:, https:, paths escaping the folder), without ever opening a connection; the
bundled fonts only, whatever a template asks for; and bounds on size, pages and time."""

import io
import socket
import threading
import time
from datetime import date, datetime
from decimal import Decimal

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sqlalchemy import select

from partnerships.agreements import printing
from partnerships.agreements.models import Agreement
from partnerships.documents import rendering
from partnerships.documents.rendering import Limits, NotPlainData, RenderRefused
from partnerships.extensions import db
from tests.test_drafting import MOU_TITLE

PAGE = '{% extends "base.html" %}{% block body %}{{ body }}{% endblock %}'


def html(body: str) -> str:
    """A page of the documents' base template (bundled fonts by `asset:`) around `body`."""
    return rendering.environment().from_string(PAGE).render(title="Uji", body=_raw(body))


def _raw(body: str):
    from markupsafe import Markup

    return Markup(body)  # noqa: S704 (the tests' own markup, hostile on purpose)


# ---- plain data ---------------------------------------------------------------------------


def test_plain_data_passes_at_any_depth():
    rendering.check_plain(
        {
            "a": [1, 2.5, Decimal("3.10"), "x", None, True],
            "b": {"c": (date(2026, 11, 30), datetime(2026, 11, 30, 10))},
        }
    )


class Thing:
    pass


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"x": Thing()}, "data.x is a tests.test_rendering.Thing"),
        ({"x": [1, {"y": Thing()}]}, r"data.x[1].y is a"),
        ({"x": {1: "one"}}, "data.x: key 1 is not a string"),
        ({"x": {1, 2}}, "data.x is a builtins.set"),
        ({"x": (n for n in range(3))}, "data.x is a builtins.generator"),
        ({"x": b"bytes"}, "data.x is a builtins.bytes"),
    ],
)
def test_anything_else_is_refused_naming_where(data, where):
    with pytest.raises(NotPlainData) as refused:
        rendering.render_html("base.html", data)
    assert where in str(refused.value)


def test_a_cycle_is_refused():
    loop: list = []
    loop.append(loop)
    with pytest.raises(NotPlainData, match="nested deeper"):
        rendering.check_plain({"loop": loop})


def test_an_orm_object_is_refused_before_the_template_runs(app):
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == MOU_TITLE))
        with pytest.raises(NotPlainData, match=r"data\.agreement is a .*models\.Agreement"):
            rendering.render_pdf(printing.TEMPLATE, {"agreement": agreement})
        with pytest.raises(NotPlainData, match=r"data\.rows\[0\] is a"):
            rendering.render_html("base.html", {"title": "x", "rows": [agreement.office]})


# ---- what the renderer may fetch ----------------------------------------------------------


@pytest.fixture
def listener():
    """A port on this machine that records any connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _address = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


HOSTILE = [
    '<img src="file:///etc/hostname">',
    '<img src="file:///proc/self/environ">',
    '<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">',
    '<img src="https://127.0.0.1:{port}/logo.png">',
    '<style>@import url("http://127.0.0.1:{port}/imported.css");</style>',
    '<style>p {{ background: url("http://127.0.0.1:{port}/bg.png"); }}</style><p>x</p>',
    "<style>@font-face {{ font-family: X; src: url(http://127.0.0.1:{port}/f.ttf); }}"
    " p {{ font-family: X; }}</style><p>x</p>",
    '<img src="asset:../../config.py">',
    '<img src="asset:fonts/../../../config.py">',
    '<img src="asset:/etc/hostname">',
    '<img src="asset:fonts/missing.ttf">',
    '<img src="ftp://127.0.0.1:{port}/x.png">',
]


@pytest.mark.parametrize("body", HOSTILE)
def test_the_fetcher_refuses_everything_but_bundled_assets(body, listener):
    port = listener.getsockname()[1]
    with pytest.raises(RenderRefused) as refused:
        rendering.html_to_pdf(html(body.format(port=port)))
    assert "not one of the app's own files" in str(refused.value)
    assert connections(listener) == 0  # refused before any connection


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "http://127.0.0.1/x",
        "https://example.org/x",
        "asset:../pyproject.toml",
        "asset:../../pyproject.toml",
        "asset:fonts/../../../../etc/hostname",
        "asset:/etc/hostname",
        "asset:fonts",  # a folder
        "../pyproject.toml",
        "fonts/LiberationSerif-Regular.ttf",  # relative: no base but asset:
    ],
)
def test_asset_bytes_reads_only_files_under_the_static_folder(url):
    with pytest.raises(rendering.RefusedURL):
        rendering.asset_bytes(url)


def test_bundled_assets_and_inline_data_do_render():
    assert rendering.asset_bytes("asset:fonts/LiberationSerif-Regular.ttf")[:4] == b"\0\1\0\0"
    svg = (
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='10' height='10'%3E"
        "%3Crect width='10' height='10'/%3E%3C/svg%3E"
    )
    pdf = rendering.html_to_pdf(html(f'<p>Logo</p><img src="{svg}" alt="">'))
    assert "Logo" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


# ---- fonts --------------------------------------------------------------------------------


def embedded_fonts(pdf: bytes) -> set[str]:
    """The family named inside each font program the PDF embeds."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                assert stream is not None, f"{font['/BaseFont']} is not embedded"
                program = TTFont(io.BytesIO(stream.get_object().get_data()))
                found.add(program["name"].getDebugName(1))
    return found


def test_only_the_bundled_fonts_are_embedded(app):
    asked = (
        "<p style='font-family: \"DejaVu Sans\"'>DejaVu</p>"
        "<p style='font-family: monospace'>monospace</p>"
        "<p style='font-family: sans-serif'>sans-serif</p>"
        "<p style='font-family: \"Noto Color Emoji\"'>ꦧꦱ ☺ ✓ ☐</p>"
        "<style>@font-face { font-family: L; src: local('DejaVu Serif'); }</style>"
        "<p style='font-family: L'>local</p>"
    )
    families = embedded_fonts(rendering.html_to_pdf(html(asked)))
    assert families and all(name.startswith("Liberation") for name in families), families
    with app.test_request_context():
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == MOU_TITLE))
        families = embedded_fonts(printing.agreement_pdf(agreement))
    assert families == {"Liberation Serif"}


def test_fonts_are_bundled_on_another_thread_too():
    found = []
    worker = threading.Thread(
        target=lambda: found.append(
            embedded_fonts(rendering.html_to_pdf(html("<p style='font-family: monospace'>x</p>")))
        )
    )
    worker.start()
    worker.join()
    assert found and all(name.startswith("Liberation") for name in found[0])


# ---- bounds -------------------------------------------------------------------------------


def test_too_much_markup_is_refused_before_layout():
    with pytest.raises(RenderRefused, match="too large"):
        rendering.html_to_pdf(html("<p>kata</p>" * 500), Limits(max_html_bytes=2_000))


def test_a_render_past_its_pages_is_stopped_at_the_limit():
    body = html("<p>Sebuah paragraf.</p>" * 3_000)  # about 60 pages
    started = time.monotonic()
    with pytest.raises(RenderRefused, match="3 "):
        rendering.html_to_pdf(body, Limits(max_pages=3))
    stopped = time.monotonic() - started
    started = time.monotonic()
    whole = rendering.html_to_pdf(body)
    assert time.monotonic() - started > stopped  # it did not lay out the rest
    assert len(PdfReader(io.BytesIO(whole)).pages) > 3


def test_a_render_past_its_deadline_is_stopped_and_the_next_one_runs():
    with pytest.raises(RenderRefused, match="seconds"):
        rendering.html_to_pdf(html("<p>x</p>" * 200), Limits(seconds=0))
    assert rendering.html_to_pdf(html("<p>x</p>"))[:5] == b"%PDF-"  # no budget left behind


def test_the_apps_settings_change_the_limits(app):
    app.config["PDF_MAX_PAGES"] = 7
    with app.app_context():
        assert rendering.current_limits() == Limits(max_pages=7)
    assert rendering.current_limits() == rendering.LIMITS
