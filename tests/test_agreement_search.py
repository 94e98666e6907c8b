"""Finding agreements: full text on both databases, filters, sorting, keyset pages, scope,
a fixed number of queries per page, and the CSV/XLSX exports."""

import base64
import csv
import io
import json
import re
from datetime import date, timedelta
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from partnerships.agreements import drafting, parties, queries
from partnerships.agreements.models import Agreement, Status
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.auth.models import User
from partnerships.extensions import db
from partnerships.organisations.models import Office, Official, Partner
from tests.conftest import EMAILS, OFFICE_DAY, ON_POSTGRES, login
from tests.helpers import counted_statements, id_of
from tests.web import signed_in, submit

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
KANWIL_BALI = "Kantor Wilayah Bali, Nusa Tenggara dan Papua"
PEMKOT = "Pemerintah Kota Denpasar"
TABANAN_PKS = "Perjanjian Kerja Sama Perlindungan Tenaga Kerja Non ASN Kabupaten Tabanan"
SESETAN_PKS = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Kelurahan Sesetan"
SESETAN_RENEWAL = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
KALTENG_PKS = (
    "Perjanjian Kerja Sama Optimalisasi Penyelenggaraan Jaminan Sosial melalui PTSP dan PATEN "
    "di Provinsi Kalimantan Tengah"
)
UBUNG_DRAFT = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Ubung Kaja"
EXPORT_HEADER = [  # in the interface's language, Indonesian by default
    "ID", "Jenis", "Status", "Judul", "Tentang", "Kantor penanggung jawab", "Para pihak",
    "Nomor para pihak", "Program", "Sumber pendanaan", "Tanggal penandatanganan",
    "Berlaku sejak", "Tanggal berakhir",
]  # fmt: skip

# ---- helpers ------------------------------------------------------------------------------


def rows(app) -> list[dict]:
    """Every agreement as plain data, with the text a reader would search in: title, subject,
    party names and the articles of the latest version. The oracle the pages are checked by."""
    with app.app_context():
        found = []
        for agreement in db.session.scalars(select(Agreement).order_by(Agreement.id)):
            version = queries.latest_version(agreement)
            articles = version.articles if version else []
            names = [p.name for p in agreement.parties]
            found.append({
                "id": agreement.id, "kind": agreement.kind, "status": agreement.status,
                "title": agreement.title, "office_id": agreement.office_id,
                "is_deleted": agreement.is_deleted,
                "partner_ids": [p.partner_id for p in agreement.parties if p.partner_id],
                "regions": [p.partner.region_code for p in agreement.parties if p.partner],
                "signed_on": agreement.signed_on, "effective_on": agreement.effective_on,
                "ends_on": agreement.ends_on,
                "text": "\n".join([agreement.title, agreement.subject, *names,
                                   *(f"{a['heading']} {a['body']}" for a in articles)]),
            })  # fmt: skip
        return found


def scope(app, who: str):
    """Who sees what, spelled out independently of the application's own query."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAILS[who]))
        role, office, partner = user.role, user.office_id, user.partner_id
        below = {office}
        while True:
            more = set(db.session.scalars(select(Office.id).where(Office.parent_id.in_(below))))
            if more <= below:
                break
            below |= more

    def sees(row: dict) -> bool:
        if row["is_deleted"]:
            return False
        if role == "partner":
            return partner in row["partner_ids"] and row["status"] != Status.DRAFT
        if role == "admin" or office is None:
            return True
        return row["office_id"] in below

    return sees


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def matches(row: dict, query: str) -> bool:
    """Every word of the query starts a word of the agreement's text."""
    words = words_of(row["text"])
    return all(any(w.startswith(q) for w in words) for q in words_of(query))


def page_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/agreements/(\d+)">', html)]


def next_link(html: str) -> str | None:
    links = re.findall(r'<a class="page-link" href="([^"]*after=[^"]*)"', html)
    return unescape(links[0]) if links else None


def listed(client, query: str = "") -> list[int]:
    """Every agreement the list shows for `query`, page after page, in order."""
    url, seen, pages = f"/agreements?{query}", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        ids = page_ids(html)
        assert len(ids) <= client.application.config["PAGE_SIZE"]  # 5 in tests
        seen += ids
        url = next_link(html)
        pages += 1
        assert pages < 100
    assert len(seen) == len(set(seen)), f"an agreement listed twice: {seen}"
    return seen


def client_for(app, who: str):
    client = app.test_client()
    assert login(client, who).status_code == 302
    return client


