"""The guided "new agreement" flow, through the pages as rendered (WebTest): prefilled articles,
parties in order, parents, refusals that write nothing, computed end dates, and editing a
draft's details and parties. Direct POSTs remain only for what no page lets a person send
(values the form does not offer, forged requests)."""

import re
from datetime import date

from sqlalchemy import func, select

from partnerships.agreements import drafting, queries
from partnerships.agreements.models import Agreement, AgreementParty, AgreementVersion, Status
from partnerships.audit.services import acting_as
from partnerships.audit.services import verify as audit_verify
from partnerships.clauses.library import DEFAULTS
from partnerships.extensions import db
from partnerships.organisations.models import Office, Official, Partner
from tests.conftest import login, post
from tests.helpers import id_of
from tests.web import find_form, flashes, follow, hand_made, signed_in, submit, text

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
PEMKOT = "Pemerintah Kota Denpasar"
SESETAN = "Kelurahan Sesetan"
KEJARI = "Kejaksaan Negeri Denpasar"
MOU_TITLE = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
SESETAN_RENEWAL = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
SESETAN_PKS = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Kelurahan Sesetan"
RENEWAL_IN_REVIEW = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
UBUNG_DRAFT = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Ubung Kaja"
GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
TITLE = "Kesepakatan Bersama Perlindungan Pekerja Informal Kota Denpasar"
CREATE = "Buat draf"
SAVE = "Simpan"

# ---- helpers ------------------------------------------------------------------------------


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def snapshot(app) -> tuple[int, int, int]:
    """How many agreements, parties and versions there are: a refusal must change none."""
    return count(app, Agreement), count(app, AgreementParty), count(app, AgreementVersion)


def typed(app, **changes) -> dict:
    """What a person types and ticks on the "new agreement" page for a Denpasar MoU (the page
    itself offers the office, the MoU kind and the programs JKK and JKM)."""
    values = {
        "partner_ids": [id_of(app, Partner, PEMKOT)],
        "title": TITLE,
        "subject": "Perlindungan Pekerja Informal di Kota Denpasar",
        "funding": "apbd",
        "place": "Denpasar",
        "effective_on": "2027-01-01",
        "term_months": "12",
    }
    values.update(changes)
    return values


def create(app, web, query: str = "", **changes):
    """Open /agreements/new (with `query`, as the links to it do), type, press "Buat draf"."""
    return submit(web.get(f"/agreements/new{query}"), button=CREATE, **typed(app, **changes))


