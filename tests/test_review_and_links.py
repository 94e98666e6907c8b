"""Review with the partners as people click it (threads, replies, resolution, the versions a
partner received and their redline), adding officials from the officials list, the notice for
a party nobody can sign for, and the links between partners, regions and agreements (lists
within scope, in a fixed number of queries; exports in the interface's language)."""

import csv
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from partnerships.agreements.models import Agreement, AgreementVersion, Comment, Status
from partnerships.extensions import db
from partnerships.organisations.models import Official, Partner
from tests.helpers import counted_statements, id_of
from tests.test_agreement_search import make
from tests.web import find_form, flashes, follow, press, signed_in, submit, text

IN_REVIEW = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
DRAFT = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Dangin Puri Kangin"
ACTIVE = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
PEMKOT = "Pemerintah Kota Denpasar"
VILLAGE = "Desa Dangin Puri Kangin"
GIANYAR_PARTNER = "Dinas Tenaga Kerja Kabupaten Gianyar"
MANAGER = "manajer.denpasar@kemitraan.test"
STAFF_NAME = "Ni Made Ayu Lestari"
PARTNER_NAME = "Staf Setda Kota Denpasar"
REPLIES = ("Dari APBD Kota, lihat Pasal 5.", "Baik, terima kasih.")


def status_of(app, aid: int) -> str:
    with app.app_context():
        return db.session.get(Agreement, aid).status


def threads_of(app, aid: int) -> list[tuple]:
    """(parent, author, body, resolved by) per comment, as stored."""
    with app.app_context():
        rows = db.session.scalars(
            select(Comment).where(Comment.agreement_id == aid).order_by(Comment.id)
        ).all()
        return [
            (c.parent_id, c.author.name, c.body, c.resolved_by.name if c.resolved_by else None)
            for c in rows
        ]


def thread_id(app, aid: int, body: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Comment.id).where(Comment.agreement_id == aid, Comment.body == body)
        )


def statements(app, web, url: str) -> int:
    """How many SQL statements answering `url` takes."""
    with counted_statements(app) as seen:
        web.get(url, status=200)
    return len(seen)


def row_of(page, title: str):
    """The table row of the list on `page` whose link reads `title`, as its cells' texts."""
    link = page.html.find("a", string=title)
    assert link is not None, f"{title!r} not listed"
    return [" ".join(td.get_text(" ").split()) for td in link.find_parent("tr").find_all("td")]


def listed_titles(section) -> list[str]:
    return [a.get_text(strip=True) for a in section.select("td:first-child a")]


# ---- comment threads ----------------------------------------------------------------------


def test_a_comment_thread_with_replies_is_resolved_with_who_and_when(app):
    aid = id_of(app, Agreement, IN_REVIEW)
    url = f"/agreements/{aid}"
    partner, staff = signed_in(app, "partner"), signed_in(app, "staff")

    page = press(
        partner.get(url), "Tambah komentar", body="Mohon jelaskan sumber pendanaan Pasal 1."
    )
    assert flashes(page) == ["Komentar telah ditambahkan."]
    cid = thread_id(app, aid, "Mohon jelaskan sumber pendanaan Pasal 1.")
    reply_to = f"/agreements/{aid}/comments/{cid}/replies"

    page = press(staff.get(url), "Balas", action=reply_to, body="Dari APBD Kota, lihat Pasal 5.")
    assert flashes(page) == ["Balasan telah ditambahkan."]
    page = press(partner.get(url), "Balas", action=reply_to, body="Baik, terima kasih.")
    assert flashes(page) == ["Balasan telah ditambahkan."]
    thread = page.html.find(id=f"comment-{cid}")
    replies = [" ".join(r.get_text(" ").split()) for r in thread.select(".comment-reply")]
    assert [
        (r.split(" · ")[0], r.endswith(body)) for r, body in zip(replies, REPLIES, strict=True)
    ] == [
        (STAFF_NAME, True),
        (PARTNER_NAME, True),
    ]

    # Partners reply but do not resolve; staff resolve the thread, once.
    assert "Tandai selesai" not in text(partner.get(url))
    resolve = f"/agreements/{aid}/comments/{cid}/resolve"
    page = press(staff.get(url), "Tandai selesai", action=resolve)
    assert flashes(page) == ["Komentar ditandai selesai."]
    thread = page.html.find(id=f"comment-{cid}")
    assert f"Diselesaikan oleh {STAFF_NAME} pada" in " ".join(thread.get_text(" ").split())
    assert thread.find("form") is None  # no reply, no second resolution
    assert threads_of(app, aid)[-3:] == [
        (None, PARTNER_NAME, "Mohon jelaskan sumber pendanaan Pasal 1.", STAFF_NAME),
        (cid, STAFF_NAME, "Dari APBD Kota, lihat Pasal 5.", None),
        (cid, PARTNER_NAME, "Baik, terima kasih.", None),
    ]

    # Replies never block approval: once every thread is resolved, the manager approves.
    page = staff.get(url)
    for form in [f for f in page.forms.values() if f.action.endswith("/resolve")]:
        follow(form.submit())
    manager = signed_in(app, MANAGER)
    page = press(manager.get(url), "Setujui")
    assert status_of(app, aid) == "approved", flashes(page)


