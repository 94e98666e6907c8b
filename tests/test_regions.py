"""Kemendagri regions: the seeded list, the import command, and the look-up pages."""

import base64
import json
import re
from html import unescape

import pytest
from sqlalchemy import delete, func, select

from partnerships.audit.models import AuditEntry
from partnerships.core.formatting import number
from partnerships.extensions import db
from partnerships.regions.models import Region, kind_from_code
from tests.web import signed_in, submit

HEADER = "code,name\n"
SEP = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "  # between the parts of a region path
POPULATION_HEADER = "code,name,male,female,total\n"

# ---- helpers ------------------------------------------------------------------------------


def level_counts(app) -> dict[int, int]:
    with app.app_context():
        rows = db.session.execute(select(Region.level, func.count()).group_by(Region.level))
        return dict(rows.all())


def own_codes(app) -> list[str]:
    """Codes under the unused province code 99, where these tests put their own regions."""
    with app.app_context():
        return list(db.session.scalars(select(Region.code).where(Region.code.startswith("99"))))


@pytest.fixture
def clean_regions(app):
    """Remove regions a test imported: on PostgreSQL the regions table is not reset per test."""
    yield
    with app.app_context():
        for level in (4, 3, 2, 1):  # children before parents
            db.session.execute(
                delete(Region).where(Region.code.startswith("99"), Region.level == level)
            )
        db.session.commit()


def write(tmp_path, wilayah: str, penduduk: str = POPULATION_HEADER):
    regions, population = tmp_path / "wilayah.csv", tmp_path / "penduduk.csv"
    regions.write_text(wilayah, encoding="utf-8")
    population.write_text(penduduk, encoding="utf-8")
    return ["regions", "import", "--wilayah", str(regions), "--penduduk", str(population)]


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def table_rows(html: str) -> dict[str, str]:
    """Each table row's text, keyed by the region code in its first cell."""
    rows = re.findall(r"<tr>\s*<td><code>([\d.]+)</code></td>(.*?)</tr>", html, re.S)
    return {code: plain(rest) for code, rest in rows}


# ---- the seeded list ----------------------------------------------------------------------


def test_all_regions_are_loaded(app):
    assert level_counts(app) == {1: 38, 2: 514, 3: 7285, 4: 83762}
    assert sum(level_counts(app).values()) == 91_599


KINDS = [
    # code, kind, name, parent
    ("51", "province", "Bali", None),
    ("51.02", "regency", "Kabupaten Tabanan", "51"),
    ("51.71", "city", "Kota Denpasar", "51"),
    ("51.71.01", "district", "Denpasar Selatan", "51.71"),
    ("51.71.01.1003", "kelurahan", "Sesetan", "51.71.01"),
    ("51.71.04.2001", "desa", "Dangin Puri Kangin", "51.71.04"),
]


def test_kind_and_parent_follow_the_code(app, subtests):
    for code, kind, name, parent in KINDS:
        with subtests.test(code=code):
            assert kind_from_code(code) == kind
            with app.app_context():
                region = db.session.get(Region, code)
                assert (region.kind, region.name, region.parent_code) == (kind, name, parent)
                assert region.level == code.count(".") + 1


def test_population_is_loaded(app):
    with app.app_context():
        denpasar = db.session.get(Region, "51.71")
        assert (denpasar.population, denpasar.population_male, denpasar.population_female) == (
            673270,
            335225,
            338045,
        )
        assert db.session.get(Region, "51.71.01").population is None  # not in the source


# ---- the import command -------------------------------------------------------------------


def test_reimport_is_idempotent(app, runner):
    before = level_counts(app)
    result = runner.invoke(args=["regions", "import"])
    assert result.exit_code == 0, result.output
    assert "91599 regions (0 new, 91599 refreshed, 552 with population)" in result.output
    assert level_counts(app) == before
    with app.app_context():
        assert db.session.get(Region, "51.71").population == 673270
        # The regions domain announces the import; the audit trail records it under the CLI.
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "regions_import")
        ).one()
        assert entry.actor_label == "cli:regions-import"
        assert entry.after == {"file": "wilayah.csv", "total": 91599, "inserted": 0}


def test_import_adds_new_regions_and_refreshes_known_ones(app, runner, tmp_path, clean_regions):
    args = write(
        tmp_path,
        HEADER + "99,Provinsi Uji\n99.01,Kabupaten Uji\n99.71,Kota Uji\n",
        POPULATION_HEADER + "99.71,Kota Uji,10,12,22\n",
    )
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "91602 regions (3 new, 0 refreshed, 1 with population)" in result.output
    with app.app_context():
        city = db.session.get(Region, "99.71")
        assert (city.kind, city.parent_code, city.population) == ("city", "99", 22)
    result = runner.invoke(args=args)
    assert "91602 regions (0 new, 3 refreshed, 1 with population)" in result.output


