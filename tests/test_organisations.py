"""Offices, partners and officials: scoping, edit rights, validation, lists and look-ups.

Forms are filled in on the pages that render them (tests/web.py); the Flask test client posts
directly only what no page offers the person (a role's forbidden form, no CSRF token)."""

import base64
import json
import re
from datetime import date
from html import unescape

from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from partnerships.audit.services import acting_as
from partnerships.core.formatting import long_date
from partnerships.extensions import db
from partnerships.organisations import services as orgs
from partnerships.organisations.forms import SERVED_MAX
from partnerships.organisations.models import Office, Official, Partner
from tests.conftest import OFFICE_DAY, post
from tests.helpers import counted_statements
from tests.web import (
    errors_by_field,
    fill,
    find_form,
    follow,
    hand_made,
    options,
    signed_in,
    submit,
    submit_tampered,
    ui_text,
)

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
KANWIL_BALI = "Kantor Wilayah Bali, Nusa Tenggara dan Papua"
PEMKOT = "Pemerintah Kota Denpasar"
BIG = "99999999999999999999"  # beyond any database integer
MANAGER_DENPASAR = "manajer.denpasar@kemitraan.test"  # the demo has a manager in Gianyar too

# ---- helpers ------------------------------------------------------------------------------


def id_of(app, model, name: str) -> int | None:
    with app.app_context():
        return db.session.scalar(select(model.id).where(model.name == name))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def fetch(app, model, row_id: int):
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge_all()
        return row


def partner_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/partners/(\d+)">', html)]


def signatories(html: str) -> str:
    """The 'who can sign on' card of a partner or office page."""
    match = re.search(r'<section class="card mb-4" id="signatories">(.*?)</section>', html, re.S)
    assert match, "no signatory look-up on the page"
    return match.group(1)


def signatories_on(page, day: str) -> str:
    """Choose `day` in the "who can sign on" look-up of the page, press Tampilkan."""
    return signatories(submit(page, button="Tampilkan", on=day).text)


def next_page(html: str) -> str | None:
    links = re.findall(r'<a class="page-link" href="([^"]*after=[^"]*)"', html)
    return unescape(links[0]) if links else None


NEW_PARTNER = {"name": "Dinas Sosial Kota Denpasar", "kind": "agency", "region_code": "51.71"}


def new_partner(app, web, **changes):
    """Open "Mitra baru" from the partners list, fill it in, press Simpan."""
    page = web.get("/partners").click(description="Mitra baru")
    values = {**NEW_PARTNER, "office_id": id_of(app, Office, DENPASAR), **changes}
    return submit(page, button="Simpan", **values)


def edit_partner(web, partner_id: int, **changes):
    """Open "Ubah" on the partner's page, change only `changes`, press Simpan."""
    page = web.get(f"/partners/{partner_id}").click("Ubah", href=rf"/partners/{partner_id}/edit$")
    return submit(page, button="Simpan", **changes)


def delete_partner(web, partner_id: int):
    """Press "Hapus" on the partner's page (the browser asks to confirm first)."""
    return submit(web.get(f"/partners/{partner_id}"), button="Hapus")


def partner_fields(app, partner_id: int, **changes) -> dict:
    """The partner's edit form as a hand-made request would send it."""
    partner = fetch(app, Partner, partner_id)
    return {
        "name": partner.name,
        "kind": partner.kind,
        "region_code": partner.region_code,
        "office_id": partner.office_id,
        "address": partner.address or "",
        **changes,
    }


def assert_only_error(page, field: str, message: str | None) -> None:
    """`page` shows one error, under `field`: `message`, or (None) a WTForms validator's own."""
    errors = errors_by_field(page)
    assert list(errors) == [field], errors
    if message is None:
        assert len(errors[field]) == 1
    else:
        assert errors[field] == [message]


# ---- partner users see only their own partner ----------------------------------------------


