"""The JSON API (issue 11, item 4): tokens made on the settings page (shown once, kept as a
SHA-256, revocable), each acting as its user with its user's sight; keyset pages; one JSON
shape for every error; a partner user submits figures, nobody else does; the browser's session
counts for nothing on /api/; an OpenAPI 3.1 description written by flask-smorest, against which
Schemathesis finds no failure."""

import hashlib
import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from sqlalchemy import func, select

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import visible_agreements
from partnerships.api.models import ApiToken
from partnerships.auth.models import User
from partnerships.commitments.models import Commitment, RealisationFigure
from partnerships.commitments.permissions import visible_commitments
from partnerships.extensions import db
from tests.conftest import EMAILS, post
from tests.web import browser, hand_made, signed_in, submit, ui_text


def make_token(app, who: str, name: str = "SIPD Kota Denpasar") -> str:
    """A token made as `who` would: on the settings page, the form as rendered; the token as
    the page shows it (once)."""
    web = signed_in(app, who)
    page = submit(web.get("/settings/api"), button=ui_text(app, "Create token"), name=name)
    assert page.status_int == 200, page.text[:1000]
    return page.html.select_one("#api-token")["value"]


def api(app, token: str | None = None):
    """A client of the API: no cookies of a browser, the token in the header."""
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(method: str, url: str, **kwargs):
        return client.open(url, method=method, headers=headers, **kwargs)

    return call


def user(app, who: str) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == EMAILS.get(who, who)))
        db.session.expunge(found)
    return found


def every(call, url: str, limit: int = 2) -> list[dict]:
    """Every item of a list, walked page by page through the `next` cursors."""
    items, after = [], None
    while True:
        query = {"limit": limit, **({"after": after} if after else {})}
        response = call("GET", url, query_string=query)
        assert response.status_code == 200, response.json
        items += response.json["items"]
        after = response.json["next"]
        if after is None:
            return items


# ---- tokens -----------------------------------------------------------------------------


def test_a_token_is_shown_once_kept_as_its_hash_and_revoked_from_the_page(app):
    web = signed_in(app, "staff")
    page = submit(
        web.get("/settings/api"), button=ui_text(app, "Create token"), name="Laporan bulanan"
    )
    token = page.html.select_one("#api-token")["value"]
    assert token.startswith("kmt_") and "Laporan bulanan" in page.text
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(db.session.execute(select(ApiToken.__table__)).all())
    listed = web.get("/settings/api")
    assert "Laporan bulanan" in listed.text and token not in listed.text  # once only
    assert api(app, token)("GET", "/api/v1/agreements").status_code == 200

    revoke = f"/settings/api/{row.id}/revoke"
    after = submit(listed, action=revoke)
    assert after.status_int == 302
    refused = api(app, token)("GET", "/api/v1/agreements")
    assert refused.status_code == 401 and refused.json["code"] == 401
    # someone else's token is not theirs to revoke: as if it did not exist
    other = make_token(app, "staff_other")
    with app.app_context():
        theirs = db.session.scalar(select(ApiToken).where(ApiToken.revoked_at.is_(None)))
    forged = post(hand_made(app, "staff"), f"/settings/api/{theirs.id}/revoke")
    assert forged.status_code == 404  # a valid CSRF token: refused for the row, not the form
    assert api(app, other)("GET", "/api/v1/agreements").status_code == 200


def test_a_token_needs_a_name_and_says_so(app):
    web = signed_in(app, "staff")
    page = submit(web.get("/settings/api"), button=ui_text(app, "Create token"), name="   ")
    assert ui_text(app, "This field is required.") in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_deactivated_users_tokens_stop_working(app):
    token = make_token(app, "partner")
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == EMAILS["partner"]))
        found.active = False
        db.session.commit()
    assert api(app, token)("GET", "/api/v1/commitments").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer kmt_not-a-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000],
)
def test_without_a_valid_token_the_api_answers_401_in_json(app, header):
    client = app.test_client(use_cookies=False)
    response = client.get("/api/v1/agreements", headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.json) == {"code", "status", "message"}


def test_the_browsers_session_counts_for_nothing_on_the_api(app):
    web = signed_in(app, "admin")  # a signed-in browser, cookies and all
    response = web.get("/api/v1/agreements", expect_errors=True)
    assert response.status_int == 401
    assert web.get("/").status_int == 200  # and the session itself goes on