def test_replies_are_refused_on_a_resolved_thread_and_outside_review(app):
    aid = id_of(app, Agreement, IN_REVIEW)
    url = f"/agreements/{aid}"
    staff, partner = signed_in(app, "staff"), signed_in(app, "partner")
    press(partner.get(url), "Tambah komentar", body="Pasal 2 terlalu umum.")
    cid = thread_id(app, aid, "Pasal 2 terlalu umum.")
    reply_to = f"/agreements/{aid}/comments/{cid}/replies"
    page = partner.get(url)
    stale = find_form(page, action=reply_to)  # the partner keeps the page open
    press(staff.get(url), "Tandai selesai", action=f"/agreements/{aid}/comments/{cid}/resolve")
    stale["body"] = "Satu hal lagi."
    page = follow(stale.submit())
    assert flashes(page) == ["Komentar ini sudah selesai; tulis komentar baru."]
    assert "Satu hal lagi." not in [t[2] for t in threads_of(app, aid)]
    # What the partner typed is not lost: it waits in the box for a new comment on that article.
    again = find_form(page, action=f"/agreements/{aid}/comments")
    assert again["body"].value == "Satu hal lagi."
    with app.app_context():
        thread_article = db.session.get(Comment, cid).article_index
    assert again["article_index"].value == str(thread_article)
    # A reply to a comment of another agreement, or to a reply, is not found.
    other = id_of(app, Agreement, ACTIVE)
    form = find_form(staff.get(url), action=f"/agreements/{aid}/comments")
    token = form["csrf_token"].value
    staff.post(
        f"/agreements/{other}/comments/{cid}/replies",
        {"csrf_token": token, "body": "x"},
        status=404,
    )


# ---- the versions a partner received ------------------------------------------------------


def _save_text(web, aid: int, body: str, note: str):
    """Edit the first article on the articles page and save a new version."""
    form = find_form(web.get(f"/agreements/{aid}/articles"), button="Simpan sebagai versi baru")
    form.set("body", body, index=0)
    form["note"] = note
    page = follow(form.submit())
    assert "Disimpan sebagai versi" in flashes(page)[0], flashes(page)
    return page