def test_partner_user_sees_only_its_own_partner_in_lists(app):
    web = signed_in(app, "partner")
    own = id_of(app, Partner, PEMKOT)
    page = web.get("/partners")
    assert partner_ids(page.text) == [own]
    for typed, expected in (("denpasar", [own]), ("gianyar", []), ("51.04", [])):
        assert partner_ids(submit(page, button="Saring", q=typed).text) == expected, typed
    # Partner users get no office filter; typed into the address bar it shows nothing more.
    assert "office" not in find_form(page, button="Saring").fields
    gianyar = id_of(app, Office, GIANYAR)
    assert partner_ids(web.get(f"/partners?office={gianyar}").text) == []


def test_partner_user_opens_its_own_partner_but_no_other(app, as_role):
    client = as_role("partner")
    own = client.get(f"/partners/{id_of(app, Partner, PEMKOT)}")
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert "Nyoman Ngurah Jimmy Sidharta" in html
    assert "/edit" not in html  # a partner user changes nothing
    for other in ("Kelurahan Sesetan", "Kejaksaan Negeri Denpasar", "Pemerintah Kabupaten Gianyar"):
        assert client.get(f"/partners/{id_of(app, Partner, other)}").status_code == 404
    assert client.get("/partners/999999").status_code == 404


def test_partner_user_sees_only_its_own_officials(app):
    web = signed_in(app, "partner")
    page = web.get("/officials")
    assert "Nyoman Ngurah Jimmy Sidharta" in page.text
    for other in (
        "Ketut Sri Karyawati",
        "Tonny Isprijanto",
        "Mohamad Irfan</td>",
        "Ida Ayu Ketut Surya Adnyani",
    ):
        assert other not in page.text
    assert "Ketut Sri Karyawati" not in submit(page, button="Cari", q="lurah").text


def test_internal_users_see_all_partners_and_officials(app):
    web = signed_in(app, "auditor")
    found = submit(web.get("/officials"), button="Cari", q="ketut").text
    assert "Ketut Sri Karyawati" in found and "I Ketut Arja Leksana" in found
    gianyar = set(partner_ids(submit(web.get("/partners"), button="Saring", q="gianyar").text))
    assert gianyar == {
        id_of(app, Partner, name)
        for name in (
            "Pemerintah Kabupaten Gianyar",
            "Dinas Tenaga Kerja Kabupaten Gianyar",
            "DPRD Kabupaten Gianyar",
        )
    }


def test_partner_user_cannot_reach_offices(app, as_role):
    client = as_role("partner")
    assert client.get("/offices").status_code == 403
    assert client.get(f"/offices/{id_of(app, Office, DENPASAR)}").status_code == 403
    assert client.get("/offices/new").status_code == 403


def test_partner_user_cannot_edit_its_own_partner(app, as_role):
    client = as_role("partner")
    own = id_of(app, Partner, PEMKOT)
    assert client.get(f"/partners/{own}/edit").status_code == 403
    # No page offers a partner user these forms: only hand-made requests can try.
    response = post(client, f"/partners/{own}/edit", partner_fields(app, own, name="Pemkot X"))
    assert response.status_code == 403
    assert post(client, f"/partners/{own}/delete").status_code == 403
    assert fetch(app, Partner, own).name == PEMKOT


# ---- who may edit a partner ---------------------------------------------------------------


def test_denpasar_editors_and_admin_edit_a_denpasar_partner(app, subtests):
    pid = id_of(app, Partner, PEMKOT)
    for who in ("staff", MANAGER_DENPASAR, "admin"):
        with subtests.test(who=who):
            address = f"Jl. Gajah Mada No. 1 ({who})"
            response = edit_partner(signed_in(app, who), pid, address=address)
            assert response.status_int == 302
            assert response.location == f"/partners/{pid}"
            assert fetch(app, Partner, pid).address == address