def created_id(response) -> int:
    assert response.status_int == 302, text(response)[:3000]
    match = re.fullmatch(r"(?:http://localhost)?/agreements/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def draft(app, web, **changes) -> int:
    return created_id(create(app, web, **changes))


def full(app, **changes) -> dict:
    """Every field of the "new agreement" form, for a request built without the page."""
    values = {
        **typed(app),
        "kind": "mou",
        "programs": ["JKK", "JKM"],
        "office_id": id_of(app, Office, DENPASAR),
    }
    values.update(changes)
    return values


def forged(app, who: str, url: str, data: dict):
    """A POST no page would send (values the form does not offer), with a valid CSRF token."""
    return post(hand_made(app, who), url, data, form_url=url)


def load(app, agreement_id: int) -> dict:
    """The stored agreement, its parties (position, office, partner) and its latest text."""
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        version = queries.latest_version(agreement)
        return {
            "agreement": {
                c: getattr(agreement, c)
                for c in (
                    "kind",
                    "status",
                    "title",
                    "subject",
                    "programs",
                    "funding",
                    "place",
                    "effective_on",
                    "ends_on",
                    "term_months",
                    "signed_on",
                    "office_id",
                    "parent_id",
                    "lock_version",
                )
            },
            "parties": [
                (p.position, p.office_id, p.partner_id, p.signatory_id, p.name)
                for p in agreement.parties
            ],
            "articles": version.articles if version else [],
            "versions": db.session.scalar(
                select(func.count())
                .select_from(AgreementVersion)
                .where(AgreementVersion.agreement_id == agreement.id)
            ),
        }


def text_of(articles: list[dict]) -> str:
    return "\n".join(f"{a['heading']}\n{a['body']}" for a in articles)


def field_errors(html: str, name: str) -> list[str]:
    """The error texts rendered under the form field `name` (see `_macros.field`)."""
    for block in html.split('<div class="mb-3">')[1:]:
        if f'name="{name}"' in block:
            return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', block, re.S)
    raise AssertionError(f"no field {name!r} on the page")


def only_error(html: str, name: str) -> list[str]:
    """The errors under `name`, after checking that no other field of the form has one."""
    for block in html.split('<div class="mb-3">')[1:]:
        errors = re.findall(r'<div class="invalid-feedback d-block">', block)
        if errors and f'name="{name}"' not in block:
            raise AssertionError(f"an error under another field: {block[:300]}")
    errors = field_errors(html, name)
    assert errors, f"no error under {name!r}"
    return errors


def selected(page, name: str) -> dict[str, bool]:
    """The options of the select `name` on the page's form: value -> selected."""
    form = find_form(page, field=name)
    return {value: chosen for value, chosen, _label in form[name].options}


def danger(page) -> list[str]:
    return [m for m in flashes(page) if m]


# ---- prefilled from the clause library ----------------------------------------------------


def test_new_form_offers_the_users_office_and_the_chosen_kind_and_parent(app):
    web = signed_in(app, "staff")
    mou = id_of(app, Agreement, MOU_TITLE)
    page = web.get(f"/agreements/new?kind=pks&parent={mou}")
    office = id_of(app, Office, DENPASAR)
    assert selected(page, "office_id") == {str(office): True}  # the only office staff draft for
    assert selected(page, "kind")["pks"] is True
    parents = selected(page, "parent_id")
    assert parents[str(mou)] is True
    assert str(id_of(app, Agreement, UBUNG_DRAFT)) not in parents  # a draft is no parent
    assert str(id_of(app, Agreement, GIANYAR_PKS)) not in parents  # nor another office's


def test_mou_is_prefilled_in_formal_indonesian_with_the_agreements_data(app):
    web = signed_in(app, "staff")
    before = snapshot(app)
    new_id = created_id(create(app, web))
    assert snapshot(app) == tuple(n + d for n, d in zip(before, (1, 2, 1), strict=True))
    stored = load(app, new_id)
    assert stored["agreement"]["kind"] == "mou"
    assert stored["agreement"]["status"] == Status.DRAFT
    assert stored["agreement"]["programs"] == ["JKK", "JKM"]  # as the page ticked them
    assert stored["agreement"]["ends_on"] == date(2027, 12, 31)
    assert stored["parties"] == [
        (1, id_of(app, Office, DENPASAR), None, None, f"BPJS Ketenagakerjaan {DENPASAR}"),
        (2, None, id_of(app, Partner, PEMKOT), None, PEMKOT),
    ]
    articles = stored["articles"]
    assert [a["heading"] for a in articles] == [heading for heading, _ in DEFAULTS["mou"]]
    body = text_of(articles)
    assert "{{" not in body and "{%" not in body and "..." not in body
    assert f"BPJS Ketenagakerjaan {DENPASAR} dan {PEMKOT}" in body  # the parties, in order
    assert "Jaminan Kecelakaan Kerja (JKK) dan Jaminan Kematian (JKM)" in body
    assert "Anggaran Pendapatan dan Belanja Daerah (APBD)" in body
    assert "berlaku selama 12 (dua belas) bulan" in body
    assert "sejak tanggal 1 Januari 2027 sampai dengan tanggal 31 Desember 2027" in body
    assert "ditandatangani di Denpasar dalam rangkap 2 (dua)" in body
    assert "Kesepakatan Bersama ini" in body and "Perjanjian ini" not in body
    assert "wilayah Kota Denpasar" in body
    assert "Perlindungan Pekerja Informal di Kota Denpasar" in body

    page = text(web.get(f"/agreements/{new_id}"))
    assert "PIHAK KESATU" in page and "PIHAK KEDUA" in page and "PIHAK KETIGA" not in page


def test_pks_under_an_mou_names_its_parent_and_spells_out_every_program(app):
    web = signed_in(app, "staff")
    mou = id_of(app, Agreement, MOU_TITLE)
    response = submit(
        web.get(f"/agreements/new?kind=pks&parent={mou}"),
        button=CREATE,
        **typed(
            app,
            partner_ids=[id_of(app, Partner, SESETAN)],
            title="Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kelurahan Sesetan",
            subject="Perlindungan Pekerja Rentan",
            programs=["JKK", "JKM", "JHT", "JP", "JKP"],
            funding="apbdes",
            place="Sesetan",
            effective_on="2027-03-01",
            term_months="24",
        ),
    )
    stored = load(app, created_id(response))
    assert stored["agreement"]["kind"] == "pks"
    assert stored["agreement"]["parent_id"] == mou
    assert stored["agreement"]["ends_on"] == date(2029, 2, 28)
    assert [a["heading"] for a in stored["articles"]] == [h for h, _ in DEFAULTS["pks"]]
    body = text_of(stored["articles"])
    assert f"BPJS Ketenagakerjaan {DENPASAR} dan {SESETAN}" in body
    assert f"pelaksanaan {MOU_TITLE} tentang Perlindungan Pekerja Rentan" in body
    assert (
        "Jaminan Kecelakaan Kerja (JKK), Jaminan Kematian (JKM), Jaminan Hari Tua (JHT), "
        "Jaminan Pensiun (JP), dan Jaminan Kehilangan Pekerjaan (JKP)"
    ) in body
    assert "Anggaran Pendapatan dan Belanja Desa (APBDes)" in body
    assert "berlaku selama 24 (dua puluh empat) bulan" in body
    assert "sejak tanggal 1 Maret 2027 sampai dengan tanggal 28 Februari 2029" in body
    assert "ditandatangani di Sesetan" in body
    assert "wilayah Kelurahan Sesetan" in body  # a kelurahan, named as one
    assert "Perjanjian ini" in body and "Kesepakatan Bersama ini" not in body


def test_tripartite_agreement_lists_the_office_first_and_the_partners_in_order(app):
    web = signed_in(app, "staff")
    first, second = id_of(app, Partner, KEJARI), id_of(app, Partner, PEMKOT)
    new_id = draft(app, web, query="?kind=pks", partner_ids=[first, second])
    stored = load(app, new_id)
    # Checkboxes send the partners in the order the page lists them (by name).
    assert [(p[0], p[2]) for p in stored["parties"]] == [(1, None), (2, first), (3, second)]
    body = text_of(stored["articles"])
    assert f"BPJS Ketenagakerjaan {DENPASAR}, {KEJARI}, dan {PEMKOT}" in body
    assert "rangkap 3 (tiga)" in body
    page = web.get(f"/agreements/{new_id}")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")[:2]]
        for tr in page.html.select("main table")[0].select("tbody tr")
    ]
    assert rows == [
        ["PIHAK KESATU", f"BPJS Ketenagakerjaan {DENPASAR}"],
        ["PIHAK KEDUA", KEJARI],
        ["PIHAK KETIGA", PEMKOT],
    ]


