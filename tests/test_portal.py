"""The partner portal through the pages: a partner submits figures with evidence, the office
accepts or rejects them (with a reason the partner reads), both write in a commitment's thread,
the partner keeps its own address and contact persons, and the portal home. Then isolation: for
every partner with a user, each list, export, search and file a partner can reach shows exactly
its own rows (set equality with the database), and another partner's ids give 404."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from webtest import Upload

from partnerships.agreements.models import Agreement, AgreementParty, Status
from partnerships.agreements.permissions import PARTNER_VISIBLE
from partnerships.audit.models import AuditEntry
from partnerships.auth.models import User
from partnerships.commitments import signals
from partnerships.commitments.models import (
    Commitment,
    CommitmentComment,
    Evidence,
    FigureStatus,
    RealisationFigure,
)
from partnerships.extensions import db
from partnerships.organisations.models import ContactPerson, Official, Partner
from tests.helpers import counted_statements, id_of
from tests.web import (
    errors_by_field,
    field_errors,
    find_form,
    flashes,
    follow,
    press,
    signed_in,
    submit,
    text,
)

PEMKOT = "Pemerintah Kota Denpasar"
DISNAKER = "Dinas Tenaga Kerja Kabupaten Gianyar"
GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"
GIANYAR_BUDGET = "APBD 2026 untuk iuran JKK dan JKM 12.800 pekerja rentan"
DENPASAR_BPU = "Kepesertaan pekerja bukan penerima upah 22.964 orang pada 2017"
GIANYAR_PARTNER = "mitra.gianyar@kemitraan.test"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def gianyar_user(app) -> str:
    """The demo's second partner user, for Disnaker Gianyar, whose agreement is in force."""
    return GIANYAR_PARTNER


def commitment_of(app, title: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Commitment.id).where(Commitment.title == title))
    assert found is not None, title
    return found


def status_box(page) -> str:
    return " ".join(page.html.find(id="status").get_text(" ").split())


def figure_row(page, period: str):
    for row in page.html.find(id="figures").find_next("table").select("tbody tr"):
        if row.find("td").get_text(" ", strip=True).startswith(period):
            return row
    raise AssertionError(f"no figure for {period}")


def submit_figure(web, cid: int, evidence: tuple | None = None, **values):
    page = web.get(f"/commitments/{cid}")
    upload = ("evidence", Upload(*evidence)) if evidence else None
    return submit(page, button="Ajukan angka", upload=upload, **values)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (RealisationFigure, Evidence, CommitmentComment, ContactPerson, AuditEntry)
        }


@pytest.fixture
def received():
    """Every commitments signal sent during the test: (name, sender, actor email)."""
    seen: list[tuple[str, object, str]] = []
    handlers = {}
    for name in ("figure_submitted", "figure_decided", "comment_added"):

        def handler(sender, name=name, **kwargs):
            seen.append((name, sender, kwargs["actor"].email))

        handlers[name] = handler
        getattr(signals, name).connect(handler)
    yield seen
    for name, handler in handlers.items():
        getattr(signals, name).disconnect(handler)


# ---- submitting and deciding figures ------------------------------------------------------


