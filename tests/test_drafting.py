"""The guided "new agreement" flow: prefilled articles, parties in order, parents, refusals
that write nothing, computed end dates, and editing a draft's details and parties."""

import re
from datetime import date
from html import unescape

from sqlalchemy import func, select

from partnerships.agreements import services
from partnerships.agreements.models import Agreement, AgreementParty, AgreementVersion, Status
from partnerships.audit.services import acting_as
from partnerships.audit.services import verify as audit_verify
from partnerships.clauses.library import DEFAULTS
from partnerships.extensions import db
from partnerships.organisations.models import Office, Official, Partner
from tests.conftest import login, post

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

# ---- helpers ------------------------------------------------------------------------------


def id_of(app, model, name: str) -> int:
    column = model.title if model is Agreement else model.name
    with app.app_context():
        found = db.session.scalar(select(model.id).where(column == name))
    assert found is not None, name
    return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def snapshot(app) -> tuple[int, int, int]:
    """How many agreements, parties and versions there are: a refusal must change none."""
    return count(app, Agreement), count(app, AgreementParty), count(app, AgreementVersion)


def form(app, **changes) -> dict:
    """A complete, valid "new agreement" form for the Denpasar office."""
    data = {
        "kind": "mou",
        "parent_id": "",
        "office_id": id_of(app, Office, DENPASAR),
        "partner_ids": [id_of(app, Partner, PEMKOT)],
        "title": "Kesepakatan Bersama Perlindungan Pekerja Informal Kota Denpasar",
        "subject": "Perlindungan Pekerja Informal di Kota Denpasar",
        "programs": ["JKK", "JKM"],
        "funding": "apbd",
        "place": "Denpasar",
        "effective_on": "2027-01-01",
        "term_months": "12",
        "ends_on": "",
        "signed_on": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def create(client, data: dict):
    return post(client, "/agreements/new", data, form_url="/agreements/new")


def created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = re.fullmatch(r"/agreements/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def load(app, agreement_id: int) -> dict:
    """The stored agreement, its parties (position, office, partner) and its latest text."""
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        version = services.latest_version(agreement)
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


def options(html: str, name: str) -> dict[str, bool]:
    """The options of the select `name`: value -> selected."""
    match = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name!r}"
    return {
        value: bool(selected)
        for selected, value in re.findall(r'<option (selected )?value="([^"]*)"', match.group(1))
    }


def flashes(html: str) -> list[str]:
    return [
        unescape(m) for m in re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)<', html, re.S)
    ]


# ---- prefilled from the clause library ----------------------------------------------------


def test_new_form_offers_the_users_office_and_the_chosen_kind_and_parent(app, as_role):
    client = as_role("staff")
    mou = id_of(app, Agreement, MOU_TITLE)
    html = client.get(f"/agreements/new?kind=pks&parent={mou}").get_data(as_text=True)
    office = id_of(app, Office, DENPASAR)
    assert options(html, "office_id") == {str(office): True}  # the only office staff draft for
    assert options(html, "kind")["pks"] is True
    parents = options(html, "parent_id")
    assert parents[str(mou)] is True
    assert str(id_of(app, Agreement, UBUNG_DRAFT)) not in parents  # a draft is no parent
    gianyar_pks = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
    assert str(id_of(app, Agreement, gianyar_pks)) not in parents  # nor another office's