def test_term_without_end_date_computes_the_end(app):
    web = signed_in(app, "staff")
    new_id = draft(app, web, effective_on="2027-01-01", term_months="12", ends_on="")
    assert load(app, new_id)["agreement"]["ends_on"] == date(2027, 12, 31)
    # a month-end start stays at the month's end: 31 January + 1 month ends 28 February
    with app.app_context():
        assert drafting.end_of_term(date(2027, 1, 31), 1) == date(2027, 2, 27)
        assert drafting.end_of_term(date(2028, 2, 1), 12) == date(2029, 1, 31)
    # an explicit end date wins over the term
    new_id = draft(app, web, term_months="12", ends_on="2027-06-30")
    assert load(app, new_id)["agreement"]["ends_on"] == date(2027, 6, 30)


# ---- parents: addendum, renewal, PKS ------------------------------------------------------


def test_addendum_reads_as_one_and_cites_what_it_amends(app):
    web = signed_in(app, "staff")
    parent = id_of(app, Agreement, SESETAN_RENEWAL)
    page = web.get(f"/agreements/{parent}").click(href="kind=addendum")
    response = submit(
        page,
        button=CREATE,
        partner_ids=[],  # none ticked: the amended agreement's partners carry over
        title="Addendum Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan",
        subject="Penambahan program Jaminan Hari Tua",
        programs=["JKK", "JKM", "JHT"],
        funding="other",
        place="Denpasar",
    )
    stored = load(app, created_id(response))
    assert stored["agreement"]["kind"] == "addendum"
    assert stored["agreement"]["parent_id"] == parent
    assert [p[2] for p in stored["parties"]] == [None, id_of(app, Partner, SESETAN)]
    assert [a["heading"] for a in stored["articles"]] == [h for h, _ in DEFAULTS["addendum"]]
    body = text_of(stored["articles"])
    with app.app_context():
        amended = db.session.get(Agreement, parent)
        numbers = [p.number for p in amended.parties]
    assert all(numbers)
    assert (
        f"PARA PIHAK telah menandatangani {SESETAN_RENEWAL} Nomor: {numbers[0]} dan Nomor: "
        f"{numbers[1]} tanggal 5 Februari 2024 tentang Perlindungan pekerja bukan penerima upah "
        "di Kelurahan Sesetan, yang selanjutnya disebut Perjanjian." in body
    )
    assert "Ketentuan Pasal ... Perjanjian diubah sehingga berbunyi sebagai berikut:" in body
    assert "tetap berlaku dan mengikat PARA PIHAK" in body
    assert "Maksud dan Tujuan" not in body  # not a copy of the PKS set


