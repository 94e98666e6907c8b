"""The rules of drafting as people meet them on the pages (WebTest): no blank reaches a
signature, addenda and renewals read as such, the status follows the dates, a text in review
is not opened for editing, partners are ticked, and the demo names Sesetan a kelurahan."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from partnerships.agreements import drafting, queries
from partnerships.agreements.models import Agreement, AgreementVersion
from partnerships.audit.services import acting_as
from partnerships.core.formatting import long_date_id
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import OFFICE_DAY
from tests.signatures import sign_on_paper
from tests.test_drafting import (
    KEJARI,
    MOU_TITLE,
    SESETAN,
    SESETAN_RENEWAL,
    created_id,
    id_of,
    load,
    only_error,
    text_of,
    typed,
)
from tests.test_expiry import smtp  # noqa: F401 - the fixture
from tests.web import find_form, flashes, follow, press, signed_in, submit, text

TABANAN = "Perjanjian Kerja Sama Perlindungan Tenaga Kerja Non ASN Kabupaten Tabanan"
MANAGER = "manajer.denpasar@kemitraan.test"
SUBMIT, APPROVE, RETURN = "Ajukan untuk ditinjau", "Setujui", "Kembalikan ke penyusunan draf"
SEND, SIGN = "Kirim untuk ditandatangani", "Catat penandatanganan"
SAVE_TEXT = "Simpan sebagai versi baru"


def status_of(app, agreement_id: int) -> str:
    with app.app_context():
        return db.session.get(Agreement, agreement_id).status


def sesetan_pks(app, web, **changes) -> int:
    """A PKS with Kelurahan Sesetan, whose Lurah is in office: it can be signed today."""
    values = typed(
        app,
        partner_ids=[id_of(app, Partner, SESETAN)],
        title="Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kelurahan Sesetan",
        subject="Perlindungan pekerja rentan di Kelurahan Sesetan",
    )
    values.update(changes)
    return created_id(submit(web.get("/agreements/new?kind=pks"), button="Buat draf", **values))


def choose_signatories(web, agreement_id: int) -> None:
    page = web.get(f"/agreements/{agreement_id}/parties")
    form = find_form(page, button="Simpan")
    values = {}
    for name in ("signatory_1", "signatory_2"):
        # the official in office now: the one whose tenure is open ("sekarang")
        options = form[name].options
        values[name] = next(v for v, _on, label in options if label.endswith("sekarang)"))
    # the Lurah's own number too: the text sent for signature carries every party's
    response = submit(page, button="Simpan", number_2="470/90/SST/2026", **values)
    assert response.status_int == 302, flashes(response)


def edit_article(web, agreement_id: int, index: int, body: str):
    """Change one article's text on the articles page and save it as a new version."""
    form = find_form(web.get(f"/agreements/{agreement_id}/articles"), button=SAVE_TEXT)
    form.set("body", body, index=index)
    return follow(form.submit())


def store_version(app, agreement_id: int, change) -> None:
    """A text saved before these rules existed (no page can save one in this state now)."""
    with app.app_context(), acting_as("test-legacy"):
        agreement = db.session.get(Agreement, agreement_id)
        articles = [dict(a) for a in queries.latest_version(agreement).articles]
        change(articles)
        drafting.add_version(agreement, articles, None, "legacy")
        db.session.commit()


# ---- no blanks in signed text -------------------------------------------------------------


def test_a_term_without_dates_is_fixed_by_the_signing_and_shown_once_signed(app):
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    aid = sesetan_pks(app, staff, effective_on="", term_months="12")
    url = f"/agreements/{aid}"
    body = text_of(load(app, aid)["articles"])
    assert (
        "Perjanjian ini berlaku selama 12 (dua belas) bulan terhitung sejak tanggal "
        "ditandatangani oleh PARA PIHAK." in body
    )
    assert "..." not in body
    assert staff.get(url).html.find(id="blanks") is None
    press(staff.get(url), SUBMIT)
    press(manager.get(url), APPROVE)
    choose_signatories(staff, aid)
    press(staff.get(url), SEND)
    day = OFFICE_DAY
    sign_on_paper(staff, aid, day)
    page = press(staff.get(url), SIGN, signed_on=day.isoformat())
    assert status_of(app, aid) == "active", flashes(page)
    stored = load(app, aid)
    assert stored["agreement"]["effective_on"] == day
    assert stored["agreement"]["ends_on"] == drafting.end_of_term(day, 12)
    assert "..." not in text_of(stored["articles"])
    # The page states the dates the signing fixed, beside the text that says what fixes them.
    assert long_date_id(drafting.end_of_term(day, 12)) in text(page)