# ---- what a token sees ------------------------------------------------------------------


def test_a_token_sees_what_its_user_sees_page_by_page(app):
    for who in ("staff", "partner", "auditor"):
        call = api(app, make_token(app, who))
        listed = every(call, "/api/v1/agreements")
        with app.test_request_context():
            expected = db.session.scalars(
                visible_agreements(user(app, who)).with_only_columns(Agreement.id)
            ).all()
        assert sorted(a["id"] for a in listed) == sorted(expected), who
        assert len({a["id"] for a in listed}) == len(listed)  # no row twice across pages
        commitments = every(call, "/api/v1/commitments", limit=3)
        with app.test_request_context():
            expected = db.session.scalars(
                visible_commitments(user(app, who)).with_only_columns(Commitment.id)
            ).all()
        assert sorted(c["id"] for c in commitments) == sorted(expected), who


def test_another_partners_rows_are_not_found(app):
    partner = user(app, "partner")
    call = api(app, make_token(app, "partner"))
    with app.app_context():
        theirs = db.session.scalar(
            select(Commitment).where(Commitment.partner_id != partner.partner_id)
        )
        drafts = db.session.scalar(select(Agreement).where(Agreement.status == "draft"))
    response = call("GET", f"/api/v1/commitments/{theirs.id}")
    assert response.status_code == 404 and response.json["code"] == 404
    assert call("GET", f"/api/v1/agreements/{drafts.id}").status_code == 404
    assert all(not d["is_draft"] for d in every(call, "/api/v1/documents", limit=20))


def test_a_tampered_cursor_gives_the_first_page(app):
    call = api(app, make_token(app, "admin"))
    first = call("GET", "/api/v1/agreements", query_string={"limit": 3}).json
    again = call("GET", "/api/v1/agreements", query_string={"limit": 3, "after": "%%%"}).json
    assert again == first


def test_bad_query_values_get_a_422_naming_the_field(app):
    call = api(app, make_token(app, "admin"))
    response = call("GET", "/api/v1/agreements", query_string={"limit": 1000})
    assert response.status_code == 422
    assert "limit" in response.json["errors"]["query"]


# ---- a partner's figures ----------------------------------------------------------------


def submittable(app) -> int:
    """A commitment of the Gianyar partner user's own partner that takes figures now."""
    from partnerships.commitments.permissions import can_submit

    partner = user(app, "partner_other")
    with app.test_request_context():
        for commitment in db.session.scalars(visible_commitments(partner)):
            if commitment.kind != "action" and can_submit(partner, commitment):
                return commitment.id
    raise AssertionError("the demo has no commitment the partner can report on")


def test_a_partner_submits_a_figure_and_nobody_else_may(app):
    commitment_id = submittable(app)
    url = f"/api/v1/commitments/{commitment_id}/realisations"
    figure = {"period_end": "2026-10-31", "value": "1234", "source": "Data kepesertaan Oktober"}
    response = api(app, make_token(app, "partner_other"))("POST", url, json=figure)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "submitted" and response.json["value"] == "1234.00"
    submitter = user(app, "partner_other").id
    with app.app_context():
        stored = db.session.get(RealisationFigure, response.json["id"])
        assert stored.submitted_by_id == submitter
    listed = api(app, make_token(app, "staff_other"))("GET", url).json["items"]
    assert response.json["id"] in [f["id"] for f in listed]

    staff = api(app, make_token(app, "staff_other"))("POST", url, json=figure)
    assert staff.status_code == 403 and staff.json["code"] == 403


def test_a_refused_figure_says_why_and_keeps_nothing(app):
    url = f"/api/v1/commitments/{submittable(app)}/realisations"
    call = api(app, make_token(app, "partner_other"))
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(RealisationFigure))
    missing = call("POST", url, json={"value": "5"})
    assert missing.status_code == 422 and "period_end" in missing.json["errors"]["json"]
    future = call("POST", url, json={"period_end": "2030-01-31", "value": "5", "source": "Data"})
    assert future.status_code == 422
    assert future.json["message"] != ui_text(app, "Some of the data sent is not valid: see errors.")
    assert call("POST", url, data="not json", content_type="application/json").status_code in (
        400,
        422,
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RealisationFigure)) == before


# ---- the description, and Schemathesis against it ---------------------------------------