def test_mou_is_prefilled_in_formal_indonesian_with_the_agreements_data(app, as_role):
    client = as_role("staff")
    before = snapshot(app)
    new_id = created_id(create(client, form(app)))
    assert snapshot(app) == tuple(n + d for n, d in zip(before, (1, 2, 1), strict=True))
    stored = load(app, new_id)
    assert stored["agreement"]["kind"] == "mou"
    assert stored["agreement"]["status"] == Status.DRAFT
    assert stored["agreement"]["ends_on"] == date(2027, 12, 31)
    assert stored["parties"] == [
        (1, id_of(app, Office, DENPASAR), None, None, f"BPJS Ketenagakerjaan {DENPASAR}"),
        (2, None, id_of(app, Partner, PEMKOT), None, PEMKOT),
    ]
    articles = stored["articles"]
    assert [a["heading"] for a in articles] == [heading for heading, _ in DEFAULTS["mou"]]
    text = text_of(articles)
    assert "{{" not in text and "{%" not in text
    assert f"BPJS Ketenagakerjaan {DENPASAR} dan {PEMKOT}" in text  # the parties, in order
    assert "Jaminan Kecelakaan Kerja (JKK) dan Jaminan Kematian (JKM)" in text
    assert "Anggaran Pendapatan dan Belanja Daerah (APBD)" in text
    assert "berlaku selama 12 (dua belas) bulan" in text
    assert "sejak tanggal 1 Januari 2027 sampai dengan tanggal 31 Desember 2027" in text
    assert "ditandatangani di Denpasar dalam rangkap 2 (dua)" in text
    assert "Kesepakatan Bersama ini" in text and "Perjanjian ini" not in text
    assert "wilayah Kota Denpasar" in text
    assert "Perlindungan Pekerja Informal di Kota Denpasar" in text

    page = client.get(f"/agreements/{new_id}").get_data(as_text=True)
    assert "PIHAK KESATU" in page and "PIHAK KEDUA" in page and "PIHAK KETIGA" not in page