def test_renewal_cites_the_agreement_it_renews(app):
    web = signed_in(app, "staff")
    parent = id_of(app, Agreement, SESETAN_RENEWAL)  # a renewal of a PKS: a PKS again
    page = web.get(f"/agreements/{parent}").click(href="kind=renewal")
    new_id = created_id(
        submit(
            page,
            button=CREATE,
            **typed(
                app,
                partner_ids=[id_of(app, Partner, SESETAN)],
                title="Perpanjangan Kedua Perjanjian Kerja Sama Kelurahan Sesetan",
                subject="Perlindungan pekerja bukan penerima upah di Kelurahan Sesetan",
                effective_on="",
                term_months="36",
            ),
        )
    )
    stored = load(app, new_id)
    assert stored["agreement"]["kind"] == "renewal"
    assert [a["heading"] for a in stored["articles"]] == [h for h, _ in DEFAULTS["renewal"]]
    body = text_of(stored["articles"])
    assert (
        f"Perjanjian Kerja Sama ini merupakan perpanjangan dari {SESETAN_RENEWAL} Nomor: "
    ) in body
    assert "tanggal 5 Februari 2024" in body
    # No start date yet: the term runs from the signing, and says so.
    assert (
        "berlaku selama 36 (tiga puluh enam) bulan terhitung sejak tanggal ditandatangani oleh "
        "PARA PIHAK"
    ) in body
    assert "..." not in body


def test_addendum_and_renewal_need_a_signed_parent(app):
    web = signed_in(app, "staff")
    before = snapshot(app)
    for kind in ("addendum", "renewal"):
        response = create(app, web, query=f"?kind={kind}")  # no parent chosen
        assert response.status_int == 200, kind
        only_error(response.text, "parent_id")
    # One not signed yet is not even offered; sent anyway, it is refused at the field.
    in_review = id_of(app, Agreement, RENEWAL_IN_REVIEW)
    assert str(in_review) not in selected(web.get("/agreements/new"), "parent_id")
    response = forged(
        app,
        "staff",
        "/agreements/new",
        full(app, kind="addendum", parent_id=in_review),
    )
    assert response.status_code == 200
    only_error(response.get_data(as_text=True), "parent_id")
    assert snapshot(app) == before