def test_a_partner_submits_a_figure_that_counts_once_the_office_accepts_it(app, received):
    partner = signed_in(app, gianyar_user(app))
    cid = commitment_of(app, GIANYAR_TARGET)
    before = status_box(partner.get(f"/commitments/{cid}"))
    page = follow(
        submit_figure(
            partner,
            cid,
            evidence=("rekap-oktober.pdf", PDF, "application/pdf"),
            period_end="2026-10-31",
            value="12900",
            source="Data kepesertaan Disnaker Gianyar",
        )
    )
    assert flashes(page) == ["Angka Oktober 2026 diajukan; angka dihitung setelah diterima kantor."]
    row = " ".join(figure_row(page, "Oktober 2026").get_text(" ").split())
    assert "12.900" in row and "Diajukan" in row and "Staf Disnaker Gianyar" in row
    assert status_box(page) == before  # submitted: it does not count yet
    with app.app_context():
        figure = db.session.scalar(select(RealisationFigure).order_by(RealisationFigure.id.desc()))
        assert figure.status == FigureStatus.SUBMITTED and figure.evidence is not None
        assert db.session.get(Commitment, cid).status == "on_track"
        figure_id = figure.id
    assert [(n, getattr(s, "id", None), a) for n, s, a in received] == [
        ("figure_submitted", figure_id, GIANYAR_PARTNER)
    ]
    # the partner sees it waiting on its portal, and can download its own evidence
    portal = partner.get("/portal")
    assert "Oktober 2026" in " ".join(portal.html.find(id="awaiting").get_text(" ").split())
    evidence = figure_row(page, "Oktober 2026").find("a", string="rekap-oktober.pdf")["href"]
    assert partner.get(evidence).body == PDF

    # the office accepts it: now it counts
    staff = signed_in(app, "staff_other")
    shown = staff.get(f"/commitments/{cid}")
    assert "Diajukan mitra, menunggu keputusan Anda" in text(shown)
    accepted = press(shown, "Terima", action=f"/commitments/{cid}/figures/{figure_id}/decision")
    assert flashes(accepted) == ["Angka diterima."]
    assert status_box(accepted) == "Status Tercapai Tercapai: 12.900 dari 12.800 pada 31 Okt 2026."
    assert "Diterima" in " ".join(figure_row(accepted, "Oktober 2026").get_text(" ").split())
    with app.app_context():
        assert db.session.get(Commitment, cid).status == "met"
        decided = db.session.get(RealisationFigure, figure_id)
        assert decided.decided_by.email == "staf.gianyar@kemitraan.test"
    assert received[-1] == ("figure_decided", received[-1][1], "staf.gianyar@kemitraan.test")
    awaiting = partner.get("/portal").html.find(id="awaiting")
    assert "Oktober 2026" not in awaiting.get_text(" ")  # decided: no longer waiting
    assert "September 2026" in awaiting.get_text(" ")  # the demo's own submission still is


def test_a_rejection_needs_a_reason_which_the_partner_reads(app, received):
    partner = signed_in(app, gianyar_user(app))
    cid = commitment_of(app, GIANYAR_TARGET)
    follow(submit_figure(partner, cid, period_end="2026-10-31", value="20000", source="Perkiraan"))
    with app.app_context():
        figure_id = db.session.scalar(select(func.max(RealisationFigure.id)))
    staff = signed_in(app, "staff_other")
    action = f"/commitments/{cid}/figures/{figure_id}/decision"
    before = counts(app)
    refused = submit(staff.get(f"/commitments/{cid}"), button="Tolak", action=action)
    assert refused.status_int == 200
    assert field_errors(refused, f"figure{figure_id}-reason") == ["Kolom ini wajib diisi."]
    assert counts(app) == before and [n for n, *_ in received] == ["figure_submitted"]
    page = press(
        refused,
        "Tolak",
        action=action,
        **{f"figure{figure_id}-reason": "Melebihi jumlah pekerja rentan terdata."},
    )
    assert flashes(page) == ["Angka ditolak."]
    with app.app_context():
        figure = db.session.get(RealisationFigure, figure_id)
        assert figure.status == FigureStatus.REJECTED
        assert db.session.get(Commitment, figure.commitment_id).status == "on_track"
    assert [n for n, *_ in received] == ["figure_submitted", "figure_decided"]
    # the partner reads the reason on the commitment and on its portal
    own = partner.get(f"/commitments/{cid}")
    row = " ".join(figure_row(own, "Oktober 2026").get_text(" ").split())
    assert "Ditolak" in row and "Melebihi jumlah pekerja rentan terdata." in row
    assert "Diputuskan oleh I Gede Wirawan" in row  # who decided, for the partner to ask
    assert "Alasan: Melebihi jumlah pekerja rentan terdata." in text(partner.get("/portal"))
    # the period is free again for a corrected figure
    again = follow(submit_figure(partner, cid, period_end="2026-10-31", value="12500", source="x"))
    assert "diajukan" in flashes(again)[0]
    # a decided figure cannot be decided twice (a stale page)
    stale = submit(refused, button="Terima", action=action)
    assert "Angka ini sudah diputuskan." in " ".join([*flashes(follow(stale)), text(stale)])


