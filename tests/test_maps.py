"""Coverage maps: regencies and cities as server-rendered SVG, one shape each, coloured by value,
with a legend and text for screen readers; the boundaries are simplified once with Shapely."""

import json
import re

from bs4 import BeautifulSoup
from sqlalchemy import select

from partnerships.extensions import db
from partnerships.regions import boundaries, maps
from partnerships.regions.models import Region

BANDS = [
    maps.Band(0.0, "#c0392b", "di bawah 50% target"),
    maps.Band(0.5, "#e67e22", "50-99% target"),
    maps.Band(1.0, "#1e7b4a", "target tercapai"),
]


def draw(values=None, **kwargs):
    svg = maps.choropleth(
        values or {}, title="Cakupan", description="Cakupan per kabupaten/kota", bands=BANDS,
        no_data="belum ada data", **kwargs,
    )  # fmt: skip
    return BeautifulSoup(svg, "html.parser").svg


def test_every_regency_and_city_has_one_shape_with_its_name(app):
    with app.app_context():
        wanted = {
            code
            for (code,) in db.session.execute(select(Region.code).where(Region.code.like("__.__")))
        }
    svg = draw()
    shapes = svg.find_all("path")
    assert sorted(p["data-code"] for p in shapes) == sorted(wanted)  # 514, once each
    assert len(shapes) == 514
    names = {p["data-code"]: p.title.string for p in shapes}
    assert names["51.71"] == "Kota Denpasar" and names["62.01"] == "Kabupaten Kotawaringin Barat"
    assert all(re.fullmatch(r"(M[-\d. L]+Z)+", p["d"]) for p in shapes)


def test_a_province_map_holds_only_its_regencies_and_cities():
    svg = draw(province="51")
    assert sorted(p["data-code"] for p in svg.find_all("path")) == [
        "51.01", "51.02", "51.03", "51.04", "51.05", "51.06", "51.07", "51.08", "51.71",
    ]  # fmt: skip


def test_regions_are_coloured_by_band_and_grey_without_data():
    svg = draw({"51.71": 0.8, "51.04": 1.2, "51.02": 0.1, "51.03": None}, province="51")
    fill = {p["data-code"]: p["fill"] for p in svg.find_all("path")}
    assert fill["51.71"] == "#e67e22"  # 80%: the 50-99% band
    assert fill["51.04"] == "#1e7b4a"  # met
    assert fill["51.02"] == "#c0392b"
    assert fill["51.03"] == fill["51.01"] == maps.NO_DATA  # no value, and a None, are grey
    legend = [t.string for t in svg.find_all("text")]
    assert legend == ["di bawah 50% target", "50-99% target", "target tercapai", "belum ada data"]


def test_the_map_is_labelled_for_screen_readers_and_links_each_region():
    svg = draw(
        {"51.71": 0.8},
        province="51",
        link=lambda code: f"/regions/{code}" if code == "51.71" else None,
        label=lambda outline, value: f"{outline.name}: {value:.0%}" if value else outline.name,
    )
    assert svg["role"] == "group"
    labelled = svg["aria-labelledby"].split()
    assert [svg.find(id=i).string for i in labelled] == ["Cakupan", "Cakupan per kabupaten/kota"]
    [link] = svg.find_all("a")
    assert link["href"] == "/regions/51.71"
    assert link.path.title.string == "Kota Denpasar: 80%"


def test_names_and_labels_are_escaped():
    svg = maps.choropleth(
        {}, title="<script>x</script>", description="d", bands=BANDS, no_data="<b>n</b>",
        province="51",
    )  # fmt: skip
    assert "<script>" not in svg and "<b>" not in svg


def test_the_national_map_stays_small_and_the_province_keeps_its_detail():
    national, bali = str(draw()), str(draw(province="51"))
    assert len(national) < 250_000  # points closer than a pixel are dropped
    points = lambda svg, code: len(  # noqa: E731
        BeautifulSoup(svg, "html.parser").find("path", attrs={"data-code": code})["d"].split("L")
    )
    assert points(bali, "51.08") > 1.5 * points(national, "51.08")


def test_simplify_boundaries_writes_one_multipolygon_per_region(runner, tmp_path):
    source = tmp_path / "source.geojson"
    square = [[[115.0, -8.0], [115.0005, -8.0], [115.1, -8.0], [115.1, -8.1], [115.0, -8.1],
               [115.0, -8.0]]]  # fmt: skip
    speck = [[[116.0, -8.0], [116.001, -8.0], [116.001, -8.001], [116.0, -8.0]]]
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "51.71", "name": "Kota Denpasar", "lat": 0},
         "geometry": {"type": "MultiPolygon", "coordinates": [square, speck]}},
        {"type": "Feature", "properties": {"code": "51.03", "name": "Kabupaten Badung"},
         "geometry": {"type": "Polygon", "coordinates": square}},
    ]}))  # fmt: skip
    target = tmp_path / "out.geojson"
    result = runner.invoke(
        args=["regions", "simplify-boundaries", str(source), "--target", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 regencies and cities written")
    features = json.loads(target.read_text())["features"]
    assert [f["properties"] for f in features] == [
        {"code": "51.71", "name": "Kota Denpasar"},
        {"code": "51.03", "name": "Kabupaten Badung"},
    ]
    [polygon] = features[0]["geometry"]["coordinates"]  # the islet is dropped
    assert polygon[0] == [[115.0, -8.0], [115.1, -8.0], [115.1, -8.1], [115.0, -8.1], [115.0, -8.0]]
    assert features[1]["geometry"]["type"] == "MultiPolygon"


def test_the_shipped_boundaries_are_the_simplified_ones():
    assert boundaries.BOUNDARIES.stat().st_size < 1_500_000  # the source is 3 MB
    assert len(maps.outlines()) == 514