def test_pks_under_an_mou_names_its_parent_and_spells_out_every_program(app, as_role):
    client = as_role("staff")
    mou = id_of(app, Agreement, MOU_TITLE)
    new_id = created_id(
        create(
            client,
            form(
                app,
                kind="pks",
                parent_id=mou,
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
    )
    stored = load(app, new_id)
    assert stored["agreement"]["parent_id"] == mou
    assert stored["agreement"]["ends_on"] == date(2029, 2, 28)
    assert [a["heading"] for a in stored["articles"]] == [h for h, _ in DEFAULTS["pks"]]
    text = text_of(stored["articles"])
    assert f"BPJS Ketenagakerjaan {DENPASAR} dan {SESETAN}" in text
    assert f"pelaksanaan {MOU_TITLE} tentang Perlindungan Pekerja Rentan" in text
    assert (
        "Jaminan Kecelakaan Kerja (JKK), Jaminan Kematian (JKM), Jaminan Hari Tua (JHT), "
        "Jaminan Pensiun (JP), dan Jaminan Kehilangan Pekerjaan (JKP)"
    ) in text
    assert "Anggaran Pendapatan dan Belanja Desa (APBDes)" in text
    assert "berlaku selama 24 (dua puluh empat) bulan" in text
    assert "sejak tanggal 1 Maret 2027 sampai dengan tanggal 28 Februari 2029" in text
    assert "ditandatangani di Sesetan" in text
    assert "wilayah Sesetan" in text
    assert "Perjanjian ini" in text and "Kesepakatan Bersama ini" not in text


def test_tripartite_agreement_lists_the_office_first_and_the_partners_in_order(app, as_role):
    client = as_role("staff")
    first, second = id_of(app, Partner, KEJARI), id_of(app, Partner, PEMKOT)
    new_id = created_id(create(client, form(app, kind="pks", partner_ids=[first, second])))
    stored = load(app, new_id)
    assert [(p[0], p[2]) for p in stored["parties"]] == [(1, None), (2, first), (3, second)]
    text = text_of(stored["articles"])
    assert f"BPJS Ketenagakerjaan {DENPASAR}, {KEJARI}, dan {PEMKOT}" in text
    assert "rangkap 3 (tiga)" in text
    page = client.get(f"/agreements/{new_id}").get_data(as_text=True)
    roles = re.findall(r'<td class="text-nowrap">(PIHAK \w+)</td><td>([^<]+)</td>', page)
    assert roles == [
        ("PIHAK KESATU", f"BPJS Ketenagakerjaan {DENPASAR}"),
        ("PIHAK KEDUA", KEJARI),
        ("PIHAK KETIGA", PEMKOT),
    ]


def test_term_without_end_date_computes_the_end(app, as_role):
    client = as_role("staff")
    new_id = created_id(
        create(client, form(app, effective_on="2027-01-01", term_months="12", ends_on=""))
    )
    assert load(app, new_id)["agreement"]["ends_on"] == date(2027, 12, 31)
    # a month-end start stays at the month's end: 31 January + 1 month ends 28 February
    with app.app_context():
        assert services.end_of_term(date(2027, 1, 31), 1) == date(2027, 2, 27)
        assert services.end_of_term(date(2028, 2, 1), 12) == date(2029, 1, 31)
    # an explicit end date wins over the term
    new_id = created_id(create(client, form(app, term_months="12", ends_on="2027-06-30")))
    assert load(app, new_id)["agreement"]["ends_on"] == date(2027, 6, 30)


# ---- parents: addendum, renewal, PKS ------------------------------------------------------


def test_addendum_starts_from_the_amended_agreements_current_articles(app, as_role):
    client = as_role("staff")
    parent = id_of(app, Agreement, SESETAN_RENEWAL)
    with app.app_context():
        amended = db.session.get(Agreement, parent)
        current = services.latest_version(amended).articles
    new_id = created_id(
        create(
            client,
            form(
                app,
                kind="addendum",
                parent_id=parent,
                partner_ids=[],
                title="Addendum Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan",
                subject="Penambahan program JHT",
                programs=["JKK", "JKM", "JHT"],
                funding="other",
            ),
        )
    )
    stored = load(app, new_id)
    assert stored["articles"] == current
    assert stored["agreement"]["parent_id"] == parent
    # without partners chosen, the amended agreement's partners carry over
    assert [p[2] for p in stored["parties"]] == [None, id_of(app, Partner, SESETAN)]


def test_renewal_of_a_signed_agreement_is_prefilled_from_its_family(app, as_role):
    client = as_role("staff")
    parent = id_of(app, Agreement, SESETAN_RENEWAL)  # a renewal of a PKS: PKS clauses apply
    new_id = created_id(
        create(
            client,
            form(
                app,
                kind="renewal",
                parent_id=parent,
                partner_ids=[id_of(app, Partner, SESETAN)],
                title="Perpanjangan Kedua Perjanjian Kerja Sama Kelurahan Sesetan",
            ),
        )
    )
    stored = load(app, new_id)
    assert [a["heading"] for a in stored["articles"]] == [h for h, _ in DEFAULTS["pks"]]
    assert stored["agreement"]["kind"] == "renewal"


def test_addendum_and_renewal_need_a_signed_parent(app, as_role):
    client = as_role("staff")
    before = snapshot(app)
    in_review = id_of(app, Agreement, RENEWAL_IN_REVIEW)
    for kind in ("addendum", "renewal"):
        for parent in ("", in_review):  # none at all, or one not signed yet
            response = create(client, form(app, kind=kind, parent_id=parent))
            assert response.status_code == 200, (kind, parent)
            only_error(response.get_data(as_text=True), "parent_id")
    assert snapshot(app) == before


def test_a_pks_implements_an_mou_and_an_mou_has_no_parent(app, as_role):
    client = as_role("staff")
    before = snapshot(app)
    for data in (
        form(app, kind="pks", parent_id=id_of(app, Agreement, SESETAN_RENEWAL)),
        form(app, kind="pks", parent_id=id_of(app, Agreement, SESETAN_PKS)),
        form(app, kind="mou", parent_id=id_of(app, Agreement, MOU_TITLE)),
    ):
        response = create(client, data)
        assert response.status_code == 200
        only_error(response.get_data(as_text=True), "parent_id")
    assert snapshot(app) == before


def test_a_draft_or_an_invisible_agreement_is_no_parent(app, as_role):
    client = as_role("staff")
    before = snapshot(app)
    gianyar_pks = id_of(
        app, Agreement, "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
    )
    for parent in (id_of(app, Agreement, UBUNG_DRAFT), gianyar_pks, 999999):
        response = create(client, form(app, kind="addendum", parent_id=parent))
        assert response.status_code == 200
        only_error(response.get_data(as_text=True), "parent_id")
    assert snapshot(app) == before


# ---- bad input writes nothing -------------------------------------------------------------


BAD_INPUT = [
    ({"effective_on": "2027-06-01", "ends_on": "2027-05-31"}, "ends_on"),  # end before start
    ({"signed_on": "2028-01-01", "ends_on": "2027-12-31"}, "ends_on"),
    ({"programs": []}, "programs"),
    ({"programs": ["JKK", "XYZ"]}, "programs"),
    ({"partner_ids": []}, "partner_ids"),
    ({"partner_ids": "twice"}, "partner_ids"),
    ({"partner_ids": [999999]}, "partner_ids"),
    ({"term_months": "0"}, "term_months"),
    ({"term_months": "-3"}, "term_months"),
    ({"term_months": "dua belas"}, "term_months"),
    ({"effective_on": "2027-02-30"}, "effective_on"),
    ({"funding": "hibah"}, "funding"),
    ({"title": "   "}, "title"),
    ({"place": ""}, "place"),
    ({"kind": "treaty"}, "kind"),
    ({"office_id": "gianyar"}, "office_id"),  # a staff member drafting for another office
    ({"office_id": ""}, "office_id"),
]


def test_bad_input_is_refused_at_its_field_and_writes_nothing(app, as_role):
    client = as_role("staff")
    pemkot = id_of(app, Partner, PEMKOT)
    before = snapshot(app)
    for changes, field in BAD_INPUT:
        if changes.get("partner_ids") == "twice":
            changes = {"partner_ids": [pemkot, pemkot]}
        if changes.get("office_id") == "gianyar":
            changes = {"office_id": id_of(app, Office, GIANYAR)}
        response = create(client, form(app, **changes))
        assert response.status_code == 200, changes
        html = response.get_data(as_text=True)
        only_error(html, field)
        assert snapshot(app) == before, changes
        # what the user typed is still there to correct
        assert field == "title" or (
            'value="Kesepakatan Bersama Perlindungan Pekerja Informal Kota Denpasar"' in html
        )


def test_an_admin_drafts_for_any_office(app, client):
    assert login(client, "admin").status_code == 302
    disnaker = id_of(app, Partner, "Dinas Tenaga Kerja Kabupaten Gianyar")
    gianyar = id_of(app, Office, GIANYAR)
    new_id = created_id(create(client, form(app, office_id=gianyar, partner_ids=[disnaker])))
    assert load(app, new_id)["agreement"]["office_id"] == gianyar


def test_a_partner_managed_by_another_office_cannot_be_a_party(app, as_role):
    """Otherwise the partner's users would see an agreement its own office cannot."""
    client = as_role("staff_other")  # Gianyar
    before = snapshot(app)
    gianyar = id_of(app, Office, GIANYAR)
    response = create(
        client, form(app, office_id=gianyar, partner_ids=[id_of(app, Partner, PEMKOT)])
    )
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "partner_ids")
    assert snapshot(app) == before


def test_partners_and_auditors_may_not_draft(app):
    before = snapshot(app)
    for who in ("partner", "auditor", "auditor_office"):
        client = app.test_client()
        assert login(client, who).status_code == 302
        assert client.get("/agreements/new").status_code == 403
        response = client.post("/agreements/new", data=form(app))
        assert response.status_code in (400, 403)
    assert snapshot(app) == before


def test_a_broken_clause_in_the_library_refuses_the_draft_instead_of_failing(app, as_role):
    from partnerships.clauses.models import Clause

    with app.app_context(), acting_as("test"):
        clause = db.session.scalar(select(Clause).where(Clause.doc_kind == "mou").limit(1))
        clause.body = "{{ tidak_ada }}"  # slipped past the editor (e.g. an older library)
        db.session.commit()
    client = as_role("staff")
    before = snapshot(app)
    response = create(client, form(app))
    assert response.status_code == 200
    assert flashes(response.get_data(as_text=True))
    assert snapshot(app) == before


# ---- the parties page ---------------------------------------------------------------------


def draft(app, client, **changes) -> int:
    return created_id(create(client, form(app, **changes)))


def parties_of(app, agreement_id: int) -> list[tuple]:
    return load(app, agreement_id)["parties"]


def test_parties_page_reorders_adds_and_sets_signatories(app, as_role):
    client = as_role("staff")
    pemkot, kejari = id_of(app, Partner, PEMKOT), id_of(app, Partner, KEJARI)
    new_id = draft(app, client, signed_on="2027-01-01")
    response = post(
        client,
        f"/agreements/{new_id}/parties",
        {
            "partner_order": f"{kejari},{pemkot}",
            "signatory_1": id_of(app, Official, "Mohamad Irfan"),
            "number_2": "",
        },
        form_url=f"/agreements/{new_id}/parties",
    )
    assert response.status_code == 302
    parties = parties_of(app, new_id)
    assert [(p[0], p[2]) for p in parties] == [(1, None), (2, kejari), (3, pemkot)]
    assert parties[0][3] == id_of(app, Official, "Mohamad Irfan")


def test_parties_page_removes_a_partner_from_a_draft(app, as_role):
    client = as_role("staff")
    pemkot, kejari = id_of(app, Partner, PEMKOT), id_of(app, Partner, KEJARI)
    new_id = draft(app, client, partner_ids=[pemkot, kejari])
    response = post(
        client,
        f"/agreements/{new_id}/parties",
        {"partner_order": str(kejari)},
        form_url=f"/agreements/{new_id}/parties",
    )
    assert response.status_code == 302
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


def test_parties_page_refuses_a_partner_twice(app, as_role):
    client = as_role("staff")
    new_id = draft(app, client)
    before, parties = snapshot(app), parties_of(app, new_id)
    pemkot = id_of(app, Partner, PEMKOT)
    sesetan = id_of(app, Partner, SESETAN)
    for order in (f"{sesetan},{sesetan}", f"{pemkot},{sesetan},{pemkot}"):
        response = post(
            client,
            f"/agreements/{new_id}/parties",
            {"partner_order": order},
            form_url=f"/agreements/{new_id}/parties",
        )
        assert response.status_code == 200
        assert field_errors(response.get_data(as_text=True), "partner_ids")
    response = post(
        client,
        f"/agreements/{new_id}/parties",
        {"partner_ids": [sesetan, sesetan]},
        form_url=f"/agreements/{new_id}/parties",
    )
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "partner_ids")
    assert snapshot(app) == before
    assert parties_of(app, new_id) == parties