def test_a_partner_submits_only_on_its_own_commitments_of_active_agreements(app):
    web = signed_in(app, gianyar_user(app))
    cid = commitment_of(app, GIANYAR_TARGET)
    page = web.get(f"/commitments/{cid}")
    form = find_form(page, button="Ajukan angka")
    assert form.action.split("#")[0].endswith(f"/commitments/{cid}/submissions")
    # wrong input: the field is named, nothing written
    before = counts(app)
    refused = submit(page, button="Ajukan angka", period_end="2026-10-31", value="9000", source="")
    assert set(errors_by_field(refused)) == {"source"}
    refused = submit(page, button="Ajukan angka", period_end="2030-01-31", value="9000", source="x")
    assert field_errors(refused, "period_end") == ["Angka tidak boleh bertanggal di masa depan."]
    assert counts(app) == before
    # Denpasar's partner user: Gianyar's commitment is not found, whatever the request says
    denpasar = signed_in(app, "partner")
    staff = signed_in(app, "staff_other")
    before = counts(app)
    token = find_form(denpasar.get("/portal"), button="Keluar")["csrf_token"].value
    forged = denpasar.post(
        f"/commitments/{cid}/submissions",
        {"csrf_token": token, "period_end": "2026-10-31", "value": "1", "source": "x"},
        expect_errors=True,
    )
    assert forged.status_int == 404
    # its own commitments are under an agreement that has ended: no form, and refused
    bpu = commitment_of(app, DENPASAR_BPU)
    with app.app_context():
        assert db.session.get(Commitment, bpu).agreement.status == Status.EXPIRED
    own = denpasar.get(f"/commitments/{bpu}")
    assert own.html.find("form", action=lambda a: a and "/submissions" in a) is None
    forged = denpasar.post(
        f"/commitments/{bpu}/submissions",
        {"csrf_token": token, "period_end": "2017-10-31", "value": "9000", "source": "x"},
        expect_errors=True,
    )
    assert forged.status_int == 403
    # staff record figures; they do not submit them
    assert find_form(staff.get(f"/commitments/{cid}"), button="Tambah angka")
    assert counts(app) == before


# ---- the thread ---------------------------------------------------------------------------


def test_staff_and_the_owing_partner_write_in_the_thread(app, received):
    partner = signed_in(app, gianyar_user(app))
    cid = commitment_of(app, GIANYAR_BUDGET)
    refused = submit(partner.get(f"/commitments/{cid}"), button="Kirim", body="   ")
    assert field_errors(refused, "body") == ["Kolom ini wajib diisi."]
    page = press(
        partner.get(f"/commitments/{cid}"), "Kirim", body="Pencairan triwulan IV menunggu SP2D."
    )
    assert flashes(page) == ["Pesan terkirim."]
    staff = signed_in(app, "staff_other")
    page = press(staff.get(f"/commitments/{cid}"), "Kirim", body="Terima kasih, kami tunggu.")
    thread = " ".join(page.html.find(id="thread").find_next("ol").get_text(" ").split())
    assert thread.index("Pencairan triwulan IV") < thread.index("Terima kasih")
    assert "Staf Disnaker Gianyar" in thread and "I Gede Wirawan" in thread
    assert [(n, a) for n, _s, a in received] == [
        ("comment_added", GIANYAR_PARTNER),
        ("comment_added", "staf.gianyar@kemitraan.test"),
    ]
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(AuditEntry.object_type == "CommitmentComment")
        )
    # the partner's portal shows the reply; auditors read but have no form
    assert "Terima kasih, kami tunggu." in text(partner.get("/portal"))
    audit_page = signed_in(app, "auditor_office").get(f"/commitments/{cid}")
    assert "Terima kasih, kami tunggu." in text(audit_page)
    assert audit_page.html.find("form", action=lambda a: a and "/comments" in a) is None
    # Denpasar's partner user never reaches Gianyar's thread
    other = signed_in(app, "partner")
    assert other.get(f"/commitments/{cid}", status=404)


# ---- the organisation profile -------------------------------------------------------------


