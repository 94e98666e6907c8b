"""Input a hostile or careless user can send that once produced a server error or a leak."""

from sqlalchemy import func, select

from partnerships.agreements.models import Agreement
from partnerships.extensions import db
from tests.test_drafting import create, draft, field_errors, forged, full
from tests.web import signed_in, submit


def count_agreements(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Agreement))


def test_a_term_past_the_year_9999_is_refused_on_the_field(app):
    web = signed_in(app, "staff")
    before = count_agreements(app)
    response = create(app, web, effective_on="9999-01-01", term_months="600")
    assert response.status_int == 200
    assert field_errors(response.text, "term_months")
    assert count_agreements(app) == before


def test_a_line_break_in_a_title_is_refused(app):
    """A title goes into e-mail subjects, where a line break would stop the daily run."""
    before = count_agreements(app)
    response = forged(app, "staff", "/agreements/new", full(app, title="Judul\nBaris kedua"))
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "title")
    assert count_agreements(app) == before


def test_a_party_number_longer_than_the_column_is_refused(app):
    web = signed_in(app, "staff")
    new_id = draft(app, web)
    page = web.get(f"/agreements/{new_id}/parties")
    response = submit(page, button="Simpan", number_2="9" * 121)
    assert response.status_int == 200
    with app.app_context():
        assert all(p.number is None for p in db.session.get(Agreement, new_id).parties)


def test_huge_numbers_and_dates_in_query_strings_are_harmless(as_role):
    client = as_role("admin")
    for url in (
        "/agreements/1/compare?a=1&b=3000000000",
        "/agreements/1/compare?a=1&b=1e20",
        "/audit?until=9999-12-31",
        "/audit?from=0001-01-01",
        "/agreements/new?parent=99999999999999999999",
    ):
        assert client.get(url).status_code in (200, 404), url
    response = client.get("/audit/export.csv?until=9999-12-31", buffered=True)
    assert response.status_code == 200


def test_partner_users_are_not_shown_the_list_of_bpjs_offices(as_role):
    client = as_role("partner")
    for url in ("/", "/agreements", "/partners"):
        html = client.get(url).get_data(as_text=True)
        assert "Kantor Cabang Karawang" not in html, url


def test_partner_users_see_the_text_in_review_but_not_the_drafting_history(app, as_role):
    with app.app_context():
        in_review = db.session.scalar(
            select(Agreement.id).where(Agreement.status == "in_review").order_by(Agreement.id)
        )
    client = as_role("partner")
    assert client.get(f"/agreements/{in_review}").status_code == 200
    assert client.get(f"/agreements/{in_review}/versions").status_code == 403
    assert client.get(f"/agreements/{in_review}/compare?a=1&b=1").status_code == 403
