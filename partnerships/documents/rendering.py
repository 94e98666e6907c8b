"""PDFs from pdf_templates/ with WeasyPrint, from plain data only, within bounds.

The environment is our own (not the app's): autoescaped, strict about undefined names, with the
shared formatting filters. What a render may touch and spend is bounded:

- the data must be plain (dicts, lists, strings, numbers, dates, all the way down), so no ORM
  object reaches a template and lazy-loads the database from inside it (`NotPlainData`, a
  programming error);
- URLs: only `asset:` files under partnerships/static (and inline `data:`); `file:`, remote
  URLs and paths escaping the folder stop the render;
- fonts: only the bundled ones (partnerships/static/fonts); the system's fonts are invisible,
  so a PDF looks the same on every server;
- size, pages and time: the HTML, the number of pages and the wall-clock time are capped, and
  a render past a cap stops with `RenderRefused` saying which.

WeasyPrint is imported on first use (a web worker that never prints pays nothing) and its font
configurations are pooled, so a long-lived process renders warm.
"""

import atexit
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from partnerships.core import formatting

ROOT = Path(__file__).resolve().parents[2]
PDF_TEMPLATES = ROOT / "pdf_templates"
ASSETS = ROOT / "partnerships" / "static"
FONTS = ASSETS / "fonts"


@dataclass(frozen=True)
class Limits:
    """What one render may take. The largest text the forms accept (100 articles of 20,000
    characters) is about 2 MB of HTML and 600 pages; real agreements are a few dozen KB."""

    max_html_bytes: int = 3_000_000
    max_pages: int = 300
    seconds: float = 30.0


LIMITS = Limits()
# Settings that override a limit (config.py or the app's overrides), read when a render starts.
SETTINGS = {
    "PDF_MAX_HTML_BYTES": "max_html_bytes",
    "PDF_MAX_PAGES": "max_pages",
    "PDF_SECONDS": "seconds",
}


def current_limits() -> Limits:
    """The limits, as the running app's settings change them (the defaults outside an app)."""
    if not has_app_context():
        return LIMITS
    changed = {
        field: current_app.config[name]
        for name, field in SETTINGS.items()
        if name in current_app.config
    }
    return replace(LIMITS, **changed)


MAX_DEPTH = 20  # nesting of the data; deeper is a cycle or a mistake


class RenderRefused(ValueError):
    """The render was refused or stopped; the message says why, for the person who asked."""


class NotPlainData(TypeError):
    """A caller handed the renderer something other than plain data: a programming error."""


class RefusedURL(ValueError):
    """A template asked for something other than a bundled asset."""


# ---- plain data -------------------------------------------------------------------------

PLAIN_SCALARS = (str, int, float, Decimal, date, type(None))  # bool is an int; datetime a date


def check_plain(value: Any, where: str = "data", depth: int = 0) -> None:
    """Refuse anything but plain data, at any depth: a template must not receive an ORM object
    (it would query the database while the PDF is laid out) nor any other live object."""
    if depth > MAX_DEPTH:
        raise NotPlainData(f"{where}: nested deeper than {MAX_DEPTH} levels (a cycle?)")
    if isinstance(value, PLAIN_SCALARS):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotPlainData(f"{where}: key {key!r} is not a string")
            check_plain(item, f"{where}.{key}", depth + 1)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_plain(item, f"{where}[{index}]", depth + 1)
        return
    raise NotPlainData(
        f"{where} is a {type(value).__module__}.{type(value).__qualname__}, not plain data "
        "(dicts, lists, strings, numbers and dates only)"
    )


# ---- templates --------------------------------------------------------------------------


# A document number as texts cite it ("Nomor: 100.3.7/012/HK/2016"): never broken across lines
# at its slashes.
CITED_NUMBER = re.compile(r"Nomor:?\s+[^\s,;]+")


def unbroken_numbers(text: str) -> Markup:
    """`text`, escaped, with each cited number kept on one line (class "unbroken")."""
    parts, last = [], 0
    for match in CITED_NUMBER.finditer(text):
        parts += [escape(text[last : match.start()]), Markup('<span class="unbroken">')]
        parts += [escape(match.group(0)), Markup("</span>")]
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PDF_TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formatting.DOCUMENT_FILTERS)
    env.filters["unbroken_numbers"] = unbroken_numbers
    return env


def render_html(template: str, data: Mapping) -> str:
    check_plain(data)
    return environment().get_template(template).render(**data)


# ---- assets -----------------------------------------------------------------------------


def asset_bytes(url: str) -> bytes:
    if not url.startswith("asset:"):
        raise RefusedURL(url)
    path = (ASSETS / url.removeprefix("asset:")).resolve()
    if not path.is_relative_to(ASSETS) or not path.is_file():
        raise RefusedURL(url)
    return path.read_bytes()