def test_a_partner_keeps_its_address_and_contact_persons(app):
    web = signed_in(app, "partner")
    own = id_of(app, Partner, PEMKOT)
    home = web.get("/portal")
    profile = web.get(home.html.find("a", string="Profil instansi")["href"])
    assert profile.request.path == f"/partners/{own}/profile"
    refused = submit(profile, button="Simpan profil", phone="telp kantor", email="bukan-email")
    assert set(errors_by_field(refused)) == {"phone", "email"}
    page = press(
        profile,
        "Simpan profil",
        address="Jl. Gajah Mada No. 1, Denpasar",
        phone="(0361) 223344",
        email="setda@denpasarkota.go.id",
    )
    assert flashes(page) == ["Profil disimpan."]
    new = web.get(page.html.find("a", string="Tambah narahubung")["href"])
    refused = submit(new, button="Simpan narahubung", name="Ni Luh Putu Sari")
    assert field_errors(refused, "phone") == ["Masukkan nomor telepon atau alamat email."]
    page = press(
        new,
        "Simpan narahubung",
        name="Ni Luh Putu Sari",
        position="Kasubag Kerja Sama",
        phone="0812-3456-7890",
    )
    assert flashes(page) == ["Narahubung Ni Luh Putu Sari disimpan."]
    edit = web.get(page.html.select_one("#contacts-table a[href$='/edit']")["href"])
    page = press(edit, "Simpan narahubung", email="sari@denpasarkota.go.id")
    # the office sees the contact on the partner page
    staff_view = text(signed_in(app, "staff").get(f"/partners/{own}"))
    for shown in ("Jl. Gajah Mada No. 1", "(0361) 223344", "Ni Luh Putu Sari", "0812-3456-7890",
                  "sari@denpasarkota.go.id"):  # fmt: skip
        assert shown in staff_view
    with app.app_context():
        contact = db.session.scalar(select(ContactPerson))
        types = set(db.session.scalars(select(AuditEntry.object_type)))
    assert {"ContactPerson", "Partner"} <= types
    # removed: gone from both pages, kept in the audit trail
    page = press(page, "Hapus", action=f"/partners/{own}/contacts/{contact.id}/delete")
    assert "Narahubung Ni Luh Putu Sari dihapus." in flashes(page)
    assert "Ni Luh Putu Sari" not in text(web.get(f"/partners/{own}"))


def test_a_partner_edits_its_own_profile_only(app):
    other_partner = id_of(app, Partner, DISNAKER)
    gianyar = signed_in(app, gianyar_user(app))
    page = press(
        gianyar.get(f"/partners/{other_partner}/contacts/new"),
        "Simpan narahubung",
        name="Kontak Gianyar",
        email="kontak@gianyarkab.go.id",
    )
    with app.app_context():
        contact = db.session.scalar(select(ContactPerson.id))
    web = signed_in(app, "partner")
    token = find_form(web.get("/portal"), button="Keluar")["csrf_token"].value
    for url in (
        f"/partners/{other_partner}/profile",
        f"/partners/{other_partner}/contacts/new",
        f"/partners/{other_partner}/contacts/{contact}/edit",
    ):
        assert web.get(url, expect_errors=True).status_int == 404, url
    before = counts(app)
    own = id_of(app, Partner, PEMKOT)
    for url in (
        f"/partners/{other_partner}/profile",
        f"/partners/{other_partner}/contacts/{contact}/delete",
        f"/partners/{own}/contacts/{contact}/edit",  # its own partner, another's contact
        f"/partners/{own}/contacts/{contact}/delete",
    ):
        forged = web.post(url, {"csrf_token": token, "name": "x", "phone": "0361 1"},
                          expect_errors=True)  # fmt: skip
        assert forged.status_int == 404, url
    assert counts(app) == before
    assert "Kontak Gianyar" in text(page)
    # staff have no profile page: they edit partners through the partner form
    staff = signed_in(app, "staff")
    assert staff.get(f"/partners/{own}/profile", expect_errors=True).status_int == 403


# ---- the portal home ----------------------------------------------------------------------


def test_the_portal_lists_agreements_and_commitments_with_their_numbers(app):
    web = signed_in(app, "partner")
    page = web.get("/")
    portal = web.get(page.html.find("a", string="Komitmen saya")["href"])
    assert portal.request.path == "/portal"
    rows = {
        row.find("a").get_text(strip=True): " ".join(row.get_text(" ").split())
        for row in portal.html.select("#portal-commitments tbody tr")
    }
    assert set(rows) == {"Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%", DENPASAR_BPU}
    # the computed status with its numbers, as on the commitment page
    assert "Lewat tenggat" in rows[DENPASAR_BPU] and "7.708 dari 22.964" in rows[DENPASAR_BPU]
    assert "47% dari 50%" in rows["Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"]
    assert "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar" in text(portal)


def test_the_portal_runs_a_fixed_number_of_queries(app):
    partner = signed_in(app, gianyar_user(app))
    for day in ("2026-08-31", "2026-09-30", "2026-10-31"):
        for title in (GIANYAR_TARGET, GIANYAR_BUDGET):
            follow(submit_figure(partner, commitment_of(app, title), period_end=day,
                                 value="12000", source="x"))  # fmt: skip
    partner.get("/portal")
    with counted_statements(app) as seen:
        partner.get("/portal")
    assert len(seen) <= 12, seen


