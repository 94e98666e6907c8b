"""The clause library: admins edit it and the next draft follows; the sandbox refuses clauses
that try to reach outside it; `flask clauses load-defaults` fills an empty library once."""

import re

import pytest
from sqlalchemy import func, select, text

from partnerships.agreements import services as agreements
from partnerships.agreements.models import Agreement
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.clauses import services as clauses
from partnerships.clauses.library import DEFAULTS
from partnerships.clauses.models import Clause
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import login, post

DENPASAR = "Kantor Cabang Bali Denpasar"
PEMKOT = "Pemerintah Kota Denpasar"

# ---- helpers ------------------------------------------------------------------------------


def client_for(app, who: str):
    client = app.test_client()
    assert login(client, who).status_code == 302
    return client


def library(app, kind: str) -> list[tuple[int, str, str]]:
    """The live clauses of `kind`: (position, heading, body), in order."""
    with app.app_context():
        return [(c.position, c.heading, c.body) for c in clauses.library(kind)]


def clause_rows(app) -> list[tuple]:
    with app.app_context():
        return [
            (c.id, c.doc_kind, c.position, c.heading, c.body, c.is_deleted)
            for c in db.session.scalars(select(Clause).order_by(Clause.id))
        ]


def clause_id(app, kind: str, heading: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(Clause.id).where(
                Clause.doc_kind == kind, Clause.heading == heading, ~Clause.is_deleted
            )
        )
    assert found is not None, heading
    return found


def field_errors(html: str, name: str) -> list[str]:
    for block in html.split('<div class="mb-3">')[1:]:
        if f'name="{name}"' in block:
            return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', block, re.S)
    raise AssertionError(f"no field {name!r} on the page")


def clause_form(**changes) -> dict:
    data = {"doc_kind": "mou", "position": "15", "heading": "Sosialisasi Bersama", "body": "x"}
    data.update(changes)
    return data


def draft_articles(app, client, kind: str = "mou") -> list[dict]:
    """Create a draft of `kind` through the page and return its first version's articles."""
    with app.app_context():
        office = db.session.scalar(select(Office.id).where(Office.name == DENPASAR))
        partner = db.session.scalar(select(Partner.id).where(Partner.name == PEMKOT))
    response = post(client, "/agreements/new", {
        "kind": kind, "parent_id": "", "office_id": office, "partner_ids": [partner],
        "title": f"Uji Pustaka Klausul {kind}", "subject": "Perlindungan Pekerja Informal",
        "programs": ["JKK", "JKM"], "funding": "apbd", "place": "Denpasar",
        "effective_on": "2027-01-01", "term_months": "12", "ends_on": "", "signed_on": "",
    }, form_url="/agreements/new")  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    agreement_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        return agreements.latest_version(db.session.get(Agreement, agreement_id)).articles


# ---- admins keep the library; the next draft follows --------------------------------------


def test_admin_adds_a_clause_and_the_next_draft_has_it_filled_in(app):
    admin, staff = client_for(app, "admin"), client_for(app, "staff")
    body = (
        "PARA PIHAK menyelenggarakan sosialisasi program {{ program }} di {{ tempat }} "
        "bagi {{ 'Kesepakatan' if jenis == 'mou' else 'Perjanjian' }} ini."
    )
    response = post(admin, "/clauses/new", clause_form(body=body), form_url="/clauses/new")
    assert response.status_code == 302
    assert library(app, "mou")[1] == (15, "Sosialisasi Bersama", body)  # between 10 and 20

    articles = draft_articles(app, staff)
    assert articles[1] == {
        "heading": "Sosialisasi Bersama",
        "body": "PARA PIHAK menyelenggarakan sosialisasi program Jaminan Kecelakaan Kerja (JKK) "
        "dan Jaminan Kematian (JKM) di Denpasar bagi Kesepakatan ini.",
    }
    assert len(articles) == len(DEFAULTS["mou"]) + 1
    # the other kind is untouched
    assert "Sosialisasi Bersama" not in [a["heading"] for a in draft_articles(app, staff, "pks")]