@lru_cache(maxsize=1)
def _fetcher_classes():
    """WeasyPrint's URL fetcher: `asset:<path>` under partnerships/static and inline `data:`,
    nothing else (no file:, no http:, no path escaping the folder): it never opens a socket or
    reads elsewhere. A refusal stops the render (WeasyPrint would otherwise skip the resource
    and print the page without it)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class Stop(FatalURLFetchingError):
        """Raised through WeasyPrint, which swallows every other error of a fetcher."""

    class AssetFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)  # decoded in memory (allowed_protocols)
            try:
                return URLFetcherResponse(url, asset_bytes(url))
            except RefusedURL as error:
                raise Stop(url) from error

    return AssetFetcher, Stop


def _asset_fetcher():
    """A fetcher for one render, and the error that stops it."""
    fetcher, stop = _fetcher_classes()
    return fetcher(allowed_protocols=("data",)), stop


# ---- fonts ------------------------------------------------------------------------------

_fonts_lock = threading.Lock()
_local = threading.local()


def _bundled_font_configuration():
    """A WeasyPrint font configuration that sees the bundled fonts only. Fontconfig reads its
    configuration file when the configuration is built, so it is built from a file listing
    partnerships/static/fonts and nothing else (no system directories, no aliases); the
    environment variable is set only while building it, under a lock."""
    from weasyprint.text.fonts import FontConfiguration

    with _fonts_lock, tempfile.TemporaryDirectory(prefix="partnerships-fonts-") as folder:
        conf = Path(folder) / "fonts.conf"
        conf.write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            f"<fontconfig><dir>{FONTS}</dir></fontconfig>\n",
            encoding="utf-8",
        )
        before = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(conf)
        try:
            return FontConfiguration()
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before


# Font configurations are pooled, not kept per thread: WeasyPrint deletes a configuration's font
# folder when it is collected, and a configuration dying with a short-lived request thread took
# files another render still used (FileNotFoundError under the threaded server). A pooled one is
# used by one render at a time and lives as long as the process: one per concurrent render.
_pool: list = []


@contextmanager
def font_configuration():
    """A font configuration with the bundled fonts loaded, for one render at a time."""
    with _fonts_lock:
        fonts = _pool.pop() if _pool else None
    if fonts is None:
        fonts = _bundled_font_configuration()
    try:
        yield fonts
    finally:
        with _fonts_lock:
            _pool.append(fonts)


@atexit.register
def _drop_fonts() -> None:
    """Remove the pooled configurations' folders while the interpreter can still do so."""
    with _fonts_lock:
        _pool.clear()


# ---- bounds on pages and time -----------------------------------------------------------

PROGRESS = logging.getLogger("weasyprint.progress")


class _Budget:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.started = time.monotonic()

    def check(self, record: logging.LogRecord) -> None:
        if time.monotonic() - self.started > self.limits.seconds:
            raise RenderRefused(
                _(
                    "The document took longer than %(seconds)s seconds to lay out and was "
                    "stopped; shorten the text or split it.",
                    seconds=f"{self.limits.seconds:g}",
                )
            )
        page = record.args[0] if "Page" in str(record.msg) and record.args else 0
        if isinstance(page, int) and page > self.limits.max_pages:
            raise RenderRefused(
                _(
                    "The document runs past %(pages)d pages and was stopped; shorten the text "
                    "or split it.",
                    pages=self.limits.max_pages,
                )
            )


def _watch(record: logging.LogRecord) -> bool:
    """WeasyPrint announces each step and each page it lays out on its progress logger; this
    filter holds the render in progress on this thread to its budget there (an exception in a
    logging filter reaches the caller) and keeps the announcements themselves quiet."""
    budget = getattr(_local, "budget", None)
    if budget is not None:
        budget.check(record)
    return False


if _watch not in PROGRESS.filters:
    PROGRESS.addFilter(_watch)
    PROGRESS.setLevel(logging.INFO)  # the filter sees only what the level lets through


# ---- rendering --------------------------------------------------------------------------


def html_to_pdf(html: str, limits: Limits | None = None) -> bytes:
    """Lay out and write `html` within `limits` (by default `current_limits()`), with the
    bundled fonts and assets only."""
    from weasyprint import HTML

    limits = limits or current_limits()
    size = len(html.encode("utf-8"))
    if size > limits.max_html_bytes:
        raise RenderRefused(
            _(
                "The document is too large to print (%(size)s bytes of markup, at most "
                "%(limit)s); shorten the text or split it.",
                size=formatting.number(size),
                limit=formatting.number(limits.max_html_bytes),
            )
        )
    fetcher, refused = _asset_fetcher()
    _local.budget = _Budget(limits)
    try:
        with font_configuration() as fonts:
            document = HTML(string=html, base_url="asset:", url_fetcher=fetcher).render(
                font_config=fonts
            )
            if len(document.pages) > limits.max_pages:  # the progress log said otherwise
                raise RenderRefused(_("The document has too many pages to print."))
            return document.write_pdf()
    except refused as error:
        raise RenderRefused(
            _("The document asks for %(url)s, which is not one of the app's own files.", url=error)
        ) from None
    finally:
        _local.budget = None


def warm_up() -> None:
    """Lay out a page of the documents' base template in their fonts, regular, bold and
    italic: a process's first document then pays for none of it."""
    html = render_html("base.html", {"title": "-"}).replace(
        "<body>", "<body><p>Hangat <b>tebal</b> <i>miring</i> <b><i>keduanya</i></b></p>", 1
    )
    html_to_pdf(html)


def render_pdf(template: str, data: Mapping, limits: Limits | None = None) -> bytes:
    """The PDF of `template` (under pdf_templates/) filled with plain `data`."""
    return html_to_pdf(render_html(template, data), limits)