def test_a_pks_implements_an_mou_and_an_mou_has_no_parent(app):
    web = signed_in(app, "staff")
    before = snapshot(app)
    for kind, parent in (("pks", SESETAN_RENEWAL), ("mou", MOU_TITLE)):  # offered, wrong kind
        response = create(app, web, query=f"?kind={kind}&parent={id_of(app, Agreement, parent)}")
        assert response.status_int == 200
        only_error(response.text, "parent_id")
    # A superseded PKS is not offered at all; sent anyway, it is refused.
    superseded = id_of(app, Agreement, SESETAN_PKS)
    assert str(superseded) not in selected(web.get("/agreements/new"), "parent_id")
    response = forged(app, "staff", "/agreements/new", full(app, kind="pks", parent_id=superseded))
    assert response.status_code == 200
    only_error(response.get_data(as_text=True), "parent_id")
    assert snapshot(app) == before


def test_a_draft_or_an_invisible_agreement_is_no_parent(app):
    before = snapshot(app)
    for parent in (id_of(app, Agreement, UBUNG_DRAFT), id_of(app, Agreement, GIANYAR_PKS), 999999):
        response = forged(
            app, "staff", "/agreements/new", full(app, kind="addendum", parent_id=parent)
        )
        assert response.status_code == 200
        only_error(response.get_data(as_text=True), "parent_id")
    assert snapshot(app) == before


# ---- bad input writes nothing -------------------------------------------------------------

TYPED_BADLY = [
    ({"effective_on": "2027-06-01", "ends_on": "2027-05-31"}, "ends_on"),  # end before start
    ({"signed_on": "2028-01-01", "ends_on": "2027-12-31"}, "ends_on"),
    ({"programs": []}, "programs"),
    ({"partner_ids": []}, "partner_ids"),
    ({"term_months": "0"}, "term_months"),
    ({"term_months": "-3"}, "term_months"),
    ({"title": "   "}, "title"),
    ({"place": ""}, "place"),
]


def test_bad_input_is_refused_at_its_field_and_writes_nothing(app):
    web = signed_in(app, "staff")
    before = snapshot(app)
    for changes, field in TYPED_BADLY:
        response = create(app, web, **changes)
        assert response.status_int == 200, changes
        only_error(response.text, field)
        assert snapshot(app) == before, changes
        # what the user typed is still there to correct
        form = find_form(response, button=CREATE)
        assert field == "title" or form["title"].value == TITLE
        assert form["subject"].value == "Perlindungan Pekerja Informal di Kota Denpasar"


def test_values_no_page_offers_are_refused_at_their_field(app):
    """Tampered requests: options the form does not list, impossible dates, another office."""
    pemkot = id_of(app, Partner, PEMKOT)
    before = snapshot(app)
    base = full(app)
    for changes, field in [
        ({"programs": ["JKK", "XYZ"]}, "programs"),
        ({"partner_ids": [pemkot, pemkot]}, "partner_ids"),
        ({"partner_ids": [999999]}, "partner_ids"),
        ({"term_months": "dua belas"}, "term_months"),
        ({"effective_on": "2027-02-30"}, "effective_on"),
        ({"funding": "hibah"}, "funding"),
        ({"kind": "treaty"}, "kind"),
        ({"office_id": id_of(app, Office, GIANYAR)}, "office_id"),
        ({"office_id": ""}, "office_id"),
    ]:
        response = forged(app, "staff", "/agreements/new", {**base, **changes})
        assert response.status_code == 200, changes
        only_error(response.get_data(as_text=True), field)
    assert snapshot(app) == before


def test_an_admin_drafts_for_any_office(app):
    web = signed_in(app, "admin")
    disnaker = id_of(app, Partner, "Dinas Tenaga Kerja Kabupaten Gianyar")
    gianyar = id_of(app, Office, GIANYAR)
    new_id = draft(app, web, office_id=gianyar, partner_ids=[disnaker])
    assert load(app, new_id)["agreement"]["office_id"] == gianyar


def test_a_partner_managed_by_another_office_is_neither_offered_nor_accepted(app):
    """Otherwise the partner's users would see an agreement its own office cannot."""
    web = signed_in(app, "staff_other")  # Gianyar
    pemkot = id_of(app, Partner, PEMKOT)
    page = web.get("/agreements/new")
    offered = [box._value for box in find_form(page, button=CREATE).fields["partner_ids"]]
    assert str(pemkot) not in offered
    before = snapshot(app)
    response = forged(
        app,
        "staff_other",
        "/agreements/new",
        full(app, kind="pks", partner_ids=[pemkot], office_id=id_of(app, Office, GIANYAR)),
    )
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "partner_ids")
    assert snapshot(app) == before