def make(
    app,
    title: str,
    *,
    office: str = DENPASAR,
    partners=(PEMKOT,),
    kind: str = "pks",
    status: str = Status.ACTIVE,
    ends_on: date | None = None,
    signed_on: date | None = None,
    effective_on: date | None = None,
    signers: dict | None = None,
) -> int:
    """An agreement drafted through the service, then put in the given state."""
    with app.app_context(), acting_as("test"):
        agreement = drafting.create({
            "kind": kind, "parent_id": None, "title": title,
            "subject": f"Perlindungan pekerja ({title})",
            "office_id": db.session.scalar(select(Office.id).where(Office.name == office)),
            "partner_ids": [db.session.scalar(select(Partner.id).where(Partner.name == name))
                            for name in partners],
            "programs": ["JKK", "JKM"], "funding": "apbd", "place": "Denpasar",
            "effective_on": effective_on, "ends_on": ends_on, "term_months": None,
            "signed_on": signed_on,
        }, None)  # fmt: skip
        if signers:
            parties.set_parties(agreement, None, {
                position: {"signatory_id": db.session.scalar(
                    select(Official.id).where(Official.name == name)), "number": None}
                for position, name in signers.items()
            })  # fmt: skip
        agreement.status = status
        db.session.commit()
        return agreement.id


