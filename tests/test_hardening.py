"""Input a hostile or careless user can send that once produced a server error or a leak.

Forms are filled in on the pages that render them (tests/web.py)."""

from sqlalchemy import func, select

from partnerships.agreements.models import Agreement
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.web import errors_by_field, signed_in, submit, ui_text

DENPASAR = "Kantor Cabang Bali Denpasar"
PEMKOT = "Pemerintah Kota Denpasar"


def count_agreements(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Agreement))


def new_agreement(app, web, **changes):
    """Open "Perjanjian baru", type a valid MoU for Denpasar with `changes`, press "Buat draf"."""
    with app.app_context():
        office = db.session.scalar(select(Office.id).where(Office.name == DENPASAR))
        partner = db.session.scalar(select(Partner.id).where(Partner.name == PEMKOT))
    typed = {
        "kind": "mou",
        "office_id": office,
        "partner_ids": [partner],
        "title": "Kesepakatan Bersama Perlindungan Pekerja Informal Kota Denpasar",
        "subject": "Perlindungan Pekerja Informal di Kota Denpasar",
        "programs": ["JKK", "JKM"],
        "funding": "apbd",
        "place": "Denpasar",
        "effective_on": "2027-01-01",
        "term_months": "12",
        **changes,
    }
    page = web.get("/agreements").click(description="Perjanjian baru")
    return submit(page, button="Buat draf", **typed)


def test_a_term_past_the_year_9999_is_refused_on_the_field(app):
    before = count_agreements(app)
    web = signed_in(app, "staff")
    response = new_agreement(app, web, effective_on="9999-01-01", term_months="600")
    assert response.status_int == 200
    assert list(errors_by_field(response)) == ["term_months"]
    assert count_agreements(app) == before


def test_a_line_break_in_a_title_is_refused(app):
    """A title goes into e-mail subjects, where a line break would stop the daily run."""
    before = count_agreements(app)
    web = signed_in(app, "staff")
    response = new_agreement(app, web, title="Judul\nBaris kedua")
    assert response.status_int == 200
    assert list(errors_by_field(response)) == ["title"]
    assert count_agreements(app) == before


def test_a_party_number_longer_than_the_column_is_refused(app):
    web = signed_in(app, "staff")
    response = new_agreement(app, web)
    assert response.status_int == 302
    page = response.follow().click(href=r"/agreements/\d+/parties$")
    response = submit(page, button="Simpan", number_2="9" * 121)
    assert response.status_int == 200
    message = ui_text(app, "A number has at most %(n)d characters.", n=120)
    assert message in response.text
    new_id = int(page.request.path.split("/")[2])
    with app.app_context():
        assert all(p.number is None for p in db.session.get(Agreement, new_id).parties)


def test_huge_numbers_and_dates_in_query_strings_are_harmless(as_role):
    client = as_role("admin")
    for url, status in (
        ("/agreements/1/compare?a=1&b=3000000000", 404),
        ("/agreements/1/compare?a=1&b=1e20", 404),
        ("/audit?until=9999-12-31", 200),
        ("/audit?from=0001-01-01", 200),
        ("/agreements/new?parent=99999999999999999999", 200),
    ):
        assert client.get(url).status_code == status, url
    response = client.get("/audit/export.csv?until=9999-12-31", buffered=True)
    assert response.status_code == 200


def test_partner_users_are_not_shown_the_list_of_bpjs_offices(as_role):
    client = as_role("partner")
    for url in ("/", "/agreements", "/partners"):
        html = client.get(url).get_data(as_text=True)
        assert "Kantor Cabang Karawang" not in html, url


def test_partner_users_see_the_text_in_review_and_only_the_versions_sent_to_them(app, as_role):
    with app.app_context():
        in_review = db.session.scalar(
            select(Agreement.id).where(Agreement.status == "in_review").order_by(Agreement.id)
        )
    client = as_role("partner")
    assert client.get(f"/agreements/{in_review}").status_code == 200
    # the text they were sent is theirs; internal drafts are not (tests/test_review_and_links.py)
    assert client.get(f"/agreements/{in_review}/versions").status_code == 200
    assert client.get(f"/agreements/{in_review}/compare?a=1&b=1").status_code == 200
    assert client.get(f"/agreements/{in_review}/compare?a=1&b=99").status_code == 404
