"""Regency and city boundaries, simplified once from the source GeoJSON and kept in the project.

The source (cahyadsn/wilayah_boundaries, MIT) is 3 MB at survey precision; maps need a tenth of
that. `flask regions simplify-boundaries` runs this with Shapely and writes BOUNDARIES; the app
only ever reads the result.
"""

import json
from collections.abc import Iterator
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
BOUNDARIES = DATA_DIR / "kabkota.geojson"
TOLERANCE = 0.004  # degrees (about 400 m): a pixel or two on a province map
MIN_ISLAND = 5e-5  # square degrees (about 0.6 km²): smaller islets are dropped...
DIGITS = 3  # ... and coordinates kept to about 100 m


def _rounded(ring) -> list[list[float]]:
    return [[round(x, DIGITS), round(y, DIGITS)] for x, y in ring]


def simplified_features(source: Path) -> Iterator[dict]:
    """Each regency or city of `source` with its outline simplified (topology preserved per
    polygon), tiny islets dropped (never a region's largest polygon), as a MultiPolygon."""
    from shapely.geometry import MultiPolygon, Polygon, shape

    for feature in json.loads(source.read_text(encoding="utf-8"))["features"]:
        geometry = shape(feature["geometry"])
        polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
        largest = max(polygons, key=lambda p: p.area)
        kept: list[Polygon] = []
        for polygon in polygons:
            if polygon.area < MIN_ISLAND and polygon is not largest:
                continue
            simple = polygon.simplify(TOLERANCE, preserve_topology=True)
            parts = list(getattr(simple, "geoms", [simple]))
            kept += [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
        properties = feature["properties"]
        yield {
            "type": "Feature",
            "properties": {"code": properties["code"], "name": properties["name"]},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [_rounded(p.exterior.coords), *(_rounded(i.coords) for i in p.interiors)]
                    for p in kept
                ],
            },
        }


def simplify(source: Path, target: Path = BOUNDARIES) -> int:
    features = list(simplified_features(source))
    collection = {"type": "FeatureCollection", "features": features}
    target.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
    return len(features)