def test_partners_and_auditors_may_not_draft(app):
    before = snapshot(app)
    for who in ("partner", "auditor", "auditor_office"):
        assert signed_in(app, who).get("/agreements/new", expect_errors=True).status_int == 403
        assert forged(app, who, "/agreements/new", typed(app)).status_code == 403
    assert snapshot(app) == before


def test_a_broken_clause_in_the_library_refuses_the_draft_instead_of_failing(app):
    from partnerships.clauses.models import Clause

    with app.app_context(), acting_as("test"):
        clause = db.session.scalar(select(Clause).where(Clause.doc_kind == "mou").limit(1))
        clause.body = "{{ tidak_ada }}"  # slipped past the editor (e.g. an older library)
        db.session.commit()
    web = signed_in(app, "staff")
    before = snapshot(app)
    response = create(app, web)
    assert response.status_int == 200
    assert danger(response)
    assert snapshot(app) == before


# ---- the parties page ---------------------------------------------------------------------


def parties_of(app, agreement_id: int) -> list[tuple]:
    return load(app, agreement_id)["parties"]


def official_value(page, name: str, official: str) -> str:
    """The option of the select `name` that names `official` (as a person picks it)."""
    form = find_form(page, button=SAVE)
    return next(value for value, _on, label in form[name].options if label.startswith(official))


def test_partners_are_ticked_not_ctrl_clicked_and_long_lists_can_be_filtered(app):
    web = signed_in(app, "staff")
    page = web.get("/agreements/new")
    boxes = page.html.select('input[name="partner_ids"]')
    assert boxes and all(box["type"] == "checkbox" for box in boxes)
    assert not page.html.select("select[multiple]")
    # More than a handful: a filter box, handled by app.js (no inline script on the page).
    assert page.html.select("input[data-filter-list]")
    assert not [s for s in page.html.select("script") if s.string and s.string.strip()]
    new_id = draft(app, web)
    parties = web.get(f"/agreements/{new_id}/parties")
    ticked = {b["value"] for b in parties.html.select('input[name="partner_ids"][checked]')}
    assert ticked == {str(id_of(app, Partner, PEMKOT))}


def test_parties_page_adds_reorders_and_sets_signatories(app):
    web = signed_in(app, "staff")
    pemkot, kejari = id_of(app, Partner, PEMKOT), id_of(app, Partner, KEJARI)
    new_id = draft(app, web, signed_on="2027-01-01")
    url = f"/agreements/{new_id}/parties"
    page = web.get(url)
    follow(submit(page, button=SAVE, partner_ids=[pemkot, kejari]))  # newly ticked: goes last
    assert [(p[0], p[2]) for p in parties_of(app, new_id)] == [(1, None), (2, pemkot), (3, kejari)]
    page = web.get(url)
    response = submit(
        page,
        button=SAVE,
        **{
            f"order_{pemkot}": "3",
            f"order_{kejari}": "2",
            "signatory_1": official_value(page, "signatory_1", "Mohamad Irfan"),
        },
    )
    assert response.status_int == 302, danger(response)
    parties = parties_of(app, new_id)
    assert [(p[0], p[2]) for p in parties] == [(1, None), (2, kejari), (3, pemkot)]
    assert parties[0][3] == id_of(app, Official, "Mohamad Irfan")


def test_parties_page_removes_a_partner_from_a_draft(app):
    web = signed_in(app, "staff")
    pemkot, kejari = id_of(app, Partner, PEMKOT), id_of(app, Partner, KEJARI)
    new_id = draft(app, web, partner_ids=[pemkot, kejari])
    response = submit(web.get(f"/agreements/{new_id}/parties"), button=SAVE, partner_ids=[kejari])
    assert response.status_int == 302
    assert [(p[0], p[2]) for p in parties_of(app, new_id)] == [(1, None), (2, kejari)]
    # the removed party row is gone from the draft but its values stay in the audit trail
    from partnerships.audit.models import AuditEntry

    with app.app_context():
        removed = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "AgreementParty", AuditEntry.action == "remove"
            )
        ).all()
        assert [e.before["partner_id"] for e in removed] == [pemkot]
        assert audit_verify().ok


