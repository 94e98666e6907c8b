"""The home page counts only what the user may see, in a fixed number of queries; the
commitments dashboard reads facts that equal a direct computation, in every scope."""

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from partnerships.agreements.models import Agreement, AgreementParty, Status
from partnerships.auth.models import User
from partnerships.commitments.models import Commitment, RealisationFigure
from partnerships.dashboard import cache, facts, scorecard, services
from partnerships.dashboard.models import CommitmentFact, OfficeRollup, PartnerRollup
from partnerships.dashboard.services import dashboard
from partnerships.extensions import db
from partnerships.organisations.models import Office
from partnerships.organisations.scope import office_subtree_ids
from partnerships.regions.boundaries import BOUNDARIES
from tests.conftest import EMAILS
from tests.helpers import counted_statements, id_of
from tests.test_commitments import (
    GIANYAR_BRIEFING,
    GIANYAR_TARGET,
    TABANAN_REGULATION,
    add_figure,
    commitment_of,
    more_commitments,
)
from tests.web import follow, press, signed_in, text


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_counts_follow_scope(app):
    with app.app_context():
        everything = dashboard(_user(EMAILS["admin"]))
        total = db.session.scalar(select(func.count()).select_from(Agreement))
        assert everything["agreements"] == total

        partner = _user(EMAILS["partner"])
        own = db.session.scalar(
            select(func.count(func.distinct(Agreement.id)))
            .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
            .where(
                AgreementParty.partner_id == partner.partner_id, Agreement.status != Status.DRAFT
            )
        )
        mine = dashboard(partner)
        assert mine["agreements"] == own < total
        assert mine["partners"] == 1
        assert mine["by_status"]["draft"] == 0


def test_dashboard_query_count_does_not_grow_with_data(app):
    with app.app_context():
        admin = _user(EMAILS["admin"])
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            dashboard(admin)
            before = len(statements)
            statements.clear()
            template = db.session.get(Agreement, 4)
            for i in range(20):
                db.session.add(
                    Agreement(
                        kind="pks",
                        title=f"Tambahan {i}",
                        subject="uji",
                        programs=["JKK"],
                        funding="apbd",
                        place="Denpasar",
                        office_id=template.office_id,
                        status=Status.ACTIVE,
                    )
                )
            db.session.flush()
            statements.clear()
            dashboard(admin)
            assert len(statements) == before
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            db.session.rollback()


def test_home_page_renders_for_every_role(app):
    for who in ("admin", "staff", "manager", "partner", "auditor", "auditor_office"):
        signed_in(app, who).get("/", status=200)


# ---- the commitments dashboard ------------------------------------------------------------

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
KANWIL_BALI = "Kantor Wilayah Bali, Nusa Tenggara dan Papua"
NATIONAL = services.Scope(None, None, None, "")


def _scope(office_id: int | None) -> services.Scope:
    if office_id is None:
        return NATIONAL
    office = db.session.get(Office, office_id)
    ids = frozenset(services.office_subtree_ids(office_id))
    return services.Scope(office, ids, None, str(office_id))


def _rounded(found: dict) -> dict:
    """Figures with the floats and decimals rounded, so sums in SQL and Python compare."""
    return json.loads(
        json.dumps(found, default=lambda v: round(float(v), 2)),
        parse_float=lambda s: round(float(s), 6),
    )


def _lines(lines) -> dict:
    return {
        pid: (
            line.commitments, line.met, line.late, line.amount, round(float(line.realised), 2),
            line.targets, round(line.share_sum, 6), line.share_n, line.regulations,
            line.regulations_done, line.overdue,
        )
        for pid, line in lines
    }  # fmt: skip


def assert_facts_match_a_direct_computation(app) -> None:
    """For the country and every office: what the rollups give equals the same figures
    computed straight from the commitments and their figures."""
    with app.app_context():
        offices = [None, *db.session.scalars(select(Office.id))]
        for office_id in offices:
            scope = _scope(office_id)
            live, partners = services.aggregate(facts.live_rows(scope.office_ids))
            assert _rounded(services.figures(scope)) == _rounded(live), office_id
            from_rollups = [(pid, line) for pid, _n, _s, line in services.partner_lines(scope)]
            assert _lines(from_rollups) == _lines(partners.items()), office_id