def test_partners_read_the_versions_sent_to_them_and_the_redline_between_them(app):
    aid = id_of(app, Agreement, IN_REVIEW)
    url = f"/agreements/{aid}"
    staff, manager, partner = (
        signed_in(app, "staff"),
        signed_in(app, MANAGER),
        signed_in(app, "partner"),
    )
    press(manager.get(url), "Kembalikan ke penyusunan draf", reason="Perbaiki Pasal 1")
    _save_text(staff, aid, "Teks antara yang belum siap.", "draf internal")
    _save_text(staff, aid, "Teks baru hasil tinjauan bersama mitra.", "siap ditinjau")
    press(staff.get(url), "Ajukan untuk ditinjau")
    assert status_of(app, aid) == "in_review"
    with app.app_context():
        sent = db.session.execute(
            select(AgreementVersion.number, AgreementVersion.sent_for_review_at.is_not(None))
            .where(AgreementVersion.agreement_id == aid)
            .order_by(AgreementVersion.number)
        ).all()
    assert [tuple(r) for r in sent] == [(1, True), (2, False), (3, True)]

    # The partner's version list holds what it was sent, never the draft in between.
    versions = partner.get(f"{url}/versions", status=200)
    numbers = [tr.find_all("td")[1].get_text(strip=True) for tr in versions.html.select("tbody tr")]
    assert numbers == ["3", "1"]
    assert "draf internal" not in text(versions)
    # "What changed since our comments": the redline from the previous review to this one.
    page = partner.get(url)
    redline = page.click(description="Apa yang berubah sejak peninjauan sebelumnya")
    assert "Perbandingan (redline): versi 1 → 3" in text(redline)
    assert "Teks baru hasil tinjauan bersama mitra." in redline.html.find("ins").parent.get_text()
    assert "Teks antara" not in text(redline)
    # The same comparison from the version list, as the partner's form offers it.
    redline = submit(versions, button="Tampilkan perbandingan (redline)")
    assert redline.status_int == 200
    assert "Perbandingan (redline): versi 1 → 3" in text(redline)
    # An internal draft, asked for directly, does not exist for the partner.
    for query in ("a=1&b=2", "a=2&b=3", "a=2&b=2"):
        partner.get(f"{url}/compare?{query}", status=404)
    # Inside the office every version is there.
    assert staff.get(f"{url}/compare?a=1&b=2", status=200)
    numbers = [
        tr.find_all("td")[1].get_text(strip=True)
        for tr in staff.get(f"{url}/versions").html.select("tbody tr")
    ]
    assert numbers == ["3", "2", "1"]


def test_partners_never_read_versions_of_agreements_not_theirs(app):
    partner = signed_in(app, "partner")
    for title in (DRAFT, ACTIVE, GIANYAR_PKS):
        aid = id_of(app, Agreement, title)
        partner.get(f"/agreements/{aid}/versions", status=404)
        partner.get(f"/agreements/{aid}/compare?a=1&b=1", status=404)


# ---- officials ----------------------------------------------------------------------------


def test_the_officials_list_adds_an_official_for_a_chosen_partner(app):
    staff = signed_in(app, "staff")
    form_page = staff.get("/officials").click(description="Tambah pejabat")
    owner = find_form(form_page, button="Simpan")["owner"]
    offered = [label for _value, _on, label in owner.options]
    assert PEMKOT in offered and VILLAGE in offered
    assert GIANYAR_PARTNER not in offered  # managed by another office
    assert not any(label.startswith("BPJS Ketenagakerjaan") for label in offered)  # admins only

    # Forgetting whom the official serves: refused on that field, nothing saved, text kept.
    page = submit(
        form_page, button="Simpan", name="I Made Walikota", title="Wali Kota Denpasar",
        tenure_start="2025-02-20",
    )  # fmt: skip
    assert page.status_int == 200
    errors = [e.get_text(strip=True) for e in page.html.select(".invalid-feedback")]
    assert errors == ["Kolom ini wajib diisi."]
    assert page.html.find(id="owner").find_next("div").get_text(strip=True) == errors[0]
    assert page.html.find("input", {"name": "name"})["value"] == "I Made Walikota"
    with app.app_context():
        assert (
            db.session.scalar(select(Official.id).where(Official.name == "I Made Walikota")) is None
        )

    pemkot = id_of(app, Partner, PEMKOT)
    page = follow(
        submit(
            page,
            button="Simpan",
            owner=f"partner-{pemkot}",
            name="I Made Walikota",
            title="Wali Kota Denpasar",
            tenure_start="2025-02-20",
        )
    )
    assert page.request.path == f"/partners/{pemkot}"
    assert "I Made Walikota" in text(page)
    with app.app_context():
        official = db.session.scalar(select(Official).where(Official.name == "I Made Walikota"))
        assert official.partner_id == pemkot


def test_an_official_for_a_partner_of_another_office_is_refused(app):
    staff = signed_in(app, "staff")
    form = find_form(staff.get("/officials/new"), button="Simpan")
    gianyar = id_of(app, Partner, GIANYAR_PARTNER)
    form["owner"].force_value(f"partner-{gianyar}")  # not offered: a tampered choice
    form["name"], form["title"], form["tenure_start"] = "Orang Lain", "Kadis", "2025-01-01"
    page = form.submit()
    assert page.status_int == 200
    with app.app_context():
        assert db.session.scalar(select(Official.id).where(Official.name == "Orang Lain")) is None