def test_parties_page_refuses_a_signatory_out_of_office_on_the_planned_signing_date(app, as_role):
    client = as_role("staff")
    new_id = draft(app, client, signed_on="2027-01-15")
    before = parties_of(app, new_id)
    # Tonny Isprijanto headed the Denpasar office until the end of 2018
    response = post(
        client,
        f"/agreements/{new_id}/parties",
        {
            "partner_ids": [id_of(app, Partner, PEMKOT)],
            "signatory_1": id_of(app, Official, "Tonny Isprijanto"),
            "signatory_2": id_of(app, Official, "Nyoman Ngurah Jimmy Sidharta"),
            "number_2": "",
        },
        form_url=f"/agreements/{new_id}/parties",
    )
    assert response.status_code == 200
    assert any("Tonny Isprijanto" in m for m in flashes(response.get_data(as_text=True)))
    assert parties_of(app, new_id) == before


def test_parties_page_refuses_a_signatory_of_another_partner_or_office(app, as_role):
    client = as_role("staff")
    new_id = draft(app, client)
    before = parties_of(app, new_id)
    for position, official in ((2, "Ketut Sri Karyawati"), (1, "Pandu Aria"), (2, "Mohamad Irfan")):
        response = post(
            client,
            f"/agreements/{new_id}/parties",
            {
                "partner_ids": [id_of(app, Partner, PEMKOT)],
                f"signatory_{position}": id_of(app, Official, official),
                "number_2": "",
            },
            form_url=f"/agreements/{new_id}/parties",
        )
        assert response.status_code == 200
        assert any(official in m for m in flashes(response.get_data(as_text=True)))
    assert parties_of(app, new_id) == before