# ---- isolation: each partner sees exactly its own ----------------------------------------


def _ids(page, selector: str) -> set[int]:
    return {int(tag["data-id"]) for tag in page.html.select(selector)}


def _linked(page, prefix: str) -> set[int]:
    """Ids in the links of the page's main part that point at `prefix`<id>."""
    found = set()
    for a in page.html.find("main").find_all("a", href=True):
        path = a["href"].split("?")[0].split("#")[0]
        if path.startswith(prefix) and path[len(prefix) :].isdigit():
            found.add(int(path[len(prefix) :]))
    return found


def _all_pages(web, url: str) -> list:
    pages = [web.get(url)]
    while (nxt := pages[-1].html.find("a", string=lambda s: s and "Halaman berikutnya" in s)) and (
        nxt["href"] != "#"
    ):
        pages.append(web.get(nxt["href"]))
    return pages


def expected_for(app, partner_id: int) -> dict[str, set[int]]:
    """What a user of `partner_id` may see, computed straight from the tables."""
    with app.app_context():
        agreements = set(
            db.session.scalars(
                select(Agreement.id).where(
                    Agreement.is_deleted.is_(False),
                    Agreement.status.in_(PARTNER_VISIBLE),
                    Agreement.id.in_(
                        select(AgreementParty.agreement_id).where(
                            AgreementParty.partner_id == partner_id
                        )
                    ),
                )
            )
        )
        commitments = set(
            db.session.scalars(
                select(Commitment.id).where(
                    Commitment.partner_id == partner_id,
                    Commitment.is_deleted.is_(False),
                    Commitment.agreement_id.in_(agreements),
                )
            )
        )
        officials = set(
            db.session.scalars(
                select(Official.id).where(
                    Official.partner_id == partner_id, Official.is_deleted.is_(False)
                )
            )
        )
    return {
        "agreements": agreements,
        "commitments": commitments,
        "partners": {partner_id},
        "officials": officials,
    }


def test_every_list_export_and_search_shows_a_partner_exactly_its_own(app):
    users = {PEMKOT: "partner", DISNAKER: gianyar_user(app)}
    staff = {DISNAKER: signed_in(app, "staff_other")}
    admin = signed_in(app, "admin")
    ids = {id_of(app, Partner, name) for name in users}
    with app.app_context():  # every partner with a user is checked
        assert set(db.session.scalars(select(User.partner_id).where(User.role == "partner"))) == ids
    seen_commitments: dict[str, set[int]] = {}
    for name, who in users.items():
        partner_id = id_of(app, Partner, name)
        want = expected_for(app, partner_id)
        web = signed_in(app, who)
        assert want["agreements"] and want["commitments"], name
        # agreements: the list (every page), a search, the CSV export
        listed = set().union(*(_linked(p, "/agreements/") for p in _all_pages(web, "/agreements")))
        assert listed == want["agreements"], name
        for q in ("Perjanjian", "Kesepakatan", "pekerja"):
            everything = set().union(
                *(_linked(p, "/agreements/") for p in _all_pages(admin, f"/agreements?q={q}"))
            )
            searched = set().union(
                *(_linked(p, "/agreements/") for p in _all_pages(web, f"/agreements?q={q}"))
            )
            assert searched == everything & want["agreements"], (name, q)
        exported = web.get("/agreements/export.csv")
        rows = list(csv.reader(io.StringIO(exported.text)))[1:]
        assert {int(r[0]) for r in rows} == want["agreements"], name
        sheet = load_workbook(io.BytesIO(web.get("/agreements/export.xlsx").body)).active
        exported = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert exported == want["agreements"], name
        # commitments: the list and the portal
        listed = set().union(
            *(_linked(p, "/commitments/") for p in _all_pages(web, "/commitments"))
        )
        assert listed == want["commitments"], name
        assert _ids(web.get("/portal"), "#portal-commitments tbody tr") == want["commitments"]
        assert _ids(web.get("/portal"), "#portal-agreements li") == want["agreements"]
        # filtering by another partner's id gives nothing
        other = id_of(app, Partner, DISNAKER if name == PEMKOT else PEMKOT)
        assert _linked(web.get(f"/commitments?partner={other}"), "/commitments/") == set()
        # partners and officials: lists and searches
        assert _linked(web.get("/partners"), "/partners/") == want["partners"], name
        assert _linked(web.get("/partners?q=Pemerintah"), "/partners/") <= want["partners"]
        assert _linked(web.get("/partners?q=51"), "/partners/") <= want["partners"]
        officials = set().union(
            *(_ids(p, "main tbody td[data-id]") for p in _all_pages(web, "/officials"))
        )
        assert officials == want["officials"], name
        assert _ids(web.get("/officials?q=Kepala"), "main tbody td[data-id]") <= want["officials"]
        # a region page lists only its own partner among the region's partners
        for url in ("/regions/51", "/regions/51.71", "/regions/51.04", "/"):
            shown = web.get(url)
            assert _linked(shown, "/partners/") <= want["partners"], (name, url)
            assert _linked(shown, "/agreements/") <= want["agreements"], (name, url)
            assert _linked(shown, "/commitments/") <= want["commitments"], (name, url)
        seen_commitments[name] = want["commitments"]
        # another partner's pages: 404
        assert web.get(f"/partners/{other}", expect_errors=True).status_int == 404
    assert not seen_commitments[PEMKOT] & seen_commitments[DISNAKER]
    # evidence: a file of the other partner's figure is not found
    gianyar_cid = commitment_of(app, GIANYAR_TARGET)
    page = staff[DISNAKER].get(f"/commitments/{gianyar_cid}")
    follow(
        submit(
            page,
            button="Tambah angka",
            upload=("evidence", Upload("rekap.pdf", PDF, "application/pdf")),
            period_end="2026-10-31",
            value="12500",
            source="Disnaker",
        )
    )
    with app.app_context():
        evidence = db.session.scalar(select(func.max(Evidence.id)))
    url = f"/commitments/{gianyar_cid}/evidence/{evidence}"
    assert signed_in(app, users[DISNAKER]).get(url).body == PDF
    denpasar = signed_in(app, "partner")
    assert denpasar.get(url, expect_errors=True).status_int == 404
    own = commitment_of(app, DENPASAR_BPU)
    forged = f"/commitments/{own}/evidence/{evidence}"  # its own commitment, another's file
    assert denpasar.get(forged, expect_errors=True).status_int == 404