def test_a_party_nobody_can_sign_for_says_so_and_links_to_adding_the_official(app):
    aid = id_of(app, Agreement, IN_REVIEW)
    staff = signed_in(app, "staff")
    # Pemkot's only official on record left office in 2019.
    for url in (f"/agreements/{aid}", f"/agreements/{aid}/parties"):
        notices = [
            " ".join(n.get_text(" ").split()) for n in staff.get(url).html.select(".vacancy")
        ]
        assert notices == [
            f"Tidak ada pejabat yang sedang menjabat untuk {PEMKOT}. Tambahkan pejabat yang baru"
        ], url
    # The partner reads the notice too, without a link it could not follow.
    partner = signed_in(app, "partner")
    notices = partner.get(f"/agreements/{aid}").html.select(".vacancy")
    assert [" ".join(n.get_text(" ").split()) for n in notices] == [
        f"Tidak ada pejabat yang sedang menjabat untuk {PEMKOT}."
    ]
    form_page = staff.get(f"/agreements/{aid}").click(description="Tambahkan pejabat yang baru")
    page = follow(
        submit(form_page, button="Simpan", name="I Gusti Ngurah Jaya Negara",
               title="Wali Kota Denpasar", tenure_start="2021-02-26")
    )  # fmt: skip
    assert "I Gusti Ngurah Jaya Negara" in text(page)
    assert staff.get(f"/agreements/{aid}").html.select(".vacancy") == []
    assert partner.get(f"/agreements/{aid}").html.select(".vacancy") == []
    # A village with no official on record at all says so too.
    draft_with_village = id_of(app, Agreement, DRAFT)
    notices = staff.get(f"/agreements/{draft_with_village}").html.select(".vacancy")
    assert [n.get_text(" ", strip=True).split(".")[0] for n in notices] == [
        f"Tidak ada pejabat yang sedang menjabat untuk {VILLAGE}"
    ]
    # Once signed, the signatories are fixed: no notice.
    active = id_of(app, Agreement, ACTIVE)
    assert staff.get(f"/agreements/{active}").html.select(".vacancy") == []


# ---- links between things -----------------------------------------------------------------


def _section(page, cls: str):
    found = page.html.select_one(f"section.{cls}")
    assert found is not None, f"no {cls} section on {page.request.path}"
    return found


def test_a_partner_page_lists_its_agreements_within_scope(app):
    pemkot = id_of(app, Partner, PEMKOT)
    with app.app_context():
        expected_staff = set(
            db.session.scalars(
                select(Agreement.title).where(
                    Agreement.parties.any(partner_id=pemkot), ~Agreement.is_deleted
                )
            )
        )
    staff = signed_in(app, "staff")
    page = staff.get(f"/partners/{pemkot}")
    section = _section(page, "linked-agreements")
    assert set(listed_titles(section)) == expected_staff and IN_REVIEW in expected_staff
    cells = row_of(page, IN_REVIEW)
    assert "Dalam peninjauan" in cells
    # The partner's own users see no drafts; another office sees none of Denpasar's.
    make(app, "KB Draf Pemkot Tersembunyi", kind="mou", status=Status.DRAFT)
    partner_page = signed_in(app, "partner").get(f"/partners/{pemkot}")
    titles = listed_titles(_section(partner_page, "linked-agreements"))
    assert IN_REVIEW in titles and "KB Draf Pemkot Tersembunyi" not in titles
    assert "KB Draf Pemkot Tersembunyi" in listed_titles(
        _section(staff.get(f"/partners/{pemkot}"), "linked-agreements")
    )
    other = signed_in(app, "staff_other").get(f"/partners/{pemkot}")
    assert listed_titles(_section(other, "linked-agreements")) == []


def test_the_partner_and_region_pages_take_the_same_number_of_queries_however_many_rows(app):
    pemkot = id_of(app, Partner, PEMKOT)
    staff = signed_in(app, "staff")
    urls = [f"/partners/{pemkot}", "/regions/51.71", "/regions/51"]
    for url in urls:
        staff.get(url)  # warm up
    before = {url: statements(app, staff, url) for url in urls}
    for n in range(8):
        make(
            app,
            f"PKS Tambahan Pemkot {n}",
            partners=(PEMKOT, "Kelurahan Sesetan"),
            signed_on=date(2026, 1, 5),
            signers={1: "Mohamad Irfan", 3: "Ketut Sri Karyawati"},
        )
    after = {url: statements(app, staff, url) for url in urls}
    assert after == before
    page = staff.get(f"/partners/{pemkot}")
    assert "PKS Tambahan Pemkot 7" in listed_titles(_section(page, "linked-agreements"))


