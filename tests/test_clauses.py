"""The clause library: admins edit it and the next draft follows; the sandbox refuses clauses
that try to reach outside it; `flask clauses load-defaults` fills an empty library once.

Forms are filled in on the pages that render them (tests/web.py); the Flask test client posts
directly only what no page offers the person (a role's forbidden form, no CSRF token)."""

import re
import time

import pytest
from sqlalchemy import func, select, text

from partnerships.agreements import queries
from partnerships.agreements.models import Agreement
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as
from partnerships.clauses import services as clauses
from partnerships.clauses.library import DEFAULTS
from partnerships.clauses.models import Clause
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import post
from tests.web import (
    errors_by_field,
    fill,
    find_form,
    hand_made,
    signed_in,
    submit,
    submit_tampered,
)

DENPASAR = "Kantor Cabang Bali Denpasar"
PEMKOT = "Pemerintah Kota Denpasar"

# ---- helpers ------------------------------------------------------------------------------


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


def clause_form(**changes) -> dict:
    """What the admin types into the clause form."""
    data = {"doc_kind": "mou", "position": "15", "heading": "Sosialisasi Bersama", "body": "x"}
    data.update(changes)
    return data


def new_clause_page(web):
    """The admin opens "Klausul baru" from the clause library."""
    return web.get("/clauses").click(description="Klausul baru")


def edit_clause_page(web, clause: int):
    """The admin opens "Ubah" beside the clause in the library."""
    return web.get("/clauses").click("Ubah", href=rf"/clauses/{clause}/edit$")


def draft_articles(app, web, kind: str = "mou") -> list[dict]:
    """Create a draft of `kind` on the "Perjanjian baru" page; its first version's articles."""
    with app.app_context():
        office = db.session.scalar(select(Office.id).where(Office.name == DENPASAR))
        partner = db.session.scalar(select(Partner.id).where(Partner.name == PEMKOT))
    page = web.get("/agreements").click(description="Perjanjian baru")
    response = submit(page, button="Buat draf", **{
        "kind": kind, "office_id": office, "partner_ids": [partner],
        "title": f"Uji Pustaka Klausul {kind}", "subject": "Perlindungan Pekerja Informal",
        "programs": ["JKK", "JKM"], "funding": "apbd", "place": "Denpasar",
        "effective_on": "2027-01-01", "term_months": "12",
    })  # fmt: skip
    assert response.status_int == 302, response.text[:2000]
    agreement_id = int(response.location.rsplit("/", 1)[1])
    with app.app_context():
        return queries.latest_version(db.session.get(Agreement, agreement_id)).articles


# ---- admins keep the library; the next draft follows --------------------------------------


def test_admin_adds_a_clause_and_the_next_draft_has_it_filled_in(app):
    admin, staff = signed_in(app, "admin"), signed_in(app, "staff")
    body = (
        "PARA PIHAK menyelenggarakan sosialisasi program {{ program }} di {{ tempat }} "
        "bagi {{ 'Kesepakatan' if jenis == 'mou' else 'Perjanjian' }} ini."
    )
    response = submit(new_clause_page(admin), button="Simpan", **clause_form(body=body))
    assert response.status_int == 302
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
    admin, staff = signed_in(app, "admin"), signed_in(app, "staff")
    before = draft_articles(app, staff)
    cid = clause_id(app, "mou", "Monitoring dan Evaluasi")
    page = edit_clause_page(admin, cid)
    assert "paling sedikit 1 (satu) kali dalam 6 (enam) bulan" in page.text
    body = (
        "PARA PIHAK melakukan monitoring dan evaluasi atas pelaksanaan Kesepakatan Bersama ini "
        "paling sedikit 1 (satu) kali dalam 3 (tiga) bulan di wilayah {{ wilayah }}."
    )
    response = submit(page, button="Simpan", body=body)
    assert response.status_int == 302
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
    admin, staff = signed_in(app, "admin"), signed_in(app, "staff")
    cid = clause_id(app, "pks", "Keadaan Kahar")
    with app.app_context():
        head = db.session.scalar(select(func.max(AuditEntry.seq)))
    page = edit_clause_page(admin, cid)
    response = submit(page, button="Hapus")
    assert response.status_int == 302
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
    assert f"/clauses/{cid}/edit" not in admin.get("/clauses").text
    admin.get(f"/clauses/{cid}/edit", status=404)
    # The same button pressed again on a page left open in another tab
    assert submit(page, button="Hapus").status_int == 404