def test_a_blank_is_shown_while_drafting_and_refuses_approval_naming_the_article(app):
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    aid = sesetan_pks(app, staff)
    url = f"/agreements/{aid}"
    page = edit_article(
        staff, aid, 5, "Perjanjian ini berlaku sejak tanggal ... sampai dengan tanggal ...."
    )
    assert "Pasal 6 (Jangka Waktu)" in page.html.find(id="blanks").get_text(" ")
    press(staff.get(url), SUBMIT)  # partners may review a text with blanks still open
    assert status_of(app, aid) == "in_review"
    page = press(manager.get(url), APPROVE)
    assert status_of(app, aid) == "in_review"
    assert any(
        'Pasal 6 (Jangka Waktu) masih memuat isian kosong ("...")' in m for m in flashes(page)
    ), flashes(page)
    press(manager.get(url), RETURN, reason="Lengkapi jangka waktu")
    edit_article(staff, aid, 5, "Perjanjian ini berlaku sejak tanggal 1 Januari 2027.")
    press(staff.get(url), SUBMIT)
    page = press(manager.get(url), APPROVE)
    assert status_of(app, aid) == "approved", flashes(page)


def test_a_text_with_blanks_is_neither_sent_for_signature_nor_signed(app):
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    aid = sesetan_pks(app, staff)
    url = f"/agreements/{aid}"
    press(staff.get(url), SUBMIT)
    press(manager.get(url), APPROVE)
    choose_signatories(staff, aid)

    def blank(articles):
        articles[1]["body"] = "Ruang lingkup Perjanjian ini meliputi …"

    def filled(articles):
        articles[1]["body"] = "Ruang lingkup Perjanjian ini meliputi pendaftaran peserta."

    store_version(app, aid, blank)
    page = press(staff.get(url), SEND)
    assert status_of(app, aid) == "approved"
    assert any("Pasal 2 (Ruang Lingkup) masih memuat isian kosong" in m for m in flashes(page))
    store_version(app, aid, filled)
    press(staff.get(url), SEND)
    assert status_of(app, aid) == "awaiting_signature"
    sign_on_paper(staff, aid, OFFICE_DAY)
    store_version(app, aid, blank)
    page = press(staff.get(url), SIGN, signed_on=OFFICE_DAY.isoformat())
    assert status_of(app, aid) == "awaiting_signature"
    assert any("tidak dapat ditandatangani" in m for m in flashes(page)), flashes(page)


# ---- addenda and renewals -----------------------------------------------------------------


def test_an_addendum_must_say_what_it_changes_before_approval(app):
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    parent = id_of(app, Agreement, SESETAN_RENEWAL)
    page = staff.get(f"/agreements/{parent}").click(href="kind=addendum")
    aid = created_id(
        submit(
            page,
            button="Buat draf",
            title="Addendum Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan",
            subject="Penambahan program Jaminan Hari Tua",
            place="Denpasar",
            term_months="12",
        )
    )
    url = f"/agreements/{aid}"
    press(staff.get(url), SUBMIT)
    page = press(manager.get(url), APPROVE)
    assert any("Pasal 2 (Perubahan) masih memuat isian kosong" in m for m in flashes(page))
    press(manager.get(url), RETURN, reason="Sebutkan pasal yang diubah")
    edit_article(
        staff,
        aid,
        1,
        'Ketentuan Pasal 1 Perjanjian diubah sehingga berbunyi sebagai berikut:\n"Pasal 1\n'
        'Perjanjian ini juga memberikan perlindungan program Jaminan Hari Tua (JHT)."',
    )
    press(staff.get(url), SUBMIT)
    page = press(manager.get(url), APPROVE)
    assert status_of(app, aid) == "approved", flashes(page)


def test_an_expired_agreement_offers_a_renewal_but_no_addendum(app):
    staff = signed_in(app, "staff")
    tabanan = id_of(app, Agreement, TABANAN)
    assert status_of(app, tabanan) == "expired"
    page = staff.get(f"/agreements/{tabanan}")
    assert "Perpanjang" in text(page) and "Buat addendum" not in text(page)
    # Chosen by hand on the new-agreement page, it is refused at the field.
    response = submit(
        staff.get(f"/agreements/new?kind=addendum&parent={tabanan}"),
        button="Buat draf",
        **typed(app, partner_ids=[]),
    )
    assert response.status_int == 200
    assert "perpanjang perjanjian tersebut" in " ".join(only_error(response.text, "parent_id"))