def test_others_cannot_edit_a_denpasar_partner(app, subtests):
    pid = id_of(app, Partner, PEMKOT)
    for who in ("staff_other", "auditor", "auditor_office"):
        with subtests.test(who=who):
            web = signed_in(app, who)
            page = web.get(f"/partners/{pid}")
            assert f"/partners/{pid}/edit" not in page.text  # no button offers it
            assert f"/partners/{pid}/delete" not in page.text
            web.get(f"/partners/{pid}/edit", status=403)
            # So only hand-made requests can try.
            client = hand_made(app, who)
            form = partner_fields(app, pid, address="Forged")
            assert post(client, f"/partners/{pid}/edit", form).status_code == 403
            assert post(client, f"/partners/{pid}/delete").status_code == 403
            saved = fetch(app, Partner, pid)
            assert (saved.address, saved.is_deleted) == (None, False)


def test_gianyar_staff_edit_their_own_partners(app):
    pid = id_of(app, Partner, "DPRD Kabupaten Gianyar")
    response = edit_partner(signed_in(app, "staff_other"), pid, address="Jl. Ciung Wanara")
    assert response.status_int == 302
    assert fetch(app, Partner, pid).address == "Jl. Ciung Wanara"


def test_staff_cannot_hand_a_partner_to_another_office(app):
    pid = id_of(app, Partner, PEMKOT)
    web = signed_in(app, "staff")
    page = web.get(f"/partners/{pid}").click("Ubah", href=rf"/partners/{pid}/edit$")
    # The form offers only the offices whose partners staff may keep: their own.
    assert options(find_form(page, button="Simpan"), "office_id") == {
        DENPASAR: str(id_of(app, Office, DENPASAR))
    }
    # Another office can only come from a tampered request; it is refused on the field.
    response = submit_tampered(page, button="Simpan", office_id=id_of(app, Office, GIANYAR))
    assert response.status_int == 200
    assert list(errors_by_field(response)) == ["office_id"]
    assert fetch(app, Partner, pid).office_id == id_of(app, Office, DENPASAR)


# ---- creating partners --------------------------------------------------------------------


def test_staff_create_a_partner(app):
    before = count(app, Partner)
    response = new_partner(app, signed_in(app, "staff"))
    assert response.status_int == 302
    assert count(app, Partner) == before + 1
    pid = id_of(app, Partner, "Dinas Sosial Kota Denpasar")
    assert response.location == f"/partners/{pid}"
    assert fetch(app, Partner, pid).office_id == id_of(app, Office, DENPASAR)


BAD_PARTNERS = [
    # changes, field at fault, message and its values (None: a WTForms validator's own)
    (
        {"region_code": "51.71.99"},
        "region_code",
        "Unknown region code %(code)s.",
        {"code": "51.71.99"},
    ),
    (
        {"region_code": "5171"},
        "region_code",
        "Use a Kemendagri code such as 51.71 or 51.71.01.1003.",
        {},
    ),
    (
        {"name": "Pemerintah Kabupaten Denpasar", "kind": "regency_gov"},
        "region_code",
        "%(region)s is not the right kind of region for this partner type.",
        {"region": "Kota Denpasar"},
    ),
    (
        {"name": "Desa Baru", "kind": "village_gov", "region_code": "51.71.01"},
        "region_code",
        "%(region)s is not the right kind of region for this partner type.",
        {"region": "Denpasar Selatan"},
    ),
    (
        {"name": "pemerintah kota DENPASAR", "kind": "city_gov"},
        "name",
        "This partner is already registered in this region.",
        {},
    ),
    ({"name": "   "}, "name", None, {}),
]


def test_create_partner_refuses_bad_input(app, subtests):
    web = signed_in(app, "staff")
    before = count(app, Partner)
    for changes, field, message, values in BAD_PARTNERS:
        with subtests.test(**changes):
            response = new_partner(app, web, **changes)
            assert response.status_int == 200
            assert_only_error(response, field, message and ui_text(app, message, **values))
            typed = {**NEW_PARTNER, **changes}
            form = find_form(response, button="Simpan")
            assert form["region_code"].value == typed["region_code"]  # what was typed is kept
            assert count(app, Partner) == before