def test_delete_without_the_form_token_removes_nothing(app, as_role):
    client = as_role("admin")
    cid = clause_id(app, "pks", "Keadaan Kahar")
    before = clause_rows(app)
    # A forged request without the page's token.
    assert client.post(f"/clauses/{cid}/delete").status_code == 400
    assert clause_rows(app) == before


@pytest.mark.parametrize("who", ["staff", "manager", "staff_other"])
def test_office_users_read_the_library_but_may_not_change_it(app, who):
    web = signed_in(app, who)
    page = web.get("/clauses")
    assert page.status_int == 200
    assert "Maksud dan Tujuan" in page.text
    assert "/clauses/new" not in page.text and "/edit" not in page.text  # no links to follow
    cid = clause_id(app, "mou", "Maksud dan Tujuan")
    before = clause_rows(app)
    web.get("/clauses/new", status=403)
    web.get(f"/clauses/{cid}/edit", status=403)
    # No page gives them these forms: only hand-made requests can try.
    client = hand_made(app, who)
    for url, data in (
        ("/clauses/new", clause_form(body="Teks baru.")),
        (f"/clauses/{cid}/edit", clause_form(body="Teks diubah.")),
        (f"/clauses/{cid}/delete", {}),
    ):
        assert post(client, url, data, form_url="/agreements/new").status_code == 403
    assert clause_rows(app) == before


def test_partner_users_may_not_even_read_the_library(app):
    web = signed_in(app, "partner")
    cid = clause_id(app, "mou", "Maksud dan Tujuan")
    before = clause_rows(app)
    assert "/clauses" not in web.get("/").text  # no menu entry leads there
    web.get("/clauses", status=403)
    web.get("/clauses/new", status=403)
    web.get(f"/clauses/{cid}/edit", status=403)
    # No page gives them these forms: only hand-made requests (with a valid token) can try.
    client = hand_made(app, "partner")
    for url in ("/clauses/new", f"/clauses/{cid}/edit", f"/clauses/{cid}/delete"):
        assert post(client, url, clause_form(body="Teks.")).status_code == 403
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
    *[
        # Past the render budget: steps, output, widths and sizes (issue 7).
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{{ tentang }}{% endfor %}",
        "{{ tentang|center(999999999) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ tentang.ljust(999999999) }}",
        "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s|length }}{% endif %}"
        "{% endmacro %}{{ d('x', 200) }}",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}",
        "{{ tentang" + "|replace('a', 'aa')" * 60 + " }}",
        "{% for x in range(10) recursive %}{{ loop(range(10)) }}{% endfor %}",
        "{{ lipsum(1000000) }}",
        # Found by the attack review: cheap to write, each step or value expensive.
        "{% set a = 'ab ' * 33000 %}{% for i in range(100) %}{% set y = a|title %}{% endfor %}x",
        "{% set a = 'a' * 99999 %}{% set b = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}"
        "{% set c = b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b %}"
        "{% set d = c ~ c ~ c ~ c ~ c ~ c ~ c ~ c ~ c ~ c %}"
        "{% set e = d ~ d ~ d ~ d ~ d ~ d ~ d ~ d ~ d ~ d %}{{ e|length }}",
        "{{ ('a\\n' * 30000)|indent(30000) }}",
        "{{ '%0300000000d'|format(1) }}",
        "{{ " + "(" * 70 + "1" + ")" * 70 + " }}",
    ],
]
BUDGET = ESCAPES[-15:]