def test_a_partner_withdraws_its_own_figure_before_the_office_decides(app):
    partner = signed_in(app, gianyar_user(app))
    cid = commitment_of(app, GIANYAR_TARGET)
    page = follow(submit_figure(partner, cid, period_end="2026-10-31", value="20000", source="x"))
    # the same month again: refused until the first is withdrawn
    again = submit_figure(partner, cid, period_end="2026-10-15", value="12900", source="y")
    assert field_errors(again, "period_end") == [
        "Angka untuk periode yang berakhir 31 Oktober 2026 sudah dicatat; hapus dulu untuk "
        "membetulkannya."
    ]
    with app.app_context():
        figure_id = db.session.scalar(select(func.max(RealisationFigure.id)))
    withdrawn = press(page, "Tarik", action=f"/commitments/{cid}/figures/{figure_id}/withdraw")
    assert flashes(withdrawn) == ["Angka ditarik; bulannya bebas untuk angka yang dibetulkan."]
    row = " ".join(figure_row(withdrawn, "Oktober 2026").get_text(" ").split())
    assert "Dihapus" in row
    corrected = follow(
        submit_figure(partner, cid, period_end="2026-10-31", value="12900", source="y")
    )
    assert "diajukan" in flashes(corrected)[0]
    # a decided figure is not withdrawn: the partner's page, loaded before the office
    # accepted it, still shows the button; pressing it then is refused
    with app.app_context():
        newest = db.session.scalar(select(func.max(RealisationFigure.id)))
    stale = partner.get(f"/commitments/{cid}")
    staff = signed_in(app, "staff_other")
    press(
        staff.get(f"/commitments/{cid}"),
        "Terima",
        action=f"/commitments/{cid}/figures/{newest}/decision",
    )
    late = follow(press(stale, "Tarik", action=f"/commitments/{cid}/figures/{newest}/withdraw"))
    assert flashes(late) == ["Angka ini sudah diputuskan."]
    with app.app_context():
        assert db.session.get(RealisationFigure, newest).status == FigureStatus.ACCEPTED
    # the office's staff never withdraw (they delete), and other partners never reach it
    for web, status in ((staff, 403), (signed_in(app, "partner"), 404)):
        token = find_form(web.get("/"), button="Keluar")["csrf_token"].value
        url = f"/commitments/{cid}/figures/{newest}/withdraw"
        assert web.post(url, {"csrf_token": token}, expect_errors=True).status_int == status