def test_same_partner_name_in_another_region_is_fine(app):
    response = new_partner(
        app,
        signed_in(app, "staff"),
        name="Kejaksaan Negeri Denpasar",
        kind="prosecutor",
        region_code="51.71.01",
    )
    assert response.status_int == 302


def test_staff_cannot_create_a_partner_for_another_office(app):
    before = count(app, Partner)
    page = signed_in(app, "staff").get("/partners").click(description="Mitra baru")
    assert list(options(find_form(page, button="Simpan"), "office_id")) == [DENPASAR]
    fill(find_form(page, button="Simpan"), **NEW_PARTNER)
    # Another office can only come from a tampered request; it is refused on the field.
    response = submit_tampered(page, button="Simpan", office_id=id_of(app, Office, GIANYAR))
    assert response.status_int == 200
    assert list(errors_by_field(response)) == ["office_id"]
    assert count(app, Partner) == before


def test_admins_choose_any_managing_office(app):
    page = signed_in(app, "admin").get("/partners").click(description="Mitra baru")
    with app.app_context():
        every = db.session.scalar(
            select(func.count()).select_from(Office).where(~Office.is_deleted)
        )
    assert len(options(find_form(page, button="Simpan"), "office_id")) == every


def test_readers_cannot_create_partners(app, subtests):
    before = count(app, Partner)
    for who in ("partner", "auditor"):
        with subtests.test(who=who):
            web = signed_in(app, who)
            assert "Mitra baru" not in web.get("/partners").text  # no button offers it
            web.get("/partners/new", status=403)
            # So only a hand-made request can try.
            form = {**NEW_PARTNER, "office_id": id_of(app, Office, DENPASAR)}
            client = hand_made(app, who)
            assert post(client, "/partners/new", form).status_code == 403
            assert count(app, Partner) == before


# ---- officials ----------------------------------------------------------------------------


def official_form(**changes) -> dict:
    """What staff type into the official form."""
    data = {
        "name": "I Made Sudana",
        "title": "Sekretaris Daerah Kota Denpasar",
        "identifier_kind": "NIP",
        "identifier": "197005121995031002",
        "tenure_start": "2020-01-06",
        "tenure_end": "",
    }
    data.update(changes)
    return data


def test_staff_add_an_official_to_a_partner(app):
    web = signed_in(app, "staff")
    pid = id_of(app, Partner, PEMKOT)
    before = count(app, Official)
    page = web.get(f"/partners/{pid}").click(description="Tambah pejabat")
    form = official_form(identifier="19700512 199503 1 002")  # as printed on a decree
    response = submit(page, button="Simpan", **form)
    assert response.status_int == 302
    assert response.location == f"/partners/{pid}"
    assert count(app, Official) == before + 1
    saved = fetch(app, Official, id_of(app, Official, "I Made Sudana"))
    assert (saved.partner_id, saved.identifier) == (pid, "197005121995031002")


BAD_OFFICIALS = [
    # changes, field at fault, message (None: a WTForms validator's own)
    ({"identifier": "19700512199503100"}, "identifier", "A NIP has exactly 18 digits."),
    ({"identifier": "1970051219950310021"}, "identifier", "A NIP has exactly 18 digits."),
    ({"identifier": "19700512199503100X"}, "identifier", "A NIP has exactly 18 digits."),
    ({"identifier_kind": ""}, "identifier_kind", "Say whether the number is a NIP or an NPK."),
    ({"tenure_end": "2019-12-31"}, "tenure_end", "The tenure cannot end before it starts."),
    ({"tenure_start": ""}, "tenure_start", None),
]