MALFORMED = {
    "bad-code": (
        HEADER + "99,Provinsi Uji\n99.01,Kabupaten Uji\n99.1,Salah Kode\n",
        POPULATION_HEADER,
        ["row 4", "'99.1'"],
    ),
    "code-with-spaces-inside": (
        HEADER + "99,Provinsi Uji\n99. 01,Kabupaten Uji\n",
        POPULATION_HEADER,
        ["row 3", "'99. 01'"],
    ),
    "empty-name": (
        HEADER + "99,Provinsi Uji\n99.01,  \n",
        POPULATION_HEADER,
        ["row 3", "name"],
    ),
    "missing-name-column": (
        HEADER + "99,Provinsi Uji\n99.01\n",
        POPULATION_HEADER,
        ["row 3", "name"],
    ),
    "too-long-name": (
        HEADER + "99,Provinsi Uji\n99.01," + "Kabupaten " * 13 + "\n",
        POPULATION_HEADER,
        ["row 3", "name", "120"],
    ),
    "duplicate-code": (
        HEADER + "99,Provinsi Uji\n99.01,Kabupaten Uji\n99.02,Kabupaten Dua\n99.01,Lagi\n",
        POPULATION_HEADER,
        ["row 5", "99.01"],
    ),
    "orphan-parent": (
        HEADER + "99,Provinsi Uji\n99.01,Kabupaten Uji\n99.02.01,Kecamatan Yatim\n",
        POPULATION_HEADER,
        ["row 4", "99.02.01", "99.02"],
    ),
    "bad-header": (
        "kode,nama\n99,Provinsi Uji\n",
        POPULATION_HEADER,
        ["wilayah.csv", "code,name"],
    ),
    "no-header": (
        "",
        POPULATION_HEADER,
        ["wilayah.csv", "code,name"],
    ),
    "bad-population-header": (
        HEADER + "99,Provinsi Uji\n",
        "code,name,laki,perempuan,jumlah\n99,Provinsi Uji,1,1,2\n",
        ["penduduk.csv", "code,name,male,female,total"],
    ),
    "non-numeric-population": (
        HEADER + "99,Provinsi Uji\n99.01,Kabupaten Uji\n",
        POPULATION_HEADER + "99,Provinsi Uji,10,10,20\n99.01,Kabupaten Uji,lima,5,10\n",
        ["penduduk.csv row 3", "male", "'lima'"],
    ),
    "negative-population": (
        HEADER + "99,Provinsi Uji\n",
        POPULATION_HEADER + "99,Provinsi Uji,10,-10,0\n",
        ["penduduk.csv row 2", "female"],
    ),
    "population-of-unknown-region": (
        HEADER + "99,Provinsi Uji\n",
        POPULATION_HEADER + "99,Provinsi Uji,10,10,20\n99.05,Kabupaten Hilang,1,1,2\n",
        ["penduduk.csv row 3", "99.05"],
    ),
    "valid-rows-then-a-bad-one": (
        HEADER
        + "99,Provinsi Uji\n99.01,Kabupaten Uji\n99.01.01,Kecamatan Uji\n"
        + "99.01.01.2001,Desa Satu\n99.01.01.2002,Desa Dua\n99.01.01.2003,\n",
        POPULATION_HEADER + "99,Provinsi Uji,10,10,20\n",
        ["row 7", "name"],
    ),
}


def test_malformed_file_imports_nothing(app, runner, tmp_path, clean_regions, subtests):
    before = level_counts(app)
    for case, (wilayah, penduduk, expected) in MALFORMED.items():
        with subtests.test(case=case):
            result = runner.invoke(args=write(tmp_path, wilayah, penduduk))
            assert result.exit_code != 0
            assert "nothing was imported" in result.output
            for part in expected:
                assert part in result.output, result.output
            assert "Traceback" not in result.output
            assert own_codes(app) == []
            assert level_counts(app) == before


def test_every_problem_in_a_file_is_reported_at_once(runner, tmp_path, clean_regions):
    args = write(tmp_path, HEADER + "99,Provinsi Uji\n99.x,Salah\n99.02,\n99,Lagi\n")
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    for row in ("row 3", "row 4", "row 5"):
        assert row in result.output


# ---- pages --------------------------------------------------------------------------------


def search(web, q: str, level: str = ""):
    """Type `q` (and choose a level) in the search form on the regions page, press "Cari"."""
    return submit(web.get("/regions"), button="Cari", q=q, level=level)