def test_parties_page_refuses_removing_every_partner(app, as_role):
    client = as_role("staff")
    new_id = draft(app, client)
    before = parties_of(app, new_id)
    response = post(
        client,
        f"/agreements/{new_id}/parties",
        {"partner_order": ""},
        form_url=f"/agreements/{new_id}/parties",
    )
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "partner_ids")
    assert parties_of(app, new_id) == before


# ---- editing the details of a draft -------------------------------------------------------


def edit_form(app, agreement_id: int, **changes) -> dict:
    stored = load(app, agreement_id)["agreement"]
    data = {
        "title": stored["title"],
        "subject": stored["subject"],
        "programs": stored["programs"],
        "funding": stored["funding"],
        "place": stored["place"],
        "effective_on": stored["effective_on"].isoformat() if stored["effective_on"] else "",
        "term_months": stored["term_months"] or "",
        "ends_on": stored["ends_on"].isoformat() if stored["ends_on"] else "",
        "signed_on": stored["signed_on"].isoformat() if stored["signed_on"] else "",
        "lock_version": stored["lock_version"],
    }
    data.update(changes)
    return data


def test_details_form_edits_persist_on_a_draft(app, as_role):
    client = as_role("staff")
    new_id = draft(app, client)
    page = client.get(f"/agreements/{new_id}/edit").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)
    assert int(lock) == load(app, new_id)["agreement"]["lock_version"]
    response = post(
        client,
        f"/agreements/{new_id}/edit",
        edit_form(
            app,
            new_id,
            title="Kesepakatan Bersama Pekerja Pelabuhan Benoa",
            subject="Perlindungan Pekerja Pelabuhan",
            programs=["JKK", "JKM", "JHT"],
            funding="other",
            place="Benoa",
            effective_on="2027-02-01",
            term_months="6",
            ends_on="",
            signed_on="2027-01-20",
            lock_version=lock,
        ),
        form_url=f"/agreements/{new_id}/edit",
    )
    assert response.status_code == 302
    stored = load(app, new_id)["agreement"]
    assert stored["title"] == "Kesepakatan Bersama Pekerja Pelabuhan Benoa"
    assert stored["subject"] == "Perlindungan Pekerja Pelabuhan"
    assert stored["programs"] == ["JKK", "JKM", "JHT"]
    assert (stored["funding"], stored["place"]) == ("other", "Benoa")
    assert stored["effective_on"] == date(2027, 2, 1)
    assert stored["term_months"] == 6
    assert stored["ends_on"] == date(2027, 7, 31)
    assert stored["signed_on"] == date(2027, 1, 20)
    assert stored["lock_version"] == int(lock) + 1