def test_official_validation(app, subtests):
    web = signed_in(app, "staff")
    page = web.get(f"/partners/{id_of(app, Partner, PEMKOT)}").click(description="Tambah pejabat")
    before = count(app, Official)
    for changes, field, message in BAD_OFFICIALS:
        with subtests.test(**changes):
            response = submit(page, button="Simpan", **official_form(**changes))
            assert response.status_int == 200
            assert_only_error(response, field, message and ui_text(app, message))
            kept = find_form(response, button="Simpan")
            assert kept["name"].value == "I Made Sudana"  # what was typed is kept
            assert count(app, Official) == before


def test_official_edit_rights_follow_the_partner(app, as_role):
    jimmy = id_of(app, Official, "Nyoman Ngurah Jimmy Sidharta")
    client = as_role("staff_other")
    assert client.get(f"/officials/{jimmy}/edit").status_code == 403
    # The delete button is on that edit page, which Gianyar's staff cannot open.
    assert post(client, f"/officials/{jimmy}/delete").status_code == 403
    assert client.get(f"/officials/new?partner={id_of(app, Partner, PEMKOT)}").status_code == 403
    assert client.get(f"/officials/new?office={id_of(app, Office, GIANYAR)}").status_code == 403
    assert fetch(app, Official, jimmy).is_deleted is False


def test_signatory_on_a_date_for_a_partner(app):
    page = signed_in(app, "staff").get(f"/partners/{id_of(app, Partner, PEMKOT)}")
    then = signatories_on(page, "2016-03-22")
    assert "Nyoman Ngurah Jimmy Sidharta" in then
    later = signatories_on(page, "2024-01-01")
    assert "Nyoman Ngurah Jimmy Sidharta" not in later
    with app.test_request_context():
        nobody = gettext(
            "Nobody is recorded in office on %(day)s.", day=long_date(date(2024, 1, 1))
        )
    assert str(escape(nobody)) in later
    last_day = signatories_on(page, "2019-06-30")
    assert "Nyoman Ngurah Jimmy Sidharta" in last_day  # the tenure's last day still counts


def test_signatory_on_a_date_for_an_office(app):
    page = signed_in(app, "staff").get(f"/offices/{id_of(app, Office, DENPASAR)}")
    then = signatories_on(page, "2016-03-22")
    assert "Tonny Isprijanto" in then and "Mohamad Irfan" not in then
    later = signatories_on(page, "2020-01-01")
    assert "Mohamad Irfan" in later and "Tonny Isprijanto" not in later


def test_signatory_look_up_with_a_bad_date_uses_today(app, as_role):
    client = as_role("staff")
    pid = id_of(app, Partner, PEMKOT)
    response = client.get(f"/partners/{pid}?on=22-03-2016")
    assert response.status_code == 200
    assert f'value="{OFFICE_DAY.isoformat()}"' in signatories(response.get_data(as_text=True))


# ---- soft delete --------------------------------------------------------------------------


def test_deleting_a_partner_hides_it_but_keeps_the_row(app):
    web = signed_in(app, "staff")
    pid = id_of(app, Partner, PEMKOT)
    before = count(app, Partner)
    assert "Nyoman Ngurah Jimmy Sidharta" in web.get("/officials?q=jimmy").text
    response = delete_partner(web, pid)
    assert response.status_int == 302
    assert response.location == "/partners"
    assert pid not in partner_ids(web.get("/partners?q=denpasar").text)
    web.get(f"/partners/{pid}", status=404)
    # the partner's officials leave the lists with it
    assert "Nyoman Ngurah Jimmy Sidharta" not in web.get("/officials?q=jimmy").text
    assert count(app, Partner) == before
    assert fetch(app, Partner, pid).is_deleted is True
    # the name is free again in that region
    assert new_partner(app, web, name=PEMKOT, kind="city_gov").status_int == 302


def test_delete_without_csrf_token_keeps_the_partner(app, as_role):
    client = as_role("staff")
    pid = id_of(app, Partner, PEMKOT)
    # A forged request without the page's token.
    assert client.post(f"/partners/{pid}/delete").status_code == 400
    assert fetch(app, Partner, pid).is_deleted is False