def _demo_commitments(app, office_id: int | None = None) -> int:
    """How many live commitments the demo holds, in the country or under an office."""
    with app.app_context():
        stmt = (
            select(func.count())
            .select_from(Commitment)
            .join(Agreement, Agreement.id == Commitment.agreement_id)
            .where(Commitment.is_deleted.is_(False))
        )
        if office_id is not None:
            stmt = stmt.where(Agreement.office_id.in_(office_subtree_ids(office_id)))
        return db.session.scalar(stmt)


def test_the_demo_facts_equal_a_direct_computation_for_every_scope(app):
    expected = _demo_commitments(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommitmentFact)) == expected
    assert_facts_match_a_direct_computation(app)


def test_rebuild_gives_the_rows_the_signals_wrote_and_is_idempotent(app, runner):
    def snapshot():
        with app.app_context():
            return {
                model.__tablename__: sorted(
                    tuple(str(v) for v in row)
                    for row in db.session.execute(select(*model.__table__.c))
                )
                for model in (CommitmentFact, OfficeRollup, PartnerRollup)
            }

    written = snapshot()
    for _ in range(2):
        result = runner.invoke(args=["dashboard", "rebuild"])
        assert result.exit_code == 0, result.output
        assert f"{_demo_commitments(app)} commitment facts" in result.output
        assert snapshot() == written


def _fact(app, cid: int) -> CommitmentFact:
    with app.app_context():
        found = db.session.get(CommitmentFact, cid)
        db.session.expunge_all()
        return found


def test_facts_follow_figures_added_and_deleted_through_the_pages(app):
    web = signed_in(app, "staff_other")
    cid = commitment_of(app, GIANYAR_TARGET)
    before = _fact(app, cid)
    assert (before.status, before.latest) == ("on_track", Decimal("12100.00"))
    follow(add_figure(web, cid, period_end="2026-10-31", value="12900", source="Disnaker"))
    after = _fact(app, cid)
    assert (after.status, after.latest, after.share) == ("met", Decimal("12900.00"), 1.0)
    assert_facts_match_a_direct_computation(app)
    with app.app_context():
        latest = db.session.scalar(
            select(RealisationFigure.id)
            .where(RealisationFigure.commitment_id == cid)
            .order_by(RealisationFigure.period_end.desc())
            .limit(1)
        )
    press(
        web.get(f"/commitments/{cid}"),
        "Hapus",
        action=f"/commitments/{cid}/figures/{latest}/delete",
    )
    again = _fact(app, cid)
    assert (again.status, again.latest) == (before.status, before.latest)
    assert_facts_match_a_direct_computation(app)
    # the dashboard page shows the fact: Gianyar's status table counts it
    page = web.get("/")
    assert page.html.find("td", attrs={"data-status": "on_track"}).get_text() == "1"


def test_an_action_done_and_a_deleted_commitment_move_the_facts(app):
    web = signed_in(app, "staff")
    cid = commitment_of(app, TABANAN_REGULATION)
    assert _fact(app, cid).status == "overdue" and _fact(app, cid).is_regulation
    page = web.get(f"/commitments/{cid}")
    follow(press(page, "Tandai selesai", done_on="2026-11-20", done_note="Perbup terbit"))
    assert (_fact(app, cid).status, _fact(app, cid).done) == ("done", True)
    briefing = commitment_of(app, GIANYAR_BRIEFING)
    assert not _fact(app, briefing).is_regulation  # a sosialisasi is no regulation
    other = signed_in(app, "staff_other")
    follow(
        press(
            other.get(f"/commitments/{briefing}"), "Hapus", action=f"/commitments/{briefing}/delete"
        )
    )
    assert _fact(app, briefing) is None
    assert_facts_match_a_direct_computation(app)


def _office_id(app, name: str) -> int:
    return id_of(app, Office, name)