def export_csv(client, query: str = "") -> list[list[str]]:
    response = client.get(f"/agreements/export.csv?{query}", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def export_xlsx(client, query: str = "") -> list[list]:
    response = client.get(f"/agreements/export.xlsx?{query}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data))["Perjanjian"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def exported_ids(table: list[list]) -> list[int]:
    assert table[0] == EXPORT_HEADER
    return [int(row[0]) for row in table[1:]]


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# ---- full text ----------------------------------------------------------------------------


def test_full_text_finds_every_agreement_containing_every_word(app, as_role):
    client = as_role("admin")
    for query in (
        "sesetan",
        "SESETAN",
        "pekerj",
        "kalimantan",
        "sesetan perpanjangan",
        "denpasar pekerja",
        "jaminan",
        "musyawarah",
        "rentan gianyar",
    ):
        expected = {r["id"] for r in rows(app) if matches(r, query)}
        assert expected, query  # each query finds something in the demo
        assert set(listed(client, f"q={query}")) == expected, query


def test_full_text_examples(app, as_role):
    client = as_role("admin")
    sesetan = {id_of(app, Agreement, SESETAN_PKS), id_of(app, Agreement, SESETAN_RENEWAL)}
    assert set(listed(client, "q=sesetan")) == sesetan
    assert listed(client, "q=sesetan+perpanjangan") == [id_of(app, Agreement, SESETAN_RENEWAL)]
    # a partner's name: "Tabanan" finds the Tabanan PKS; "Penanaman" is only in a partner's name
    assert id_of(app, Agreement, TABANAN_PKS) in listed(client, "q=Tabanan")
    assert listed(client, "q=penanaman") == [id_of(app, Agreement, KALTENG_PKS)]
    # numbers written the Indonesian way, with thousands dots
    # the PKS's subject, and the renewal's text that cites it
    assert set(listed(client, "q=2.000")) == sesetan
    gianyar_addendum = "Addendum " + GIANYAR_PKS  # it cites the PKS it amends, with its subject
    assert set(listed(client, "q=12.800")) == {
        id_of(app, Agreement, GIANYAR_PKS),
        id_of(app, Agreement, gianyar_addendum),
    }
    assert listed(client, "q=tidakadadimanapun") == []


def test_a_word_only_in_an_article_finds_the_agreement_and_leaves_with_the_text(app, as_role):
    client = as_role("staff")
    draft = id_of(app, Agreement, UBUNG_DRAFT)
    assert listed(client, "q=cendrawasih") == []
    with app.app_context(), acting_as("test"):
        agreement = db.session.get(Agreement, draft)
        current = queries.latest_version(agreement)
        articles = [
            *current.articles,
            {"heading": "Sosialisasi", "body": "Sosialisasi di Banjar Cendrawasihkaja."},
        ]
        drafting.save_articles(agreement, articles, current.number, None)
        db.session.commit()
    assert listed(client, "q=cendrawasihkaja") == [draft]
    assert listed(client, "q=cendrawasih") == [draft]  # a prefix
    with app.app_context(), acting_as("test"):
        agreement = db.session.get(Agreement, draft)
        current = queries.latest_version(agreement)
        drafting.save_articles(agreement, current.articles[:-1], current.number, None)
        db.session.commit()
    assert listed(client, "q=cendrawasih") == []  # the index follows the latest version


def test_edited_details_and_parties_are_searchable(app, as_role):
    client = as_role("staff")
    web = signed_in(app, "staff")  # the same person, editing in another tab
    draft = id_of(app, Agreement, UBUNG_DRAFT)
    response = submit(
        web.get(f"/agreements/{draft}/edit"),
        button="Simpan",
        title="Perjanjian Kerja Sama Pekerja Pantai Kuta",
    )
    assert response.status_int == 302
    assert listed(client, "q=kuta") == [draft]
    kejari = id_of(app, Partner, "Kejaksaan Negeri Denpasar")
    ubung = id_of(app, Partner, "Desa Ubung Kaja")
    response = submit(
        web.get(f"/agreements/{draft}/parties"), button="Simpan", partner_ids=[ubung, kejari]
    )
    assert response.status_int == 302
    assert listed(client, "q=kejaksaan") == [draft]


NASTY_QUERIES = [
    '"',
    '""',
    "'",
    "\\",
    'sesetan"',
    '"sesetan',
    "sesetan OR gianyar",
    "NOT sesetan",
    "AND",
    "OR",
    "NEAR",
    "NEAR(sesetan pekerja)",
    "NEAR(sesetan pekerja, 2)",
    "*",
    "sesetan*",
    "*sesetan",
    "(sesetan",
    "sesetan)",
    "(sesetan OR gianyar) AND pekerja",
    "title:sesetan",
    "search_text:sesetan",
    "-sesetan",
    "^sesetan",
    "sesetan:*",
    "sesetan & |",
    "!sesetan",
    "sesetan <-> pekerja",
    "{sesetan}",
    "%",
    "_",
    "___",
    "a" * 500,
    " ".join(["pekerja"] * 40),
    "Ājñā",
    "日本語",
    "🙂",
    "51.71",
    "1.2.3.4",
    "2.000-3.000",
]


def test_query_syntax_never_breaks_the_search(app, as_role):
    client = as_role("admin")
    for query in NASTY_QUERIES:
        response = client.get("/agreements", query_string={"q": query})
        assert response.status_code == 200, query
    for fmt in ("csv", "xlsx"):
        for query in ('"', "NEAR(sesetan pekerja)", "(sesetan"):
            response = client.get(
                f"/agreements/export.{fmt}", query_string={"q": query}, buffered=True
            )
            assert response.status_code == 200, (fmt, query)
    # the words are still searched for; the syntax is not obeyed
    for query in ("sesetan AND denpasar", "NEAR(sesetan pekerja)", '"sesetan" pekerja*'):
        plain = " ".join(words_of(query))
        expected = {r["id"] for r in rows(app) if matches(r, plain)}
        assert set(listed(client, f"q={query}")) == expected, query


# ---- filters, sorting, pages --------------------------------------------------------------


@pytest.fixture
def more(app):
    """Agreements around today's date, so the expiring and year filters have work to do."""
    today = OFFICE_DAY
    return {
        "soon": make(app, "PKS Berakhir Sepuluh Hari", ends_on=today + timedelta(days=10),
                     signed_on=date(2025, 5, 2)),
        "month": make(app, "PKS Berakhir Empat Puluh Lima Hari", partners=("Kelurahan Sesetan",),
                      ends_on=today + timedelta(days=45), effective_on=date(2025, 7, 1)),
        "quarter": make(app, "PKS Berakhir Delapan Puluh Hari", office=GIANYAR,
                        partners=("Pemerintah Kabupaten Gianyar",),
                        ends_on=today + timedelta(days=80), signed_on=date(2024, 12, 30)),
        "later": make(app, "PKS Berakhir Dua Ratus Hari", ends_on=today + timedelta(days=200)),
        "overdue": make(app, "PKS Lewat Waktu", ends_on=today - timedelta(days=1)),
        "ended": make(app, "PKS Sudah Berakhir", status=Status.EXPIRED,
                      ends_on=today + timedelta(days=5)),
        "deleted": make(app, "PKS Terhapus", ends_on=today + timedelta(days=5)),
    }  # fmt: skip


def _soft_delete(app, agreement_id: int) -> None:
    with app.app_context(), acting_as("test"):
        db.session.get(Agreement, agreement_id).is_deleted = True
        db.session.commit()


def year_of(row: dict) -> int | None:
    day = row["signed_on"] or row["effective_on"]
    return day.year if day else None


def within(row: dict, code: str) -> bool:
    return any(r == code or r.startswith(code + ".") for r in row["regions"])


def ending_within(days: int):
    today = OFFICE_DAY

    def predicate(row: dict) -> bool:
        return (
            row["status"] == "active"
            and row["ends_on"] is not None
            and (today <= row["ends_on"] <= today + timedelta(days=days))
        )

    return predicate


def test_each_filter_narrows_to_exactly_the_matching_agreements(app, as_role, more):
    _soft_delete(app, more["deleted"])
    client = as_role("admin")
    all_rows = [r for r in rows(app) if not r["is_deleted"]]
    today = OFFICE_DAY
    offices = {name: id_of(app, Office, name) for name in (DENPASAR, GIANYAR)}
    pemkot = id_of(app, Partner, PEMKOT)
    cases = {
        "kind=pks": lambda r: r["kind"] == "pks",
        "kind=renewal": lambda r: r["kind"] == "renewal",
        "kind=treaty": lambda r: False,
        "status=active": lambda r: r["status"] == "active",
        "status=draft": lambda r: r["status"] == "draft",
        "status=nope": lambda r: False,
        f"partner={pemkot}": lambda r: pemkot in r["partner_ids"],
        "partner=999999": lambda r: False,
        "partner=99999999999999999999": lambda r: False,
        "region=51.04": lambda r: within(r, "51.04"),
        "region=51.71": lambda r: within(r, "51.71"),
        "region=51": lambda r: within(r, "51"),
        "region=62": lambda r: within(r, "62"),
        "region=51.0": lambda r: False,  # a code is matched by its parts, not by characters
        "region=51.%25": lambda r: False,
        f"office={offices[DENPASAR]}": lambda r: r["office_id"] == offices[DENPASAR],
        f"office={offices[GIANYAR]}": lambda r: r["office_id"] == offices[GIANYAR],
        "office=-1": lambda r: False,
        "year=2016": lambda r: year_of(r) == 2016,
        "year=2025": lambda r: year_of(r) == 2025,
        "year=99999999999999999999": lambda r: False,
        **{f"expiring={days}": ending_within(days) for days in (30, 60, 90)},
        "expiring=99999999999": lambda r: True,  # not one of the offered windows: ignored
        f"status=active&office={offices[DENPASAR]}&expiring=60":
            lambda r: r["status"] == "active" and r["office_id"] == offices[DENPASAR]
            and today <= r["ends_on"] <= today + timedelta(days=60),
        "q=pks&kind=pks": lambda r: r["kind"] == "pks" and matches(r, "pks"),
    }  # fmt: skip
    for query, predicate in cases.items():
        expected = {r["id"] for r in all_rows if predicate(r)}
        assert set(listed(client, query)) == expected, query
    for name in ("soon", "month"):
        assert more[name] in listed(client, "expiring=60")
    for name in ("quarter", "later", "overdue", "ended", "deleted"):
        assert more[name] not in listed(client, "expiring=60")
    assert more["quarter"] in listed(client, "expiring=90")


def expiring(app, who: str, days: int) -> list[int]:
    """What the expiring page should list: active, ending within `days`, soonest first."""
    sees, today = scope(app, who), OFFICE_DAY
    found = [
        r
        for r in rows(app)
        if sees(r)
        and r["status"] == "active"
        and r["ends_on"]
        and today <= r["ends_on"] <= today + timedelta(days=days)
    ]
    return [r["id"] for r in sorted(found, key=lambda r: (r["ends_on"], r["id"]))]


def test_expiring_page_lists_active_agreements_ending_within_the_window(app, as_role, more):
    _soft_delete(app, more["deleted"])
    staff = as_role("staff")
    for days in (30, 60, 90):
        html = staff.get(f"/agreements/expiring?days={days}").get_data(as_text=True)
        assert page_ids(html) == expiring(app, "staff", days)
    assert expiring(app, "staff", 60)[:2] == [more["soon"], more["month"]]
    gianyar = client_for(app, "staff_other")
    assert more["quarter"] in expiring(app, "staff_other", 90)
    for days in ("90", "7", "abc", "99999999999999999999"):  # anything else means 90 days
        response = gianyar.get(f"/agreements/expiring?days={days}")
        assert response.status_code == 200
        assert page_ids(response.get_data(as_text=True)) == expiring(app, "staff_other", 90)
    assert client_for(app, "partner").get("/agreements/expiring").status_code == 403


def test_sorting_and_keyset_pages_visit_every_agreement_once(app, as_role, more):
    client = as_role("admin")
    visible = [r for r in rows(app) if not r["is_deleted"]]
    far = date(9999, 12, 31)
    orders = {
        "": sorted(r["id"] for r in visible)[::-1],
        "sort=newest": sorted(r["id"] for r in visible)[::-1],
        "sort=title": [r["id"] for r in sorted(visible, key=lambda r: (r["title"], r["id"]))],
        "sort=ends": [r["id"] for r in sorted(visible,
                                              key=lambda r: (r["ends_on"] or far, r["id"]))],
        "sort=bogus": sorted(r["id"] for r in visible)[::-1],
    }  # fmt: skip
    assert len(visible) > 15  # several pages of five
    for query, expected in orders.items():
        assert listed(client, query) == expected, query
    # the filters stay on every page
    staff = client_for(app, "staff")
    denpasar = [r["id"] for r in visible if scope(app, "staff")(r) and r["status"] == "active"]
    assert listed(staff, "status=active&sort=newest") == sorted(denpasar)[::-1]


TAMPERED = [
    "not-base64!", "AAAA", "%FF", cursor("abc"), cursor(["abc"]), cursor([None]), cursor([True]),
    cursor([1.5]), cursor([99999999999999999999]), cursor([-5]), cursor([{"id": 1}]),
    cursor([[1]]), cursor(["x\u0000", 1]), cursor([1, 2]), cursor([1, "x"]), cursor(["x", "y"]),
    cursor(["2027-01-01", "x"]), cursor([None, None]), cursor(["a", 1, 2]),
]  # fmt: skip


def test_a_tampered_cursor_gives_the_first_page(app, as_role):
    client = as_role("admin")
    for sort in ("newest", "title", "ends"):
        first = page_ids(client.get(f"/agreements?sort={sort}").get_data(as_text=True))
        assert len(first) == 5
        for after in TAMPERED:
            response = client.get(f"/agreements?sort={sort}&after={after}")
            assert response.status_code == 200, (sort, after)
            assert page_ids(response.get_data(as_text=True)) == first, (sort, after)
    # a well-formed title cursor is no date to sort by end date
    first = page_ids(client.get("/agreements?sort=ends").get_data(as_text=True))
    for after in (cursor(["not a date", 3]), cursor(["2027-13-45", 1])):
        response = client.get(f"/agreements?sort=ends&after={after}")
        assert page_ids(response.get_data(as_text=True)) == first, after


def test_unexpected_query_parameters_are_harmless(app, as_role):
    client = as_role("admin")
    for query in (
        "fmt=csv",
        "endpoint=x",
        "_external=1",
        "_scheme=javascript",
        "_anchor=x",
        "_method=POST",
        "after=x&fmt=xlsx",
        "kind=%FF",
        "region=51.04%25",
        "region=..",
        "sort=%FF",
        "year=1e9",
        "office=0x10",
    ):
        for sort in ("", "&sort=title"):  # with several pages, so the pager shows
            response = client.get(f"/agreements?{query}{sort}")
            assert response.status_code == 200, query
            html = response.get_data(as_text=True)
            links = re.findall(r'href="(/agreements(?:/export\.\w+)?\?[^"]*)"', html)
            assert links, query
            for link in links:
                assert not re.search(r"[?&](fmt|endpoint|_\w+)=", unescape(link)), link
            assert 'href="http' not in html.split("<main", 1)[1]
        response = client.get(f"/agreements/export.csv?{query}", buffered=True)
        assert response.status_code == 200, query


def test_a_nul_character_anywhere_is_refused_or_ignored_never_an_error(app, as_role):
    client = as_role("admin")
    for key in ("q", "kind", "status", "region", "sort", "partner", "office", "year", "after"):
        for url in ("/agreements", "/agreements/export.csv", "/agreements/export.xlsx"):
            response = client.get(url, query_string={key: "51\x00"}, buffered=True)
            assert response.status_code in (200, 400), (url, key)


def test_export_and_page_links_keep_the_filters(app, as_role):
    client = as_role("staff")
    html = client.get("/agreements?kind=pks&q=desa&after=xyz&bogus=1").get_data(as_text=True)
    links = [unescape(u) for u in re.findall(r'href="(/agreements/export\.[^"]*)"', html)]
    assert sorted(links) == [
        "/agreements/export.csv?q=desa&kind=pks",
        "/agreements/export.xlsx?q=desa&kind=pks",
    ]


# ---- scope --------------------------------------------------------------------------------


def test_every_role_lists_searches_and_exports_exactly_its_scope(app, more):
    _soft_delete(app, more["deleted"])
    make(app, "KB Draf Rahasia Pemerintah Kota Denpasar", kind="mou", status=Status.DRAFT)
    everything = rows(app)
    for who in ("admin", "auditor", "auditor_office", "staff", "manager", "staff_other",
                "partner"):  # fmt: skip
        client = client_for(app, who)
        visible = [r for r in everything if scope(app, who)(r)]
        ids = sorted(r["id"] for r in visible)
        assert sorted(listed(client)) == ids, who
        for query in ("denpasar", "pekerja", "rahasia", "gianyar"):
            expected = {r["id"] for r in visible if matches(r, query)}
            assert set(listed(client, f"q={query}")) == expected, (who, query)
            assert set(exported_ids(export_csv(client, f"q={query}"))) == expected, (who, query)
        assert sorted(exported_ids(export_csv(client))) == ids, who
        assert sorted(exported_ids(export_xlsx(client))) == ids, who


def test_partner_users_never_see_drafts_or_other_partners_agreements(app, more):
    draft = make(app, "KB Draf Rahasia Pemerintah Kota Denpasar", kind="mou", status=Status.DRAFT)
    client = client_for(app, "partner")
    pemkot = id_of(app, Partner, PEMKOT)
    shown = set(listed(client))
    with app.app_context():
        for agreement_id in shown:
            agreement = db.session.get(Agreement, agreement_id)
            assert pemkot in [p.partner_id for p in agreement.parties]
            assert agreement.status != Status.DRAFT
    assert draft not in shown
    assert more["month"] not in shown  # Kelurahan Sesetan's, from the same office
    assert listed(client, "q=rahasia") == []
    assert listed(client, "status=draft") == []
    assert listed(client, f"partner={id_of(app, Partner, 'Kelurahan Sesetan')}") == []
    assert exported_ids(export_csv(client, "q=rahasia")) == []
    assert exported_ids(export_xlsx(client, "status=draft")) == []
    assert client.get(f"/agreements/{draft}").status_code == 404


def test_gianyar_staff_see_nothing_of_denpasar(app):
    client = client_for(app, "staff_other")
    denpasar = id_of(app, Office, DENPASAR)
    shown = set(listed(client))
    assert shown and all(r["office_id"] != denpasar for r in rows(app) if r["id"] in shown)
    assert listed(client, "q=sesetan") == []
    assert listed(client, f"office={denpasar}") == []
    assert exported_ids(export_csv(client, f"office={denpasar}")) == []
    assert client.get(f"/agreements/{id_of(app, Agreement, SESETAN_RENEWAL)}").status_code == 404


def test_national_auditor_sees_every_agreement(app):
    client = client_for(app, "auditor")
    assert set(listed(client)) == {r["id"] for r in rows(app) if not r["is_deleted"]}


# ---- a fixed number of queries ------------------------------------------------------------


def statements(app, client, url: str) -> int:
    """How many SQL statements answering `url` takes."""
    with counted_statements(app) as seen:
        response = client.get(url, buffered=True)
    assert response.status_code == 200
    return len(seen)


@pytest.mark.app_config(PAGE_SIZE=100)
def test_the_list_and_exports_take_the_same_number_of_queries_however_many_rows(app):
    clients = {who: client_for(app, who) for who in ("admin", "staff", "partner")}
    urls = [
        "/agreements",
        "/agreements?q=pekerja",
        "/agreements?sort=ends&status=active",
        "/agreements/export.csv",
        "/agreements/export.xlsx",
    ]
    for client in clients.values():
        client.get("/agreements")  # warm up whatever is loaded once per process
    before = {(who, url): statements(app, c, url) for who, c in clients.items() for url in urls}
    shown = {who: len(listed(client)) for who, client in clients.items()}
    for n in range(10):  # with two partners, signatories and numbers each
        make(
            app,
            f"PKS Pekerja Tambahan Nomor {n}",
            status=Status.IN_REVIEW,
            partners=(PEMKOT, "Kelurahan Sesetan"),
            ends_on=date(2030, 1, 1),
            signers={1: "Mohamad Irfan", 2: "Nyoman Ngurah Jimmy Sidharta"},
        )
    for who, client in clients.items():  # all on one page, so per-row queries would show
        assert len(listed(client)) == shown[who] + 10, who
    after = {(who, url): statements(app, c, url) for who, c in clients.items() for url in urls}
    assert after == before
    assert max(after.values()) <= 15


# ---- exports ------------------------------------------------------------------------------


def test_exports_hold_the_filtered_rows_with_a_header_and_are_recorded(app, more):
    _soft_delete(app, more["deleted"])
    client = client_for(app, "staff")
    sees = scope(app, "staff")
    query = "status=active&expiring=60"
    today = OFFICE_DAY
    expected = sorted(
        r["id"] for r in rows(app) if sees(r) and r["status"] == "active"
        and today <= r["ends_on"] <= today + timedelta(days=60)
    )  # fmt: skip
    assert {more["soon"], more["month"]} <= set(expected)
    with app.app_context():
        head = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))

    table = export_csv(client, query)
    assert exported_ids(table) == expected
    soon = next(row for row in table if row[0] == str(more["soon"]))
    assert soon[1:4] == ["Perjanjian Kerja Sama (PKS)", "Aktif", "PKS Berakhir Sepuluh Hari"]
    assert soon[5] == DENPASAR
    assert soon[6] == f"BPJS Ketenagakerjaan {DENPASAR}; {PEMKOT}"
    assert soon[8:10] == ["JKK,JKM", "APBD"]
    assert soon[10] == "2 Mei 2025"

    sheet = export_xlsx(client, query)
    assert exported_ids(sheet) == expected
    soon = next(row for row in sheet if row[0] == more["soon"])
    assert soon[3] == "PKS Berakhir Sepuluh Hari"
    assert soon[12].date() == today + timedelta(days=10)

    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.seq > head).order_by(AuditEntry.seq)
        ).all()
        user_id = db.session.scalar(select(User.id).where(User.email == EMAILS["staff"]))
        office_id = db.session.scalar(select(Office.id).where(Office.name == DENPASAR))
    exports = [(e.action, e.actor_id, e.actor_label, e.office_id, e.after) for e in entries]
    assert exports == [
        (
            "agreements_export",
            user_id,
            EMAILS["staff"],
            office_id,
            {"status": "active", "expiring": "60", "format": "csv"},
        ),
        (
            "agreements_export",
            user_id,
            EMAILS["staff"],
            office_id,
            {"status": "active", "expiring": "60", "format": "xlsx"},
        ),
    ]