def test_parties_page_refuses_a_partner_twice(app):
    """Checkboxes cannot name a partner twice; a tampered request can, and is refused."""
    new_id = draft(app, signed_in(app, "staff"))
    before, parties = snapshot(app), parties_of(app, new_id)
    pemkot, sesetan = id_of(app, Partner, PEMKOT), id_of(app, Partner, SESETAN)
    url = f"/agreements/{new_id}/parties"
    for data in (
        {"partner_order": f"{sesetan},{sesetan}"},
        {"partner_order": f"{pemkot},{sesetan},{pemkot}"},
        {"partner_ids": [sesetan, sesetan]},
    ):
        response = forged(app, "staff", url, data)
        assert response.status_code == 200
        assert field_errors(response.get_data(as_text=True), "partner_ids")
    assert snapshot(app) == before
    assert parties_of(app, new_id) == parties


def test_parties_page_refuses_a_signatory_out_of_office_on_the_planned_signing_date(app):
    web = signed_in(app, "staff")
    new_id = draft(app, web, signed_on="2027-01-15")
    before = parties_of(app, new_id)
    page = web.get(f"/agreements/{new_id}/parties")
    # Tonny Isprijanto headed the Denpasar office until the end of 2018
    response = submit(
        page,
        button=SAVE,
        signatory_1=official_value(page, "signatory_1", "Tonny Isprijanto"),
        signatory_2=official_value(page, "signatory_2", "Nyoman Ngurah Jimmy Sidharta"),
    )
    assert response.status_int == 200
    assert any("Tonny Isprijanto" in m for m in danger(response))
    assert parties_of(app, new_id) == before


def test_parties_page_refuses_a_signatory_of_another_partner_or_office(app):
    """The page offers only each party's own officials; a tampered id is refused."""
    new_id = draft(app, signed_in(app, "staff"))
    before = parties_of(app, new_id)
    for position, official in ((2, "Ketut Sri Karyawati"), (1, "Pandu Aria"), (2, "Mohamad Irfan")):
        response = forged(
            app,
            "staff",
            f"/agreements/{new_id}/parties",
            {
                "partner_ids": [id_of(app, Partner, PEMKOT)],
                f"signatory_{position}": id_of(app, Official, official),
                "number_2": "",
            },
        )
        assert response.status_code == 200
        assert official in response.get_data(as_text=True)
    assert parties_of(app, new_id) == before


def test_parties_page_refuses_removing_every_partner(app):
    web = signed_in(app, "staff")
    new_id = draft(app, web)
    before = parties_of(app, new_id)
    response = submit(web.get(f"/agreements/{new_id}/parties"), button=SAVE, partner_ids=[])
    assert response.status_int == 200
    assert field_errors(response.text, "partner_ids")
    assert parties_of(app, new_id) == before


def test_signatories_stay_with_their_party_when_the_same_save_reorders(app):
    """The signatory chosen on a row belongs to that row's party, wherever it moves."""
    web = signed_in(app, "staff")
    pemkot, sesetan = id_of(app, Partner, PEMKOT), id_of(app, Partner, SESETAN)
    new_id = draft(app, web, partner_ids=[pemkot, sesetan])
    assert [p[2] for p in parties_of(app, new_id)] == [None, sesetan, pemkot]  # by name
    page = web.get(f"/agreements/{new_id}/parties")
    karyawati = official_value(page, "signatory_2", "Ketut Sri Karyawati")  # the Sesetan row
    jimmy = official_value(page, "signatory_3", "Nyoman Ngurah Jimmy Sidharta")  # Pemkot's
    response = submit(
        page,
        button=SAVE,
        signatory_2=karyawati,
        signatory_3=jimmy,
        **{f"order_{pemkot}": "2", f"order_{sesetan}": "3"},
    )
    assert response.status_int == 302, danger(response)
    assert [(p[0], p[2], p[3]) for p in parties_of(app, new_id)] == [
        (1, None, None),
        (2, pemkot, int(jimmy)),
        (3, sesetan, int(karyawati)),
    ]