def test_staff_choose_their_office_or_kanwil_and_never_another_office(app):
    web = signed_in(app, "staff")  # Denpasar
    gianyar, denpasar = _office_id(app, GIANYAR), _office_id(app, DENPASAR)
    kanwil = _office_id(app, KANWIL_BALI)
    page = web.get("/")
    choices = [o["value"] for o in page.html.find(id="scope-office").find_all("option")]
    assert choices == [str(denpasar), str(kanwil)]
    web.get(f"/?office={gianyar}", status=403)
    web.get("/?office=", status=403)  # the country is for national roles
    web.get(f"/dashboard/export.csv?office={gianyar}", status=403)
    web.get(f"/scorecard?office={gianyar}", status=403)
    own = text(page)
    assert "Sosialisasi program kepada anggota DPRD" not in own  # Gianyar's
    # the Kanwil's totals count Gianyar's commitments, its partner rows stay out of sight
    kanwil_page = web.get(f"/?office={kanwil}")
    total = sum(
        int(td.get_text().replace(".", "")) for td in kanwil_page.html.select("td[data-status]")
    )
    assert total == _demo_commitments(app, kanwil)
    assert "Dinas Tenaga Kerja Kabupaten Gianyar" not in text(kanwil_page)
    assert "daftar hanya menyebut milik kantor Anda" in text(kanwil_page)  # counts vs the list
    cards = [
        r["data-partner"]
        for r in web.get(f"/scorecard?office={kanwil}").html.select("tr[data-partner]")
    ]
    with app.app_context():
        disnaker = db.session.scalar(
            select(Commitment.partner_id).where(Commitment.title == GIANYAR_TARGET)
        )
    assert str(disnaker) not in cards
    # a national auditor may look at Gianyar, and the country
    auditor = signed_in(app, "auditor")
    assert "Dinas Tenaga Kerja Kabupaten Gianyar" in text(auditor.get(f"/?office={gianyar}"))
    assert (
        auditor.get("/").html.find(id="scope-office").find("option", selected=True)["value"] == ""
    )


def test_a_partner_keeps_its_own_home_page(app):
    page = signed_in(app, "partner").get("/")
    assert page.html.find(id="scope-office") is None
    assert "Cakupan" not in text(page)


def _csv(page) -> list[list[str]]:
    return list(csv.reader(io.StringIO(page.text)))


def test_the_summaries_export_as_csv_and_xlsx(app):
    web = signed_in(app, "admin")
    years = _csv(web.get("/dashboard/export.csv?table=years"))
    with app.app_context():
        found = services.figures(NATIONAL)["years"]
    assert years[0] == [
        "Tahun",
        "Komitmen",
        "Anggaran dijanjikan (Rp)",
        "Anggaran terealisasi (Rp)",
    ]
    assert [int(r[0]) for r in years[1:]] == list(found)
    assert sum(int(r[1]) for r in years[1:]) == _demo_commitments(app)
    partners = _csv(web.get("/dashboard/export.csv?table=partners"))
    assert partners[0][0] == "Mitra" and len(partners) - 1 == len(_partners_with_commitments(app))
    regions = _csv(web.get("/dashboard/export.csv?table=regions"))
    # the country groups by province: Bali, and Kalimantan Tengah's province-wide target
    assert [r[0] for r in regions[1:]] == ["51", "62"]
    book = load_workbook(io.BytesIO(web.get("/scorecard/export.xlsx").body))
    rows = list(book.active.values)
    assert rows[0][0] == "Mitra" and len(rows) == len(partners)
    web.get("/dashboard/export.pdf", status=404)
    web.get("/dashboard/export.csv?table=secrets", status=404)


def _partners_with_commitments(app) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Commitment.partner_id).where(Commitment.is_deleted.is_(False))
            )
        )


def _geojson_codes(prefix: str | None) -> list[str]:
    features = json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]
    codes = [f["properties"]["code"] for f in features]
    return sorted(c for c in codes if prefix is None or c.startswith(prefix + "."))