def test_export_of_an_unknown_format_is_not_found(app, as_role):
    client = as_role("staff")
    assert client.get("/agreements/export.pdf").status_code == 404
    assert client.get("/agreements/export.json").status_code == 404


def test_exported_text_is_never_a_formula(app, as_role):
    title = '=HYPERLINK("http://contoh.test","Klik")'
    agreement = make(app, title, ends_on=date(2030, 1, 1))
    control = make(app, "PKS dengan\x0bkarakter kendali", ends_on=date(2030, 1, 1))
    client = as_role("staff")
    table = export_csv(client)
    row = next(r for r in table if r[0] == str(agreement))
    assert row[3] == "'" + title  # a spreadsheet shows the text, it does not run it
    # spreadsheets skip leading blanks and line breaks before they look for a formula
    from partnerships.core.exports import csv_value

    assert [csv_value(v) for v in ("  =1+1", "\n=2+3", "Pasal 1")] == [
        "'  =1+1",
        "'\n=2+3",
        "Pasal 1",
    ]
    response = client.get("/agreements/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Perjanjian"]
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert cells[agreement][3].value == title
    assert cells[agreement][3].data_type == "s"
    assert cells[control][3].value == "PKS dengankarakter kendali"


@pytest.mark.skipif(not ON_POSTGRES, reason="the GIN index is PostgreSQL's")
def test_postgres_search_uses_the_expression_of_the_gin_index(app):
    from sqlalchemy import text

    from partnerships.agreements.search import matching

    with app.app_context():
        stmt = matching(select(Agreement.id), "sesetan pekerja")
        sql = str(stmt.compile(db.engine))
        assert "to_tsvector('simple', agreements.search_text)" in sql
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            db.session.scalars(
                text(
                    "EXPLAIN "
                    + str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                )
            )
        ).lower()
        assert "ix_agreements_search_fts" in plan
        db.session.rollback()