def test_details_form_refuses_a_stale_lock_version_and_bad_dates(app, as_role):
    client = as_role("staff")
    new_id = draft(app, client)
    original = load(app, new_id)["agreement"]
    stale = post(
        client,
        f"/agreements/{new_id}/edit",
        edit_form(app, new_id, title="Judul Baru", lock_version=original["lock_version"] - 1),
        form_url=f"/agreements/{new_id}/edit",
    )
    assert stale.status_code == 200
    assert flashes(stale.get_data(as_text=True))
    backwards = post(
        client,
        f"/agreements/{new_id}/edit",
        edit_form(app, new_id, effective_on="2027-06-01", ends_on="2027-01-01", term_months=""),
        form_url=f"/agreements/{new_id}/edit",
    )
    assert backwards.status_code == 200
    only_error(backwards.get_data(as_text=True), "ends_on")
    no_program = post(
        client,
        f"/agreements/{new_id}/edit",
        edit_form(app, new_id, programs=[]),
        form_url=f"/agreements/{new_id}/edit",
    )
    assert no_program.status_code == 200
    only_error(no_program.get_data(as_text=True), "programs")
    assert load(app, new_id)["agreement"] == original


def test_only_a_draft_has_editable_details(app, as_role):
    client = as_role("staff")
    active = id_of(app, Agreement, SESETAN_RENEWAL)
    original = load(app, active)["agreement"]
    response = post(
        client,
        f"/agreements/{active}/edit",
        edit_form(app, active, title="Diubah Diam-diam"),
        form_url=f"/agreements/{active}/edit",
    )
    assert response.status_code == 200
    assert flashes(response.get_data(as_text=True))
    assert load(app, active)["agreement"] == original