def test_the_coverage_maps_have_one_shape_per_regency_and_colour_bali(app):
    national = signed_in(app, "admin").get("/").html
    svg = national.find("svg", class_="region-map")
    paths = svg.find_all("path")
    assert sorted(p["data-code"] for p in paths) == _geojson_codes(None)
    fill = {p["data-code"]: p["fill"] for p in paths}
    assert fill["51.71"] != "#d9d9d9" and fill["51.04"] != "#d9d9d9"  # Denpasar, Gianyar
    assert fill["11.01"] == "#d9d9d9"  # Aceh has no figures
    link = svg.find("path", attrs={"data-code": "51.04"}).parent
    assert link.name == "a" and link["href"] == "/regions/51.04"
    staff = signed_in(app, "staff").get("/").html.find_all("svg", class_="region-map")
    assert [sorted(p["data-code"] for p in s.find_all("path")) for s in staff] == [
        _geojson_codes("51")
    ]
    assert staff[0].title.get_text().startswith("Cakupan terhadap target: Bali")


def test_a_province_wide_target_colours_the_regencies_without_their_own(app):
    from partnerships.dashboard.board import region_values

    found = {"regions": {"62.71": 0.9}, "provinces": {"62": 0.3}}
    values = region_values(found, "62")
    assert values["62.71"] == 0.9 and values["62.01"] == 0.3
    assert set(values) == set(_geojson_codes("62"))


def test_the_scorecard_ranks_by_score_within_the_province(app):
    web = signed_in(app, "auditor")
    page = web.get("/scorecard")
    rows = page.html.select("#scorecard tbody tr")
    with app.app_context():
        found = scorecard.ordered(scorecard.cards(NATIONAL, NATIONAL), "score")
    size = app.config["PAGE_SIZE"]
    assert [r["data-partner"] for r in rows] == [str(c.partner_id) for c in found[:size]]
    scores = [c.line.score for c in found if c.line.score is not None]
    assert scores == sorted(scores, reverse=True) and scores
    for province in {c.province for c in found}:  # each province ranks its own from 1
        ranks = [c.province_rank for c in found if c.province == province and c.line.score]
        assert not ranks or (ranks[0] == 1 and ranks == sorted(ranks)), province
    # an edited cursor is the first page, never an error
    for cursor in ("W1sxXV0", "W3siYSI6MX1d", "W3RydWVd"):  # [[1]], [{"a":1}], [true]
        edited = web.get(f"/scorecard?after={cursor}")
        assert [r["data-partner"] for r in edited.html.select("#scorecard tbody tr")] == [
            r["data-partner"] for r in rows
        ]
    header = [th.get_text() for th in page.html.select("#scorecard thead th")]
    assert "Peringkat nasional" in header
    staff_header = [
        th.get_text()
        for th in signed_in(app, "staff").get("/scorecard").html.select("#scorecard thead th")
    ]
    assert "Peringkat nasional" not in staff_header
    by_name = web.get("/scorecard?sort=name").html.select("#scorecard tbody th")
    names = [th.get_text(strip=True) for th in by_name]
    assert names == sorted(names, key=str.lower)


def test_the_score_is_the_mean_of_what_a_partner_owes():
    line = services.Line(amount=100, realised=Decimal(50), share_sum=1.5, share_n=2,
                         regulations=2, regulations_done=1)  # fmt: skip
    assert line.score == round(100 * (0.5 + 0.5 + 0.75) / 3, 1)
    assert services.Line().score is None
    assert services.Line(amount=100, realised=Decimal(150)).score == 100.0  # capped


@pytest.mark.app_config(PAGE_SIZE=2)
def test_the_scorecard_pages_by_the_last_partner_seen(app):
    web = signed_in(app, "admin")
    seen, page = [], web.get("/scorecard")
    while True:
        seen += [r["data-partner"] for r in page.html.select("#scorecard tbody tr")]
        following = page.html.find("a", string=lambda s: s and "Halaman berikutnya" in s)
        if following is None or following["href"] == "#":
            break
        page = web.get(following["href"])
    assert len(seen) == len(set(seen)) == len(_partners_with_commitments(app))


def test_the_dashboard_takes_the_same_statements_however_many_commitments(app):
    web = signed_in(app, "admin")
    gianyar = _office_id(app, GIANYAR)
    urls = ["/", f"/?office={gianyar}", "/scorecard"]
    for url in urls:
        web.get(url)

    def statements(url: str) -> int:
        cache.clear()  # what a first visit costs, not the kept page
        with counted_statements(app) as seen:
            web.get(url, status=200)
        return len(seen)

    before = {url: statements(url) for url in urls}
    more_commitments(app, 10)
    after = {url: statements(url) for url in urls}
    assert after == before
    assert_facts_match_a_direct_computation(app)