# ---- keyset pagination --------------------------------------------------------------------


def add_partners(app, names_regions: list[tuple[str, str]]) -> None:
    with app.app_context(), acting_as("test"):
        office_id = db.session.scalar(select(Office.id).where(Office.name == DENPASAR))
        for name, region in names_regions:
            orgs.save_partner(
                None,
                {"name": name, "kind": "agency", "region_code": region, "office_id": office_id},
            )
        db.session.commit()


def walk_partner_pages(client, url: str = "/partners") -> list[list[int]]:
    pages = []
    while url and len(pages) < 50:
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages.append(partner_ids(html))
        url = next_page(html)
    return pages


def test_partner_pages_cover_every_visible_partner_once(app, as_role):
    # six namesakes in six districts: the name ties run across a page boundary (5 a page)
    districts = ["51.71.01", "51.71.02", "51.71.03", "51.71.04", "51.02.01", "51.02.02"]
    add_partners(app, [("Dinas Sosial", code) for code in districts])
    pid = id_of(app, Partner, "Desa Ubung Kaja")
    assert delete_partner(signed_in(app, "staff"), pid).status_int == 302
    client = as_role("staff")
    pages = walk_partner_pages(client)
    seen = [p for page in pages for p in page]
    with app.app_context():
        visible = set(db.session.scalars(select(Partner.id).where(~Partner.is_deleted)))
    assert len(visible) >= 15  # three pages at least
    assert len(seen) == len(set(seen)) == len(visible)
    assert set(seen) == visible
    assert all(len(page) == 5 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 5
    # a search is paged the same way, and keeps its filter on every page
    pages = walk_partner_pages(client, "/partners?q=dinas")
    seen = [p for page in pages for p in page]
    with app.app_context():
        dinas = select(Partner.id).where(
            ~Partner.is_deleted, func.lower(Partner.name).contains("dinas")
        )
        visible = set(db.session.scalars(dinas))
    assert len(visible) > 5  # more than one page
    assert len(seen) == len(set(seen)) == len(visible)
    assert set(seen) == visible


def encode(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


UNREADABLE = ["garbage", "!!!", "", "eyJ", encode([1]), encode(None)]
WRONG_TYPES = [
    encode(values)
    for values in (
        [None, None],
        [{"a": 1}, 3],
        ["Pemerintah", "x"],
        ["Pemerintah", True],
        ["Pemerintah", 2**70],
        ["Pemerintah\u0000", 1],
        [5, 1],
    )
]


def test_tampered_cursor_shows_the_first_page(as_role, subtests):
    client = as_role("staff")
    for url in ("/partners", "/officials"):
        first = re.findall(r"<tr>.*?</tr>", client.get(url).get_data(as_text=True), re.S)
        assert len(first) == 6  # the header and a full page
        for cursor in UNREADABLE + WRONG_TYPES:
            with subtests.test(url=url, cursor=cursor):
                response = client.get(f"{url}?after={cursor}")
                assert response.status_code == 200
                html = response.get_data(as_text=True)
                assert re.findall(r"<tr>.*?</tr>", html, re.S) == first


# ---- no query per row ---------------------------------------------------------------------


def statements_for(app, client, url: str) -> tuple[int, str]:
    with counted_statements(app) as executed:
        response = client.get(url)
    assert response.status_code == 200
    return len(executed), response.get_data(as_text=True)


def test_lists_do_not_query_per_row(app, as_role):
    app.config["PAGE_SIZE"] = 1000  # every row on one page, so rows are what grows
    client = as_role("admin")
    before = {url: statements_for(app, client, url) for url in ("/partners", "/officials")}
    with app.app_context(), acting_as("test"):
        offices = list(db.session.scalars(select(Office).order_by(Office.id)))
        regions = ["51.71", "51.02", "51.04", "62", "62.71"]
        for i in range(20):
            office = offices[i % len(offices)]
            partner = orgs.save_partner(
                None,
                {
                    "name": f"Mitra Uji {i:02}",
                    "kind": "agency",
                    "region_code": regions[i % 5],
                    "office_id": office.id,
                },
            )
            orgs.save_official(
                None,
                {
                    "name": f"Pejabat Uji {i:02}",
                    "title": "Kepala",
                    "identifier_kind": "NPK",
                    "identifier": f"U{i:04}",
                    "tenure_start": date(2020, 1, 1),
                    "tenure_end": None,
                },
                owner=partner if i % 2 else office,
            )
        db.session.commit()
    for (url, (queries, html)), added in zip(
        before.items(), ["Mitra Uji", "Pejabat Uji"], strict=True
    ):
        more_queries, more_html = statements_for(app, client, url)
        assert (html.count(added), more_html.count(added)) == (0, 20)  # every row rendered
        assert more_queries == queries, url


# ---- offices ------------------------------------------------------------------------------


def office_form(app, **changes) -> dict:
    """What the admin types into the new office form."""
    data = {
        "name": "Kantor Cabang Bali Tabanan",
        "code": "TBN",
        "kind": "branch",
        "parent_id": id_of(app, Office, KANWIL_BALI),
        "region_code": "51.02",
        "address": "",
        "served_codes": "51.02\n51.02.01, 51.02.02",
    }
    data.update(changes)
    return data


def new_office(app, web, **changes):
    """Open "Kantor baru" from the offices list, fill it in, press Simpan."""
    page = web.get("/offices").click(description="Kantor baru")
    return submit(page, button="Simpan", **office_form(app, **changes))


def edit_office(web, office_id: int, **changes):
    """Open "Ubah" on the office's page, change only `changes`, press Simpan."""
    page = web.get(f"/offices/{office_id}").click("Ubah", href=rf"/offices/{office_id}/edit$")
    return submit(page, button="Simpan", **changes)


def test_admin_creates_an_office_with_served_regions(app):
    web = signed_in(app, "admin")
    response = new_office(app, web)
    assert response.status_int == 302
    oid = id_of(app, Office, "Kantor Cabang Bali Tabanan")
    assert response.location == f"/offices/{oid}"
    with app.app_context():
        office = db.session.get(Office, oid)
        assert [r.code for r in office.regions] == ["51.02", "51.02.01", "51.02.02"]
        assert office.parent.name == KANWIL_BALI
    assert "Kabupaten Tabanan" in follow(response).text


BAD_OFFICES = [
    # changes, field at fault, message and its values
    (
        {"served_codes": "51.02\n51.99"},
        "served_codes",
        "Unknown region code %(code)s.",
        {"code": "51.99"},
    ),
    (
        {"served_codes": "51.02 Tabanan"},
        "served_codes",
        "Not a region code: %(codes)s",
        {"codes": "Tabanan"},
    ),
    ({"served_codes": "51.02, 51.02"}, "served_codes", "A served region is listed twice.", {}),
    (  # one character past the limit (issue 7: every stored text is bounded)
        {"served_codes": "51.02" + " " * (SERVED_MAX - 9) + "51.03"},
        "served_codes",
        "Field cannot be longer than %(max)d character.",
        {"max": SERVED_MAX},
    ),
    ({"region_code": "99.99"}, "region_code", "Unknown region code %(code)s.", {"code": "99.99"}),
    (
        {"name": "kantor cabang bali gianyar"},
        "name",
        "An office with this name already exists.",
        {},
    ),
]


def test_create_office_refuses_bad_input(app, subtests):
    web = signed_in(app, "admin")
    before = count(app, Office)
    for changes, field, message, values in BAD_OFFICES:
        with subtests.test(**changes):
            response = new_office(app, web, **changes)
            assert response.status_int == 200
            assert_only_error(response, field, ui_text(app, message, **values))
            typed = office_form(app, **changes)["served_codes"]
            assert find_form(response, button="Simpan")["served_codes"].value.strip() == typed
            assert count(app, Office) == before


def test_a_refused_region_code_is_shown_as_text_not_markup(app):
    """What was typed comes back in the error as text: a tag in it is not a tag on the page."""
    typed = "51.02 <b>Tabanan</b><img src=x onerror=alert(1)>"
    response = new_office(app, signed_in(app, "admin"), served_codes=typed)
    assert response.status_int == 200
    assert response.html.find("img", onerror=True) is None
    assert response.html.select_one(".invalid-feedback b") is None
    (error,) = errors_by_field(response)["served_codes"]
    assert "<b>Tabanan</b><img" in error


def test_admin_edits_an_office_and_its_served_regions(app):
    web = signed_in(app, "admin")
    oid = id_of(app, Office, GIANYAR)
    page = web.get(f"/offices/{oid}").click("Ubah", href=rf"/offices/{oid}/edit$")
    assert find_form(page, button="Simpan")["served_codes"].value.strip() == (
        "51.04\n51.05\n51.06\n51.07"
    )
    response = edit_office(web, oid, served_codes="51.04, 51.05")
    assert response.status_int == 302
    with app.app_context():
        assert [r.code for r in db.session.get(Office, oid).regions] == ["51.04", "51.05"]
    response = edit_office(web, oid, served_codes="51.04, 51.99")
    assert response.status_int == 200
    assert_only_error(
        response, "served_codes", ui_text(app, "Unknown region code %(code)s.", code="51.99")
    )
    with app.app_context():
        assert [r.code for r in db.session.get(Office, oid).regions] == ["51.04", "51.05"]


def test_an_office_cannot_sit_under_itself(app):
    web = signed_in(app, "admin")
    kanwil = id_of(app, Office, KANWIL_BALI)
    response = edit_office(web, kanwil, parent_id=id_of(app, Office, GIANYAR))
    assert response.status_int == 200
    assert_only_error(response, "parent_id", ui_text(app, "An office cannot sit under itself."))
    assert fetch(app, Office, kanwil).parent_id is None


def test_only_admin_creates_or_edits_offices(app, subtests):
    oid = id_of(app, Office, DENPASAR)
    before = count(app, Office)
    for who in ("staff", MANAGER_DENPASAR, "auditor"):
        with subtests.test(who=who):
            web = signed_in(app, who)
            assert "Kantor baru" not in web.get("/offices").text  # no button offers it
            assert f"/offices/{oid}/edit" not in web.get(f"/offices/{oid}").text
            web.get("/offices/new", status=403)
            web.get(f"/offices/{oid}/edit", status=403)
            # So only hand-made requests can try.
            client = hand_made(app, who)
            assert post(client, "/offices/new", office_form(app)).status_code == 403
            assert post(client, f"/offices/{oid}/edit", office_form(app)).status_code == 403
            assert count(app, Office) == before
            assert fetch(app, Office, oid).name == DENPASAR


# ---- malformed input is refused, never a server error --------------------------------------


def test_out_of_range_ids_are_not_found(as_role):
    client = as_role("admin")
    for url in (
        f"/partners/{BIG}",
        f"/partners/{BIG}/edit",
        f"/offices/{BIG}",
        f"/officials/{BIG}/edit",
        f"/officials/new?partner={BIG}",
    ):
        assert client.get(url).status_code == 404, url
    # an impossible filter value is ignored, like any other malformed filter
    assert client.get(f"/partners?office={BIG}").status_code == 200


def test_search_with_a_nul_character_is_not_an_error(app):
    web = signed_in(app, "staff")
    for url, typed in (("/partners", "\x00"), ("/officials", "jim\x00")):
        response = submit(web.get(url), field="q", q=typed)
        assert response.status_int == 400, url


def test_partner_name_with_a_nul_character_is_refused(app):
    before = count(app, Partner)
    response = new_partner(app, signed_in(app, "staff"), name="Dinas\x00Sosial")
    assert response.status_int == 400
    assert count(app, Partner) == before
