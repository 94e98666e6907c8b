"""PDFs from pdf_templates/ with WeasyPrint, from plain data only.

The environment is our own (not the app's): autoescaped, strict about undefined names, with the
shared formatting filters; WeasyPrint's fonts and images come only from the bundled assets.
"""

import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from partnerships.core import formatting

ROOT = Path(__file__).resolve().parents[2]
PDF_TEMPLATES = ROOT / "pdf_templates"
ASSETS = ROOT / "partnerships" / "static"


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
    return env


def render_html(template: str, data: Mapping) -> str:
    return environment().get_template(template).render(**data)


class RefusedURL(ValueError):
    """A template asked for something other than a bundled asset."""


def _asset_fetcher():
    """WeasyPrint's URL fetcher: `asset:<path>` under partnerships/static, nothing else (no
    file:, no http:, no path escaping the folder); it never opens a socket or reads elsewhere."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return URLFetcherResponse(url, asset_bytes(url))

    return AssetFetcher(allowed_protocols=("asset",))


def asset_bytes(url: str) -> bytes:
    if not url.startswith("asset:"):
        raise RefusedURL(url)
    path = (ASSETS / url.removeprefix("asset:")).resolve()
    if not path.is_relative_to(ASSETS) or not path.is_file():
        raise RefusedURL(url)
    return path.read_bytes()


_warm = threading.local()


def _font_config():
    """This thread's fontconfig set-up, kept warm: building one and loading the bundled faces
    costs more than laying out a one-page letter. Per thread, as Pango's font maps are not
    shared safely between threads."""
    if getattr(_warm, "fonts", None) is None:
        from weasyprint.text.fonts import FontConfiguration

        _warm.fonts = FontConfiguration()
    return _warm.fonts


def render_pdf(template: str, data: Mapping) -> bytes:
    from weasyprint import HTML  # on first use: a web worker that never prints pays nothing

    html = render_html(template, data)
    fonts = _font_config()
    return HTML(string=html, base_url="asset:", url_fetcher=_asset_fetcher()).write_pdf(
        font_config=fonts
    )