def test_admin_edits_a_clause_and_only_the_next_draft_changes(app):
    admin, staff = client_for(app, "admin"), client_for(app, "staff")
    before = draft_articles(app, staff)
    cid = clause_id(app, "mou", "Monitoring dan Evaluasi")
    page = admin.get(f"/clauses/{cid}/edit")
    assert page.status_code == 200
    assert "paling sedikit 1 (satu) kali dalam 6 (enam) bulan" in page.get_data(as_text=True)
    body = (
        "PARA PIHAK melakukan monitoring dan evaluasi atas pelaksanaan Kesepakatan Bersama ini "
        "paling sedikit 1 (satu) kali dalam 3 (tiga) bulan di wilayah {{ wilayah }}."
    )
    response = post(admin, f"/clauses/{cid}/edit", clause_form(
        doc_kind="mou", position="60", heading="Monitoring dan Evaluasi", body=body),
        form_url=f"/clauses/{cid}/edit")  # fmt: skip
    assert response.status_code == 302
    after = draft_articles(app, staff)
    monitoring = next(a for a in after if a["heading"] == "Monitoring dan Evaluasi")
    assert monitoring["body"] == (
        "PARA PIHAK melakukan monitoring dan evaluasi atas pelaksanaan Kesepakatan Bersama ini "
        "paling sedikit 1 (satu) kali dalam 3 (tiga) bulan di wilayah Kota Denpasar."
    )
    old = next(a for a in before if a["heading"] == "Monitoring dan Evaluasi")
    assert "6 (enam) bulan" in old["body"]  # the earlier draft kept its text
    assert [a["heading"] for a in after] == [a["heading"] for a in before]


def test_admin_removes_a_clause_softly(app):
    admin, staff = client_for(app, "admin"), client_for(app, "staff")
    cid = clause_id(app, "pks", "Keadaan Kahar")
    with app.app_context():
        head = db.session.scalar(select(func.max(AuditEntry.seq)))
    response = post(admin, f"/clauses/{cid}/delete", {}, form_url=f"/clauses/{cid}/edit")
    assert response.status_code == 302
    with app.app_context():
        clause = db.session.get(Clause, cid)
        assert clause is not None and clause.is_deleted  # still there, marked removed
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > head)).all()
        assert [(e.action, e.object_type, e.object_id) for e in entries] == [
            ("delete", "Clause", str(cid))
        ]
    assert "Keadaan Kahar" not in [h for _p, h, _b in library(app, "pks")]
    assert "Keadaan Kahar" in [h for _p, h, _b in library(app, "mou")]  # the MoU's own copy
    assert "Keadaan Kahar" not in [a["heading"] for a in draft_articles(app, staff, "pks")]
    html = admin.get("/clauses").get_data(as_text=True)
    assert f"/clauses/{cid}/edit" not in html
    assert admin.get(f"/clauses/{cid}/edit").status_code == 404
    assert post(admin, f"/clauses/{cid}/delete", {}, form_url="/clauses").status_code == 404


def test_delete_without_the_form_token_removes_nothing(app):
    admin = client_for(app, "admin")
    cid = clause_id(app, "pks", "Keadaan Kahar")
    before = clause_rows(app)
    assert admin.post(f"/clauses/{cid}/delete").status_code in (302, 400)
    assert clause_rows(app) == before


@pytest.mark.parametrize("who", ["staff", "manager", "staff_other"])
def test_office_users_read_the_library_but_may_not_change_it(app, who):
    client = client_for(app, who)
    html = client.get("/clauses")
    assert html.status_code == 200
    page = html.get_data(as_text=True)
    assert "Maksud dan Tujuan" in page
    assert "/clauses/new" not in page and "/edit" not in page  # no links they cannot follow
    cid = clause_id(app, "mou", "Maksud dan Tujuan")
    before = clause_rows(app)
    assert client.get("/clauses/new").status_code == 403
    assert client.get(f"/clauses/{cid}/edit").status_code == 403
    token_page = "/agreements/new"
    for url, data in (
        ("/clauses/new", clause_form(body="Teks baru.")),
        (f"/clauses/{cid}/edit", clause_form(body="Teks diubah.")),
        (f"/clauses/{cid}/delete", {}),
    ):
        assert post(client, url, data, form_url=token_page).status_code == 403
    assert clause_rows(app) == before