def test_staff_of_another_office_cannot_see_or_edit_the_draft(app, as_role):
    new_id = draft(app, as_role("staff"))
    other = app.test_client()
    assert login(other, "staff_other").status_code == 302
    for url in (
        f"/agreements/{new_id}",
        f"/agreements/{new_id}/edit",
        f"/agreements/{new_id}/parties",
    ):
        assert other.get(url).status_code == 404


def test_signatories_stay_with_their_party_when_the_same_save_reorders(app, as_role):
    """The signatory chosen on a row belongs to that row's party, wherever it moves."""
    client = as_role("staff")
    pemkot, sesetan = id_of(app, Partner, PEMKOT), id_of(app, Partner, SESETAN)
    new_id = draft(app, client, partner_ids=[pemkot, sesetan])
    assert [p[2] for p in parties_of(app, new_id)] == [None, pemkot, sesetan]
    jimmy = id_of(app, Official, "Nyoman Ngurah Jimmy Sidharta")
    karyawati = id_of(app, Official, "Ketut Sri Karyawati")
    response = post(
        client,
        f"/agreements/{new_id}/parties",
        {
            "partner_order": f"{sesetan},{pemkot}",
            "signatory_2": jimmy,  # the Pemkot row as the page showed it
            "signatory_3": karyawati,  # the Sesetan row
            "number_2": "",
            "number_3": "",
        },
        form_url=f"/agreements/{new_id}/parties",
    )
    assert response.status_code == 302
    assert [(p[0], p[2], p[3]) for p in parties_of(app, new_id)] == [
        (1, None, None),
        (2, sesetan, karyawati),
        (3, pemkot, jimmy),
    ]


def test_order_boxes_reorder_the_partners_of_a_draft(app, as_role):
    client = as_role("staff")
    pemkot, sesetan = id_of(app, Partner, PEMKOT), id_of(app, Partner, SESETAN)
    kejari = id_of(app, Partner, KEJARI)
    new_id = draft(app, client, partner_ids=[pemkot, sesetan])
    response = post(
        client,
        f"/agreements/{new_id}/parties",
        {
            "partner_ids": [pemkot, sesetan, kejari],  # Kejari newly added: it goes last
            f"order_{pemkot}": "3",
            f"order_{sesetan}": "2",
        },
        form_url=f"/agreements/{new_id}/parties",
    )
    assert response.status_code == 302
    assert [p[2] for p in parties_of(app, new_id)] == [None, sesetan, pemkot, kejari]