def test_renew_is_not_offered_while_a_renewal_is_under_way(app):
    staff = signed_in(app, "staff")
    mou = id_of(app, Agreement, MOU_TITLE)  # its renewal is in review
    page = staff.get(f"/agreements/{mou}")
    assert "Perpanjang" not in [a.get_text(strip=True) for a in page.html.select("main a")]
    response = submit(
        staff.get(f"/agreements/new?kind=renewal&parent={mou}"),
        button="Buat draf",
        **typed(app),
    )
    assert response.status_int == 200
    assert "sedang berjalan" in " ".join(only_error(response.text, "parent_id"))
    # The renewal of the Sesetan PKS is signed: a further one may start, and only one.
    parent = id_of(app, Agreement, SESETAN_RENEWAL)
    page = staff.get(f"/agreements/{parent}").click(href="kind=renewal")
    created_id(submit(page, button="Buat draf", **typed(app, partner_ids=[])))
    page = staff.get(f"/agreements/{parent}")
    assert "Perpanjang" not in [a.get_text(strip=True) for a in page.html.select("main a")]


# ---- status follows the dates -------------------------------------------------------------


@pytest.mark.usefixtures("smtp")  # the daily job mails its expiry notices through it
def test_signed_but_not_yet_in_force_is_shown_as_such_everywhere(app, runner):
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    start = OFFICE_DAY + timedelta(days=40)
    aid = sesetan_pks(app, staff, effective_on=start.isoformat(), term_months="12")
    url = f"/agreements/{aid}"
    press(staff.get(url), SUBMIT)
    press(manager.get(url), APPROVE)
    choose_signatories(staff, aid)
    press(staff.get(url), SEND)
    sign_on_paper(staff, aid, OFFICE_DAY)
    press(staff.get(url), SIGN, signed_on=OFFICE_DAY.isoformat())
    label = f"Ditandatangani, berlaku mulai {long_date_id(start)}"
    daily = runner.invoke(args=["agreements", "daily"])
    assert daily.exit_code == 0, daily.output
    assert status_of(app, aid) == "active"  # nothing for the daily job to change
    page = staff.get(url)
    badge = page.html.select_one("main .badge").get_text(strip=True)
    assert badge == label
    listed = staff.get("/agreements", {"q": "Perlindungan pekerja rentan di Kelurahan Sesetan"})
    row = next(tr for tr in listed.html.select("main tbody tr") if f"/agreements/{aid}" in str(tr))
    assert label in row.get_text(" ") and "Aktif" not in row.get_text(" ")
    # An agreement in force reads "Aktif".
    renewal = staff.get(f"/agreements/{id_of(app, Agreement, SESETAN_RENEWAL)}")
    assert renewal.html.select_one("main .badge").get_text(strip=True) == "Aktif"


# ---- text in review is not opened for editing ----------------------------------------------


def test_the_editor_does_not_open_on_a_text_in_review_or_approved(app):
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    aid = sesetan_pks(app, staff)
    url = f"/agreements/{aid}"
    assert "Ubah pasal" in text(staff.get(url))
    press(staff.get(url), SUBMIT)
    page = staff.get(url)
    assert "Ubah pasal" not in text(page) and "Ubah rincian" not in text(page)
    for path in ("articles", "edit"):
        response = staff.get(f"{url}/{path}")
        assert response.status_int == 302
        shown = follow(response)
        assert shown.request.path == url
        assert "Teks sedang ditinjau; kembalikan ke draf untuk mengubahnya." in flashes(shown)
    press(manager.get(url), APPROVE)
    shown = follow(staff.get(f"{url}/articles"))
    assert "Teks telah disetujui dan tidak dapat diubah lagi." in flashes(shown)
    with app.app_context():
        versions = db.session.scalars(
            select(AgreementVersion.number).where(AgreementVersion.agreement_id == aid)
        ).all()
    assert versions == [1]


# ---- partners -----------------------------------------------------------------------------


def test_a_draft_whose_partner_is_gone_cannot_go_to_review(app):
    staff, admin = signed_in(app, "staff"), signed_in(app, "admin")
    kejari = id_of(app, Partner, KEJARI)
    aid = created_id(
        submit(staff.get("/agreements/new"), button="Buat draf", **typed(app, partner_ids=[kejari]))
    )
    press(admin.get(f"/partners/{kejari}"), "Hapus")
    page = press(staff.get(f"/agreements/{aid}"), SUBMIT)
    assert status_of(app, aid) == "draft"
    assert any("paling sedikit satu mitra pemerintah" in m for m in flashes(page)), flashes(page)


# ---- the demo -----------------------------------------------------------------------------


def test_the_demo_names_sesetan_a_kelurahan(app):
    web = signed_in(app, "staff")
    sesetan = id_of(app, Partner, SESETAN)
    page = text(web.get(f"/partners/{sesetan}"))
    assert "Kelurahan Sesetan" in page and "Lurah Sesetan" in page
    assert "Pemerintah Desa/Kelurahan" in page
    assert "Desa Sesetan" not in page and "Pemerintah Desa " not in page


def test_make_demo_serves_on_another_port_when_asked():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "\nPORT ?= 5000\n" in makefile
    assert "flask run --host 127.0.0.1 --port $(PORT)" in makefile