def test_partner_users_may_not_even_read_the_library(app):
    client = client_for(app, "partner")
    cid = clause_id(app, "mou", "Maksud dan Tujuan")
    before = clause_rows(app)
    assert client.get("/clauses").status_code == 403
    assert client.get("/clauses/new").status_code == 403
    assert client.get(f"/clauses/{cid}/edit").status_code == 403
    for url in ("/clauses/new", f"/clauses/{cid}/edit", f"/clauses/{cid}/delete"):
        assert client.post(url, data=clause_form(body="Teks.")).status_code in (400, 403)
    assert clause_rows(app) == before


# ---- the sandbox --------------------------------------------------------------------------

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ config }}",
    "{{ config.SECRET_KEY }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ request.environ }}",
    "{{ tentang.__class__.__base__ }}",
    "{{ '{0.__class__}'.format(tentang) }}",
    "{{ nope }}",
    "Pasal ini {% if jenis == 'mou' %}{{ tidak_ada }}{% endif %} berlaku.",
    "{% if %}",
    "{{ tentang ",
    "{% for x in %}{% endfor %}",
    "{{ 1 / 0 }}",
    "{{ tentang + 1 }}",
    "{{ 9 ** 99999999 }}",
    "{{ 'x' * 1000000000 }}",
    "{{ ((10 ** 100) ** 100) ** 100 }}",
    "{% set ns = namespace(x=10) %}{% for i in range(64) %}{% set ns.x = ns.x * ns.x %}"
    "{% endfor %}{{ ns.x }}",
    "{% for x in range(1000000000) %}{% endfor %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
]


def test_clauses_that_reach_outside_the_sandbox_are_refused_and_nothing_is_written(app):
    admin = client_for(app, "admin")
    cid = clause_id(app, "mou", "Pembiayaan")
    before = clause_rows(app)
    with app.app_context():
        head = db.session.scalar(select(func.max(AuditEntry.seq)))
    for body in ESCAPES:
        for url in ("/clauses/new", f"/clauses/{cid}/edit"):
            response = post(admin, url, clause_form(body=body), form_url="/clauses/new")
            assert response.status_code == 200, (url, body)
            html = response.get_data(as_text=True)
            errors = field_errors(html, "body")
            assert len(errors) == 1, (body, errors)
            assert all(not field_errors(html, name) for name in ("heading", "position"))
            assert "test-only-key" not in html  # nothing of the configuration shows
            assert "<class" not in html and "&lt;class" not in html
    assert clause_rows(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.max(AuditEntry.seq))) == head


def test_the_sandbox_refuses_outside_a_request_too(app):
    with app.test_request_context():
        for body in ESCAPES:
            with pytest.raises(clauses.ClauseError):
                clauses.check(body)
        with pytest.raises(clauses.ClauseError):
            clauses.render("{{ ''.__class__ }}", clauses.SAMPLE_CONTEXT)


DOCUMENTED = (
    "{{ para_pihak }}: {{ pihak_kesatu }} dan {{ pihak_kedua }} bekerja sama tentang "
    "{{ tentang }}, program {{ program }}, dibiayai {{ pendanaan }}, selama {{ jangka_waktu }} "
    "dari {{ tanggal_mulai }} sampai {{ tanggal_berakhir }} di {{ tempat }}, wilayah "
    "{{ wilayah }}{% if induk %}, melaksanakan {{ induk }}{% endif %}."
)