def test_renamed_partner_is_found_under_its_new_name(app, as_role):
    client = as_role("admin")
    tabanan = id_of(app, Partner, "Pemerintah Kabupaten Tabanan")
    page = signed_in(app, "admin").get(f"/partners/{tabanan}/edit")
    response = submit(page, button="Simpan", name="Pemerintah Kabupaten Tabanan Sejahtera")
    assert response.status_int == 302
    assert listed(client, "q=sejahtera")  # the agreement with Tabanan carries the new name
    with app.app_context():
        ids = set(listed(client, "q=sejahtera"))
        expected = {
            a.id
            for a in db.session.scalars(select(Agreement))
            if any(p.partner_id == tabanan for p in a.parties)
        }
    assert ids == expected


def test_with_more_partners_than_a_drop_down_holds_the_filter_takes_a_name(app, monkeypatch):
    """Beyond CHOICES_MAX partners (a national user sees 6,000) the agreements' and the
    commitments' partner filter is a name box: part of a name finds that partner's rows."""
    from partnerships.organisations import scope

    web = signed_in(app, "admin")
    page = web.get("/agreements")
    assert page.html.select_one("select[name=partner]") is not None  # the demo's few partners
    monkeypatch.setattr(scope, "CHOICES_MAX", 3)
    for url in ("/agreements", "/commitments"):
        page = web.get(url)
        assert page.html.select_one("select[name=partner]") is None
        box = page.html.select_one("input[name=partner]")
        assert box is not None and box.get("placeholder") == "Nama mitra"
        found = submit(page, field="partner", partner="sesetan")
        names = found.html.select_one("table").get_text(" ")
        assert "Sesetan" in names and "Gianyar" not in names, url
        assert found.html.select_one("input[name=partner]")["value"] == "sesetan"
        nothing = submit(page, field="partner", partner="tidak ada mitra begini")
        assert nothing.html.select_one("table") is None, url
        for digits in ("\u00b2", "\u2460", "\u0663", "99999999999999999999"):  # ², ①, ٣, too big
            odd = submit(page, field="partner", partner=digits)
            assert odd.status_int == 200 and odd.html.select_one("table") is None, (url, digits)