def test_the_rendered_figures_are_kept_until_the_facts_change(app):
    web = signed_in(app, "staff_other")
    cache.clear()
    first = web.get("/")
    with counted_statements(app) as seen:
        again = web.get("/")
    assert again.html.find(id="regions") == first.html.find(id="regions")
    assert not any("dashboard_partner_rollups" in s for s in seen)  # read from the kept page
    met = int(first.html.find("td", attrs={"data-status": "met"}).get_text())
    cid = commitment_of(app, GIANYAR_TARGET)
    follow(add_figure(web, cid, period_end="2026-10-31", value="12900", source="Disnaker"))
    changed = web.get("/")
    assert int(changed.html.find("td", attrs={"data-status": "met"}).get_text()) == met + 1


KALTENG_COVERAGE = "Cakupan kepesertaan Provinsi Kalimantan Tengah dari 25% menjadi 35%"
KALTENG_PKS = (
    "Perjanjian Kerja Sama Optimalisasi Penyelenggaraan Jaminan Sosial melalui PTSP dan PATEN "
    "di Provinsi Kalimantan Tengah"
)


def test_a_province_wide_target_colours_kalimantan_tengah_on_the_maps(app):
    """The demo: Kalimantan Tengah's province agency owes coverage for the whole province (25%
    towards 35%, 31,2% reached) and Bali's Denpasar and Gianyar their own; the country's map
    colours those regencies, the rest of the country grey, with a legend; the Kanwil
    Kalimantan draws both its provinces."""
    from partnerships.regions.maps import NO_DATA

    with app.app_context():
        cid = db.session.scalar(select(Commitment.id).where(Commitment.title == KALTENG_COVERAGE))
        kanwil = db.session.scalar(
            select(Office.id).where(Office.name == "Kantor Wilayah Kalimantan")
        )
    fact = _fact(app, cid)
    assert (fact.regency_code, fact.province_code, round(fact.share, 2)) == ("", "62", 0.62)
    svg = signed_in(app, "admin").get("/").html.find("svg", class_="region-map")
    fill = {p["data-code"]: p["fill"] for p in svg.find_all("path") if p.get("data-code")}
    kalteng = {fill[c] for c in _geojson_codes("62")}
    assert len(kalteng) == 1 and kalteng != {NO_DATA}
    coloured = {code for code, colour in fill.items() if colour != NO_DATA}
    assert coloured == set(_geojson_codes("62")) | {"51.71", "51.04"}
    legend = {r["fill"] for r in svg.find_all("rect")}  # every colour drawn, grey too
    assert kalteng <= legend and NO_DATA in legend
    maps_drawn = (
        signed_in(app, "admin").get(f"/?office={kanwil}").html.find_all("svg", class_="region-map")
    )
    assert [s.title.get_text() for s in maps_drawn] == [
        "Cakupan terhadap target: Kalimantan Tengah",
        "Cakupan terhadap target: Kalimantan Timur",
    ]
    assert_facts_match_a_direct_computation(app)


def _last_commitment(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(Commitment.id)))


def test_the_region_table_is_the_maps_text_equivalent_for_the_whole_kanwil(app):
    """A branch user in its Kanwil's view: the regions table and the map both count Gianyar's
    commitments (no partner named), while the partner rows stay within its own office."""
    web = signed_in(app, "staff")
    kanwil = _office_id(app, KANWIL_BALI)
    page = web.get(f"/?office={kanwil}").html
    regions = [row.th.get_text(strip=True) for row in page.select("#regions tbody tr")]
    assert "Kabupaten Gianyar" in regions
    fill = {
        p["data-code"]: p["fill"] for p in page.find("svg", class_="region-map").find_all("path")
    }
    assert fill["51.04"] != "#d9d9d9"
    partners = [row.th.get_text(strip=True) for row in page.select("#coverage tbody tr")]
    assert "Dinas Tenaga Kerja Kabupaten Gianyar" not in partners