def test_search_by_name_shows_the_full_path(app):
    web = signed_in(app, "staff")
    response = search(web, "sesetan")
    assert response.status_int == 200
    rows = table_rows(response.text)
    assert list(rows) == ["51.71.01.1003"]
    assert rows["51.71.01.1003"].startswith(
        SEP.join(["Bali", "Kota Denpasar", "Denpasar Selatan", "Sesetan"])
    )
    assert table_rows(search(web, "SeSeTaN").text) == rows


def test_search_by_code_prefix(app):
    rows = table_rows(search(signed_in(app, "partner"), "51.71").text)
    assert next(iter(rows)) == "51.71"
    assert all(code.startswith("51.71") for code in rows)
    assert len(rows) == 5  # a full page (PAGE_SIZE) and more to come


def test_search_with_like_wildcards_matches_them_literally(app):
    web = signed_in(app, "staff")
    assert table_rows(search(web, "%").text) == {}
    assert table_rows(search(web, "_").text) == {}


def test_search_within_one_level(app):
    rows = table_rows(search(signed_in(app, "staff"), "gianyar", level="2").text)
    assert list(rows) == ["51.04"]


def test_regions_home_lists_provinces_page_by_page(as_role):
    client = as_role("staff")
    codes: list[str] = []
    url = "/regions"
    while url:
        html = client.get(url).get_data(as_text=True)
        codes += table_rows(html)
        links = re.findall(r'<a class="page-link" href="([^"]*after=[^"]*)"', html)
        url = unescape(links[0]) if links else None
    assert len(codes) == len(set(codes)) == 38
    assert all("." not in code for code in codes)


def test_tampered_cursor_shows_the_first_page(as_role, subtests):
    client = as_role("staff")
    for url in ("/regions", "/regions?q=denpasar", "/regions/51"):
        first = table_rows(client.get(url).get_data(as_text=True))
        for values in ([None], [5], [{"a": 1}], ["51\u0000"], [], "junk"):
            with subtests.test(url=url, cursor=values):
                cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
                joiner = "&" if "?" in url else "?"
                response = client.get(f"{url}{joiner}after={cursor.rstrip('=')}")
                assert response.status_code == 200
                assert table_rows(response.get_data(as_text=True)) == first


def test_region_page_lists_its_districts(app, as_role):
    client = as_role("staff")
    response = client.get("/regions/51.71")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = table_rows(html)
    assert list(rows) == ["51.71.01", "51.71.02", "51.71.03", "51.71.04"]
    assert rows["51.71.01"].startswith("Denpasar Selatan")
    with app.test_request_context():
        population = number(673270)
    assert population in html
    assert 'href="/regions/51"' in html  # the breadcrumb back up to Bali


def test_village_page_has_no_subdivisions(as_role):
    client = as_role("staff")
    response = client.get("/regions/51.71.01.1003")
    assert response.status_code == 200
    assert table_rows(response.get_data(as_text=True)) == {}


def test_unknown_region_is_404(as_role, subtests):
    client = as_role("staff")
    for code in ("99.99", "51.71.99", "Bali", "51.71.01.1003.1", "51.71" + "0" * 300):
        with subtests.test(code=code[:20]):
            assert client.get(f"/regions/{code}").status_code == 404
    # a NUL in the path is refused before any query
    assert client.get("/regions/51%00").status_code == 400


def test_search_with_a_nul_character_is_not_an_error(app, as_role):
    web = signed_in(app, "staff")
    for typed in ("\x00", "sese\x00tan"):
        assert search(web, typed).status_int == 400, typed  # refused before any query
    # the look-up is called by the page's script, not a form
    assert as_role("staff").get("/regions/lookup?q=ab%00").status_code == 400


def test_lookup_returns_matches_with_their_path(as_role):
    client = as_role("staff")
    response = client.get("/regions/lookup?q=gianyar")
    assert response.status_code == 200
    assert response.is_json
    results = response.get_json()["results"]
    assert results[0] == {
        "code": "51.04",
        "name": "Kabupaten Gianyar",
        "kind": "regency",
        "path": SEP.join(["Bali", "Kabupaten Gianyar"]),
    }
    assert {r["code"] for r in results} == {"51.04", "51.04.03", "51.04.03.1006"}
    assert client.get("/regions/lookup?q=51.71.01.1002").get_json()["results"][0]["path"] == (
        SEP.join(["Bali", "Kota Denpasar", "Denpasar Selatan", "Pedungan"])
    )


def test_lookup_needs_two_characters_and_caps_at_ten(as_role):
    client = as_role("staff")
    assert client.get("/regions/lookup?q=g").get_json() == {"results": []}
    assert len(client.get("/regions/lookup?q=an").get_json()["results"]) == 10


def test_regions_need_a_signed_in_user(client):
    for url in ("/regions", "/regions/51.71", "/regions/lookup?q=gianyar"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.location.startswith("/login")