def test_a_region_page_lists_its_partners_and_their_agreements_within_scope(app):
    staff, partner = signed_in(app, "staff"), signed_in(app, "partner")
    page = staff.get("/regions/51.71")  # Kota Denpasar
    partners = listed_titles(_section(page, "region-partners"))
    assert PEMKOT in partners and "Kelurahan Sesetan" in partners and VILLAGE in partners
    assert GIANYAR_PARTNER not in partners
    agreements = listed_titles(_section(page, "linked-agreements"))
    assert IN_REVIEW in agreements and ACTIVE in agreements and DRAFT in agreements
    assert GIANYAR_PKS not in agreements
    # Gianyar's region lists Gianyar's; Denpasar's staff see its partner but not its agreements.
    gianyar = staff.get("/regions/51.04")
    assert GIANYAR_PARTNER in listed_titles(_section(gianyar, "region-partners"))
    assert listed_titles(_section(gianyar, "linked-agreements")) == []
    # A partner user sees only itself and its own agreements past drafting.
    page = partner.get("/regions/51.71")
    assert listed_titles(_section(page, "region-partners")) == [PEMKOT]
    agreements = listed_titles(_section(page, "linked-agreements"))
    assert IN_REVIEW in agreements and DRAFT not in agreements and ACTIVE not in agreements
    # The partner link leads to the partner's page.
    assert page.click(description=PEMKOT, index=0).request.path.startswith("/partners/")


def test_the_agreement_list_shows_the_office_number_and_the_signing_date(app):
    staff = signed_in(app, "staff")
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == ACTIVE))
        number, signed = agreement.office_number, agreement.signed_on
    assert number and signed
    page = staff.get(f"/agreements?q={ACTIVE.split()[-1]}")
    headers = [th.get_text(strip=True) for th in page.html.select("thead th")]
    assert headers == ["Judul", "Jenis", "Para pihak", "Nomor", "Tanggal penandatanganan",
                       "Status", "Tanggal berakhir"]  # fmt: skip
    cells = row_of(page, ACTIVE)
    assert cells[3] == number
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
              "September", "Oktober", "November", "Desember"]  # fmt: skip
    assert cells[4] == f"{signed.day} {months[signed.month - 1]} {signed.year}"


def test_exports_speak_the_interface_language(app):
    staff = signed_in(app, "staff")
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == ACTIVE))
        aid, signed = agreement.id, agreement.signed_on

    def exported(web):
        table = list(csv.reader(io.StringIO(web.get("/agreements/export.csv").text)))
        sheet = load_workbook(io.BytesIO(web.get("/agreements/export.xlsx").body))
        return table, sheet

    table, sheet = exported(staff)
    assert table[0][:4] == ["ID", "Jenis", "Status", "Judul"]
    row = next(r for r in table if r[0] == str(aid))
    assert row[1:3] == ["Perpanjangan", "Aktif"]
    assert row[10].endswith(str(signed.year)) and not row[10].startswith(str(signed.year))
    assert sheet.sheetnames == ["Perjanjian"]
    cells = next(r for r in sheet["Perjanjian"].iter_rows(values_only=True) if r[0] == aid)
    assert cells[1:3] == ("Perpanjangan", "Aktif") and cells[10].date() == signed

    # Switched to English with the button on the page, the exports follow.
    press(staff.get("/agreements"), "English")
    table, sheet = exported(staff)
    assert table[0] == [
        "ID", "Type", "Status", "Title", "Subject (tentang)", "Owning office", "Parties",
        "Numbers (Nomor)", "Programs", "Funding", "Signed on", "Effective from", "Ends on",
    ]  # fmt: skip
    row = next(r for r in table if r[0] == str(aid))
    assert row[1:3] == ["Renewal", "Active"]
    assert row[10] == signed.strftime("%B ") + f"{signed.day}, {signed.year}"
    assert sheet.sheetnames == ["Agreements"]