def test_the_openapi_description_is_3_1_and_public(app):
    response = browser(app).get("/api/v1/openapi.json")
    spec = response.json
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/commitments/{commitment_id}/realisations" in spec["paths"]
    operations = spec["paths"]["/api/v1/commitments/{commitment_id}/realisations"]
    assert {"get", "post"} <= set(operations)


def routes(app) -> set[tuple[str, str]]:
    """Every (method, path) the app answers under /api/v1, as the description spells paths."""
    return {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_is_described(app):
    """What the description leaves out Schemathesis would never call: every route is in it."""
    spec = browser(app).get("/api/v1/openapi.json").json
    described = {
        (method, path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert described == routes(app)


def json_not_markup(_ctx, response, case):
    """Every answer (errors too) is JSON a browser will not read as a page: the JSON type, no
    sniffing, a body that parses as JSON; so text sent in (markup included) comes back as
    data. A Schemathesis check, added to its own."""
    headers = {name.lower(): values for name, values in response.headers.items()}
    content_type = headers.get("content-type", [""])[0]
    assert content_type.split(";")[0].strip() == "application/json", (
        f"{case.method} {case.path}: answered {content_type!r}"
    )
    assert headers.get("x-content-type-options") == ["nosniff"], f"{case.method} {case.path}"
    json.loads(response.content)


@pytest.fixture
def tokens(app):
    return {who: make_token(app, who) for who in ("partner_other", "staff")}


def test_schemathesis_finds_no_failure(app, tokens):
    """Every operation of the description, with data Schemathesis makes from it (valid and
    not), called with a partner's and a staff member's token: no server error, and every
    answer as described (status, content type, body schema). A figure the description allows
    may still be refused by the commitment's rules (a period before its baseline, or after
    today): a 422 with the reason, so that one check (valid data accepted) is left out."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=10,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                for token in tokens.values():
                    case.call_and_validate(
                        headers={"Authorization": f"Bearer {token}"},
                        excluded_checks=[positive_data_acceptance],
                        additional_checks=[json_not_markup],
                    )

            check()


def test_a_new_password_ends_the_tokens_a_logout_does_not(app):
    token = make_token(app, "partner")
    web = signed_in(app, "partner")
    assert submit(web.get("/"), action="/logout").status_int == 302  # the menu's form
    assert api(app, token)("GET", "/api/v1/commitments").status_code == 200  # logged out: kept
    web = signed_in(app, "partner")
    page = web.get("/account/password")
    new = "kata-sandi-baru-2026"
    response = submit(page, action="/account/password", current="demo-kemitraan", new=new,
                      confirm=new)  # fmt: skip
    assert response.status_int == 302
    assert api(app, token)("GET", "/api/v1/commitments").status_code == 401


def test_a_partner_lists_the_documents_its_agreement_pages_list(app):
    """Not another party's signed upload, nor an auditor's dossier manifest."""
    from partnerships.agreements.signing import listed_documents
    from partnerships.commitments.models import ProgressLetter
    from partnerships.commitments.permissions import visible_letters

    who = user(app, "partner_other")
    call = api(app, make_token(app, "partner_other"))
    listed = {d["id"] for d in every(call, "/api/v1/documents", limit=50)}
    with app.test_request_context():
        agreements = db.session.scalars(visible_agreements(who)).all()
        on_pages = {
            d.id
            for agreement in agreements
            for d in db.session.scalars(listed_documents(agreement, who))
        }
        letters = set(
            db.session.scalars(
                visible_letters(who)
                .with_only_columns(ProgressLetter.document_id)
                .where(ProgressLetter.document_id.is_not(None))
            )
        )
    assert on_pages and listed == on_pages | letters


@pytest.mark.parametrize(
    "url",
    ["/api/v1/agreements", "/api/v1/commitments", "/api/v1/events", "/api/v1/documents"],
)
def test_a_page_costs_the_same_statements_for_one_row_or_all(app, url):
    """No query per row: a page of every row reads no more statements than a page of one."""
    from tests.helpers import counted_statements

    call = api(app, make_token(app, "admin"))
    rows = len(call("GET", url, query_string={"limit": 100}).json["items"])  # also warms up
    assert rows >= 3, url
    spent = {}
    for limit in (1, rows):
        with counted_statements(app) as seen:
            response = call("GET", url, query_string={"limit": limit})
        assert response.status_code == 200 and len(response.json["items"]) == limit, url
        spent[limit] = len(seen)
    assert spent[1] == spent[rows], spent