def test_with_more_offices_than_a_drop_down_holds_the_office_filter_takes_a_name_or_code(
    app, monkeypatch
):
    """Beyond CHOICES_MAX offices (the country has 330) the agreement and partner lists' office
    filter is a name box: part of an office's name, or its code, finds that office's agreements; a
    link from elsewhere that names an office by id still works."""
    from partnerships.organisations import scope

    web = signed_in(app, "admin")
    page = web.get("/agreements")
    assert page.html.select_one("select[name=office]") is not None  # the demo's few offices
    with app.app_context():
        gianyar = db.session.scalar(select(Office).where(Office.code == "GNR"))
        expected = set(db.session.scalars(select(Agreement.id).where(Agreement.office == gianyar)))
        gianyar_id = gianyar.id
    assert expected
    # a link made where the filter was a box (a name), opened where it is a drop-down: the
    # page shows the box with the name, as the filter applies it, not "All offices"
    linked = web.get("/agreements?office=gianyar")
    assert linked.html.select_one("select[name=office]") is None
    assert linked.html.select_one("input[name=office]")["value"] == "gianyar"
    monkeypatch.setattr(scope, "CHOICES_MAX", 3)
    page = web.get("/agreements")
    assert page.html.select_one("select[name=office]") is None
    box = page.html.select_one("input[name=office]")
    assert box is not None and box.get("placeholder") == "Nama atau kode kantor"

    def listed(found) -> set[int]:
        links = found.html.select("table a[href^='/agreements/']")
        return {int(a["href"].rsplit("/", 1)[1]) for a in links}

    for typed in ("gianyar", "gnr", str(gianyar_id)):
        found = submit(page, field="office", office=typed)
        assert listed(found) == expected, typed
        assert found.html.select_one("input[name=office]")["value"] == typed
    for typed in ("tidak ada kantor begini", "99999999999999999999", "\u00b2", "1" * 5000):
        nothing = submit(page, field="office", office=typed)
        assert nothing.status_int == 200 and nothing.html.select_one("table") is None, typed
    with app.app_context():  # a code may be all digits: typed, it finds its office
        db.session.get(Office, gianyar_id).code = "0801"
        db.session.commit()
    assert listed(submit(page, field="office", office="0801")) == expected
    # the partner list's office filter is the same box: Gianyar's partners by its code
    partners = web.get("/partners")
    assert partners.html.select_one("select[name=office]") is None
    found = submit(partners, field="office", office="0801")
    with app.app_context():
        managed = set(
            db.session.scalars(
                select(Partner.name).where(Partner.office_id == gianyar_id, ~Partner.is_deleted)
            )
        )
    shown = {a.get_text(strip=True) for a in found.html.select("table a[href^='/partners/']")}
    assert managed and shown == managed