def test_clauses_that_reach_outside_the_sandbox_are_refused_and_nothing_is_written(app):
    admin = signed_in(app, "admin")
    cid = clause_id(app, "mou", "Pembiayaan")
    before = clause_rows(app)
    with app.app_context():
        head = db.session.scalar(select(func.max(AuditEntry.seq)))
    pages = {"new": new_clause_page(admin), "edit": edit_clause_page(admin, cid)}
    for body in ESCAPES:
        for which, page in pages.items():
            typed = clause_form(body=body) if which == "new" else {"body": body}
            response = submit(page, button="Simpan", **typed)
            assert response.status_int == 200, (which, body)
            errors = errors_by_field(response)
            assert list(errors) == ["body"] and len(errors["body"]) == 1, (body, errors)
            assert find_form(response, button="Simpan")["body"].value.strip() == body.strip()
            assert "test-only-key" not in response.text  # nothing of the configuration shows
            assert "<class" not in response.text and "&lt;class" not in response.text
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


def test_a_clause_past_its_render_budget_is_refused_quickly():
    """The ceiling is generous (the machine is shared); unbounded, these run for hours."""
    for body in BUDGET:
        started = time.perf_counter()
        with pytest.raises(clauses.ClauseError):
            clauses.render(body, clauses.SAMPLE_CONTEXT)
        assert time.perf_counter() - started < 5, body


def test_a_clause_within_the_budget_renders_in_full():
    """Loops, macros and filters a real clause uses still work, up to the output limit."""
    body = (
        "{% macro pihak(n) %}PIHAK {{ n|upper }}{% endmacro %}"
        "{% for p in ['kesatu', 'kedua'] %}{{ loop.index }}. {{ pihak(p) }}; {% endfor %}"
        "{{ 'a' * (clauses_max - 33) }}"
    ).replace("clauses_max", str(clauses.MAX_OUTPUT))
    text = clauses.render(body, clauses.SAMPLE_CONTEXT)
    assert text.startswith("1. PIHAK KESATU; 2. PIHAK KEDUA; a")
    assert len(text) == clauses.MAX_OUTPUT
    with pytest.raises(clauses.ClauseError):
        clauses.render(body + "b", clauses.SAMPLE_CONTEXT)


DOCUMENTED = (
    "{{ para_pihak }}: {{ pihak_kesatu }} dan {{ pihak_kedua }} bekerja sama tentang "
    "{{ tentang }}, program {{ program }}, dibiayai {{ pendanaan }}, selama {{ jangka_waktu }} "
    "dari {{ tanggal_mulai }} sampai {{ tanggal_berakhir }} di {{ tempat }}, wilayah "
    "{{ wilayah }}{% if induk %}, melaksanakan {{ induk }}{% endif %}."
)


def test_a_clause_using_the_documented_placeholders_saves_and_fills_in(app):
    admin, staff = signed_in(app, "admin"), signed_in(app, "staff")
    page = new_clause_page(admin)
    for name in re.findall(r"\{\{ (\w+) \}\}", DOCUMENTED):
        assert f"{{{{ {name} }}}}" in page.text  # the form documents each one
    form = clause_form(position="5", heading="Para Pihak", body=DOCUMENTED)
    response = submit(page, button="Simpan", **form)
    assert response.status_int == 302
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
    admin = signed_in(app, "admin")
    page = new_clause_page(admin)
    before = clause_rows(app)
    for changes, field in (
        ({"heading": ""}, "heading"),
        ({"position": "0"}, "position"),
        ({"position": "satu"}, "position"),
        ({"body": ""}, "body"),
    ):
        response = submit(page, button="Simpan", **clause_form(**{"body": "Teks sah.", **changes}))
        assert response.status_int == 200, changes
        assert list(errors_by_field(response)) == [field], changes
    # A document kind the select does not offer: only a tampered request can send it.
    fill(find_form(page, button="Simpan"), **clause_form(body="Teks sah."))
    response = submit_tampered(page, button="Simpan", doc_kind="treaty")
    assert response.status_int == 200
    assert list(errors_by_field(response)) == ["doc_kind"]
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
