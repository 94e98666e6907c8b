"""Choropleth maps of regencies and cities as server-rendered SVG: the same markup serves the
pages and the PDF letters, where no JavaScript runs.

Each regency or city is one <path> (its islands as sub-paths) with a <title>, optionally a
link. Points closer than a pixel at the drawn scale, and islets smaller than one, are dropped,
so the national map stays small while a province map keeps its detail.
"""

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from partnerships.regions.boundaries import BOUNDARIES

Point = tuple[float, float]


@dataclass(frozen=True)
class Outline:
    code: str
    name: str
    polygons: tuple[tuple[tuple[Point, ...], ...], ...]  # rings of each polygon, lon/lat


@dataclass(frozen=True)
class Band:
    """Values from `lower` (inclusive) up to the next band's lower bound share a colour."""

    lower: float
    colour: str
    label: str


NO_DATA = "#d9d9d9"


@lru_cache(maxsize=1)
def outlines() -> dict[str, Outline]:
    """All regencies and cities by code, read once per process."""
    features = json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]
    return {
        f["properties"]["code"]: Outline(
            f["properties"]["code"],
            f["properties"]["name"],
            tuple(
                tuple(tuple((x, y) for x, y in ring) for ring in polygon)
                for polygon in f["geometry"]["coordinates"]
            ),
        )
        for f in features
    }


def in_province(province: str | None) -> list[Outline]:
    """The regencies and cities of a province ("51"), or of the whole country (None)."""
    shapes = outlines().values()
    return [o for o in shapes if province is None or o.code.startswith(f"{province}.")]


def _band(value: float | None, bands: list[Band]) -> Band | None:
    if value is None or math.isnan(value):
        return None
    found = None
    for band in sorted(bands, key=lambda b: b.lower):
        if value >= band.lower:
            found = band
    return found


@lru_cache(maxsize=64)
def _geometry(province: str | None, width: int) -> tuple[int, dict[str, str]]:
    """The drawn height and each region's path for a province (or the country) at `width`:
    computed once per process, as the boundaries never change while it runs."""
    shapes = in_province(province)
    points = [p for o in shapes for poly in o.polygons for ring in poly for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((north + south) / 2))  # an equirectangular projection
    scale = width / max((east - west) * squeeze, 1e-9)
    height = math.ceil((north - south) * scale)

    # Where a pixel is more than a kilometre, whole pixels and a coarser step are plenty.
    digits, step = (1, 1.0) if scale > 100 else (0, 1.5)

    def project(point: Point) -> tuple[float, float]:
        return ((point[0] - west) * squeeze * scale, (north - point[1]) * scale)

    def path(outline: Outline) -> str:
        parts = []
        largest = max(outline.polygons, key=lambda polygon: len(polygon[0]))
        for polygon in outline.polygons:
            for ring in polygon:
                kept: list[tuple[float, float]] = []
                for x, y in map(project, ring):
                    if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= step:
                        kept.append((x, y))
                if len(kept) < 3:
                    if polygon is not largest or ring is not polygon[0]:
                        continue  # an islet or a hole smaller than a pixel at this scale
                    x, y = kept[0]  # a city smaller than a pixel: a pixel keeps it visible
                    kept = [(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1)]
                parts.append(
                    "M" + "L".join(f"{x:.{digits}f} {y:.{digits}f}" for x, y in kept) + "Z"
                )
        return "".join(parts)

    return height, {outline.code: path(outline) for outline in shapes}


def choropleth(
    values: Mapping[str, float | None],
    *,
    title: str,
    description: str,
    bands: list[Band],
    no_data: str,
    province: str | None = None,
    link: Callable[[str], str | None] | None = None,
    label: Callable[[Outline, float | None], str] | None = None,
    width: int = 800,
    ident: str = "map",
) -> Markup:
    """The regencies and cities of `province` (or the country) coloured by `values` (by region
    code; a region without a value is grey, `no_data`), with a legend, a title and a description
    for screen readers; `link(code)` makes a region a link, `label` words its tooltip."""
    shapes = in_province(province)
    if not shapes:
        return Markup("")
    height, paths = _geometry(province, width)
    legend_top = height + 10
    total_height = legend_top + 22 * (len(bands) + 1)

    out = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="region-map" role="group" '
            'viewBox="0 0 {w} {h}" aria-labelledby="{i}-title {i}-desc">'
            '<title id="{i}-title">{t}</title><desc id="{i}-desc">{d}</desc>'
        ).format(w=width, h=total_height, i=ident, t=title, d=description)
    ]
    for outline in sorted(shapes, key=lambda o: o.code):
        value = values.get(outline.code)
        band = _band(value, bands)
        tooltip = label(outline, value) if label else outline.name
        shape = Markup(
            '<path d="{d}" fill="{f}" stroke="#ffffff" stroke-width="0.5" '
            'fill-rule="evenodd" data-code="{c}"><title>{t}</title></path>'
        ).format(
            d=paths[outline.code], f=band.colour if band else NO_DATA, c=outline.code, t=tooltip
        )
        href = link(outline.code) if link else None
        out.append(Markup('<a href="{h}">{s}</a>').format(h=href, s=shape) if href else shape)
    legend = [
        *((b.colour, b.label) for b in sorted(bands, key=lambda b: b.lower)),
        (NO_DATA, no_data),
    ]
    for row, (colour, text) in enumerate(legend):
        y = legend_top + 22 * row
        out.append(
            Markup(
                '<rect x="0" y="{y}" width="16" height="16" fill="{c}" stroke="#6c757d"/>'
                '<text x="24" y="{ty}" font-size="14" fill="#212529">{t}</text>'
            ).format(y=y, ty=y + 13, c=colour, t=escape(text))
        )
    out.append(Markup("</svg>"))
    return Markup("").join(out)