# ---- editing the details of a draft -------------------------------------------------------


def test_details_form_edits_persist_on_a_draft(app):
    web = signed_in(app, "staff")
    new_id = draft(app, web)
    lock = load(app, new_id)["agreement"]["lock_version"]
    page = web.get(f"/agreements/{new_id}").click(description="Ubah rincian")
    response = submit(
        page,
        button=SAVE,
        title="Kesepakatan Bersama Pekerja Pelabuhan Benoa",
        subject="Perlindungan Pekerja Pelabuhan",
        programs=["JKK", "JKM", "JHT"],
        funding="other",
        place="Benoa",
        effective_on="2027-02-01",
        term_months="6",
        ends_on="",
        signed_on="2027-01-20",
    )
    assert response.status_int == 302, danger(response)
    stored = load(app, new_id)["agreement"]
    assert stored["title"] == "Kesepakatan Bersama Pekerja Pelabuhan Benoa"
    assert stored["subject"] == "Perlindungan Pekerja Pelabuhan"
    assert stored["programs"] == ["JKK", "JKM", "JHT"]
    assert (stored["funding"], stored["place"]) == ("other", "Benoa")
    assert stored["effective_on"] == date(2027, 2, 1)
    assert stored["term_months"] == 6
    assert stored["ends_on"] == date(2027, 7, 31)
    assert stored["signed_on"] == date(2027, 1, 20)
    assert stored["lock_version"] == lock + 1


def test_details_form_refuses_a_stale_save_and_bad_dates(app):
    web, colleague = signed_in(app, "staff"), signed_in(app, "manager")
    new_id = draft(app, web)
    url = f"/agreements/{new_id}/edit"
    opened = web.get(url)  # the staff member opens the form ...
    follow(submit(colleague.get(url), button=SAVE, title="Judul Rekan"))  # ... a colleague saves
    original = load(app, new_id)["agreement"]
    stale = submit(opened, button=SAVE, title="Judul Baru")
    assert stale.status_int == 200
    assert danger(stale)
    assert find_form(stale, button=SAVE)["title"].value == "Judul Baru"  # kept to re-apply
    backwards = submit(
        web.get(url), button=SAVE, effective_on="2027-06-01", ends_on="2027-01-01", term_months=""
    )
    assert backwards.status_int == 200
    only_error(backwards.text, "ends_on")
    no_program = submit(web.get(url), button=SAVE, programs=[])
    assert no_program.status_int == 200
    only_error(no_program.text, "programs")
    assert load(app, new_id)["agreement"] == original


def test_staff_of_another_office_cannot_see_or_edit_the_draft(app):
    new_id = draft(app, signed_in(app, "staff"))
    other = signed_in(app, "staff_other")
    for url in (
        f"/agreements/{new_id}",
        f"/agreements/{new_id}/edit",
        f"/agreements/{new_id}/parties",
        f"/agreements/{new_id}/articles",
    ):
        assert other.get(url, expect_errors=True).status_int == 404


def test_a_signed_agreement_offers_no_editor_and_refuses_a_forged_save(app):
    web = signed_in(app, "staff")
    active = id_of(app, Agreement, SESETAN_RENEWAL)
    original = load(app, active)["agreement"]
    page = web.get(f"/agreements/{active}")
    assert "Ubah rincian" not in text(page) and "Ubah pasal" not in text(page)
    for url in (f"/agreements/{active}/edit", f"/agreements/{active}/articles"):
        shown = follow(web.get(url))
        assert shown.request.path == f"/agreements/{active}"
        assert any("perubahannya melalui addendum" in m for m in flashes(shown)), flashes(shown)
    client = app.test_client()
    assert login(client, "staff").status_code == 302
    response = post(
        client,
        f"/agreements/{active}/edit",
        {"title": "Diubah Diam-diam", "lock_version": original["lock_version"]},
        form_url=f"/agreements/{active}",
    )
    assert response.status_code == 302
    assert load(app, active)["agreement"] == original