def test_a_clause_using_the_documented_placeholders_saves_and_fills_in(app):
    admin, staff = client_for(app, "admin"), client_for(app, "staff")
    form = admin.get("/clauses/new").get_data(as_text=True)
    for name in re.findall(r"\{\{ (\w+) \}\}", DOCUMENTED):
        assert f"{{{{ {name} }}}}" in form  # the form documents each one
    response = post(
        admin,
        "/clauses/new",
        clause_form(position="5", heading="Para Pihak", body=DOCUMENTED),
        form_url="/clauses/new",
    )
    assert response.status_code == 302
    assert library(app, "mou")[0] == (5, "Para Pihak", DOCUMENTED)
    first = draft_articles(app, staff)[0]
    assert first["body"] == (
        f"BPJS Ketenagakerjaan {DENPASAR} dan {PEMKOT}: BPJS Ketenagakerjaan {DENPASAR} dan "
        f"{PEMKOT} bekerja sama tentang Perlindungan Pekerja Informal, program Jaminan "
        "Kecelakaan Kerja (JKK) dan Jaminan Kematian (JKM), dibiayai Anggaran Pendapatan dan "
        "Belanja Daerah (APBD), selama 12 (dua belas) bulan dari 1 Januari 2027 sampai 31 "
        "Desember 2027 di Denpasar, wilayah Kota Denpasar."
    )


def test_other_bad_input_is_refused_at_its_field(app):
    admin = client_for(app, "admin")
    before = clause_rows(app)
    for changes, field in (
        ({"heading": ""}, "heading"),
        ({"position": "0"}, "position"),
        ({"position": "satu"}, "position"),
        ({"doc_kind": "treaty"}, "doc_kind"),
        ({"body": ""}, "body"),
    ):
        data = clause_form(**{"body": "Teks sah.", **changes})
        response = post(admin, "/clauses/new", data, form_url="/clauses/new")
        assert response.status_code == 200, changes
        assert field_errors(response.get_data(as_text=True), field), changes
    assert clause_rows(app) == before


# ---- flask clauses load-defaults ----------------------------------------------------------


def load_defaults(runner) -> int:
    """Run the command; how many clauses it says it added."""
    result = runner.invoke(args=["clauses", "load-defaults"])
    assert result.exit_code == 0, result.output
    match = re.fullmatch(r"(\d+) clauses added\.\n", result.output)
    assert match, result.output
    return int(match.group(1))


def expected_library(kind: str) -> list[tuple[int, str, str]]:
    return [(n * 10, heading, body) for n, (heading, body) in enumerate(DEFAULTS[kind], start=1)]


def test_load_defaults_fills_an_empty_library_once(app, runner):
    with app.app_context():
        db.session.execute(text("DELETE FROM clauses"))  # a fresh installation
        db.session.commit()
    assert all(library(app, kind) == [] for kind in DEFAULTS)
    assert set(DEFAULTS) == {"mou", "pks", "addendum", "renewal"}  # each kind its own set
    assert load_defaults(runner) == sum(len(clauses) for clauses in DEFAULTS.values())
    for kind in DEFAULTS:
        assert library(app, kind) == expected_library(kind)
    rows = clause_rows(app)
    assert load_defaults(runner) == 0
    assert clause_rows(app) == rows


def test_load_defaults_refills_a_library_whose_clauses_were_all_removed(app, runner):
    assert load_defaults(runner) == 0  # the demo's library is in use: nothing to add
    with app.app_context(), acting_as("test"):
        for clause in db.session.scalars(select(Clause).where(Clause.doc_kind == "pks")):
            clause.is_deleted = True
        db.session.commit()
    mou = library(app, "mou")
    assert load_defaults(runner) == len(DEFAULTS["pks"])
    assert library(app, "pks") == expected_library("pks")
    assert library(app, "mou") == mou  # the kind in use is left alone
    assert load_defaults(runner) == 0


def test_every_default_clause_passes_the_sandbox_for_both_kinds(app):
    with app.test_request_context():
        for kind, defaults in DEFAULTS.items():
            for _heading, body in defaults:
                clauses.check(body)
                filled = clauses.render(body, {**clauses.SAMPLE_CONTEXT, "jenis": kind})
                assert "{{" not in filled and "{%" not in filled
