"""Accounts: logging in, rate limiting, session revocation, CSRF, safe redirects, user admin."""

import base64
import json
import re

from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from partnerships.auth.models import User
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import EMAILS, PASSWORD, csrf_token, login, make_app, post

NEW_EMAIL = "staf.baru@bpjsketenagakerjaan.go.id"  # email_validator refuses .test addresses

# ---- helpers ------------------------------------------------------------------------------


def ui_text(app, message: str, **values) -> str:
    """`message` as the default (Indonesian) UI shows it in HTML, whatever the catalog holds."""
    with app.test_request_context():
        return str(escape(gettext(message, **values)))


def field_errors(html: str, name: str) -> list[str]:
    """The error texts rendered under the form field `name` (see `_macros.field`)."""
    for block in html.split('<div class="mb-3">')[1:]:
        if f'name="{name}"' in block:
            return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', block)
    raise AssertionError(f"no field {name!r} on the page")


def user_row(app, who: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAILS.get(who, who)))
        db.session.expunge_all()
        return user


def edit_user(admin, user, **changes):
    """Save the admin's edit form for `user`, changing only `changes`."""
    url = f"/admin/users/{user.id}/edit"
    form = {"name": user.name, "role": user.role, "office_id": user.office_id,
            "partner_id": "None", "active": "y", **changes}  # fmt: skip
    return post(admin, url, form, form_url=url)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def id_of(app, model, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(model.id).where(model.name == name))


def is_logged_in(client) -> bool:
    """A signed-in user gets the home page; anyone else is sent to the login page."""
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.location.startswith("/login")
    return False


# ---- logging in ---------------------------------------------------------------------------


def test_login_success_redirects_home(client):
    response = login(client, "staff")
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Ni Made Ayu Lestari" in home.get_data(as_text=True)


def test_login_page_is_indonesian_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in html
    assert 'name="email"' in html and 'name="password"' in html


def test_failed_login_shows_one_clear_message(app, subtests):
    message = ui_text(app, "Wrong e-mail or password, or the account is deactivated.")
    cases = [
        ("wrong-password", EMAILS["staff"], "wrong-password"),
        ("unknown-email", "nobody@kemitraan.test", PASSWORD),
        ("deactivated", EMAILS["staff"], PASSWORD),
    ]
    for case, email, password in cases:
        with subtests.test(case=case):
            if case == "deactivated":
                with app.app_context():
                    db.session.scalar(select(User).where(User.email == email)).active = False
                    db.session.commit()
            client = app.test_client()
            response = login(client, email, password)
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert message in html
            assert 'name="email"' in html and 'name="password"' in html  # the form again
            assert not is_logged_in(client)


def test_login_with_a_nul_character_is_refused_not_an_error(client):
    response = client.post(
        "/login",
        data={
            "email": "staf\x00@kemitraan.test",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code in (200, 400)
    assert not is_logged_in(client)


def test_out_of_range_user_id_is_not_found(as_role):
    assert as_role("admin").get("/admin/users/99999999999999999999/edit").status_code == 404


def test_login_e_mail_is_case_insensitive(client):
    assert login(client, EMAILS["staff"].upper()).status_code == 302


def test_login_rate_limit_answers_429_with_a_friendly_page(app):
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], LOGIN_RATE_LIMIT="3 per minute")
    try:
        client = limited.test_client()
        for _ in range(3):
            assert login(client, "staff", "wrong-password").status_code == 200
        response = login(client, "staff")  # even the right password waits now
        assert response.status_code == 429
        html = response.get_data(as_text=True)
        assert ui_text(limited, "Too many attempts. Please wait a minute and try again.") in html
        assert "Traceback" not in html
        assert client.get("/login").status_code == 200  # only POSTs are counted
        assert not is_logged_in(client)
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_default_login_rate_limit_is_ten_per_minute(app, client):
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"
    for _ in range(10):
        assert login(client, "staff", "wrong-password").status_code == 200
    assert login(client, "staff").status_code == 429


# ---- session revocation -------------------------------------------------------------------


def test_logout_ends_every_session_of_the_user(app):
    laptop, phone = app.test_client(), app.test_client()
    assert login(laptop, "staff").status_code == 302
    assert login(phone, "staff").status_code == 302
    assert is_logged_in(phone)
    response = post(laptop, "/logout")
    assert response.status_code == 302
    assert response.location == "/login"
    assert not is_logged_in(laptop)
    response = phone.get("/partners")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_logout_of_one_user_leaves_other_users_signed_in(app):
    staff, manager = app.test_client(), app.test_client()
    login(staff, "staff")
    login(manager, "manager")
    post(staff, "/logout")
    assert is_logged_in(manager)


def test_password_change_keeps_this_session_and_ends_the_others(app):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "staff")
    login(elsewhere, "staff")
    new = "a-new-secret-123"
    response = post(
        here,
        "/account/password",
        {"current": PASSWORD, "new": new, "confirm": new},
        form_url="/account/password",
    )
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert login(app.test_client(), "staff", PASSWORD).status_code == 200  # old one refused
    assert login(app.test_client(), "staff", new).status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(app):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "staff")
    login(elsewhere, "staff")
    new = "a-new-secret-123"
    response = post(
        here,
        "/account/password",
        {"current": "not-my-password", "new": new, "confirm": new},
        form_url="/account/password",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_errors(html, "current") == [ui_text(app, "The current password is wrong.")]
    assert is_logged_in(elsewhere)
    assert login(app.test_client(), "staff", PASSWORD).status_code == 302


def test_admin_deactivating_a_user_ends_their_sessions(app):
    admin, staff = app.test_client(), app.test_client()
    login(admin, "admin")
    login(staff, "staff")
    user_id = user_row(app, "staff").id
    response = post(
        admin, f"/admin/users/{user_id}/deactivate", form_url=f"/admin/users/{user_id}/edit"
    )
    assert response.status_code == 302
    assert user_row(app, "staff").active is False
    assert not is_logged_in(staff)
    assert login(staff, "staff").status_code == 200  # and cannot come back


def test_admin_changing_a_role_ends_the_users_sessions(app):
    admin, staff = app.test_client(), app.test_client()
    login(admin, "admin")
    login(staff, "staff")
    user = user_row(app, "staff")
    response = edit_user(admin, user, name=user.name, role="manager")
    assert response.status_code == 302
    assert user_row(app, "staff").role == "manager"
    assert not is_logged_in(staff)


def test_admin_renaming_a_user_keeps_their_sessions(app):
    admin, staff = app.test_client(), app.test_client()
    login(admin, "admin")
    login(staff, "staff")
    user = user_row(app, "staff")
    response = edit_user(admin, user, name="Ni Made Ayu Lestari, S.E.", role="staff")
    assert response.status_code == 302
    assert user_row(app, "staff").name == "Ni Made Ayu Lestari, S.E."
    assert is_logged_in(staff)


# ---- CSRF ---------------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"email": EMAILS["staff"], "password": PASSWORD})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_partner_edit_without_csrf_token_changes_nothing(app, as_role):
    client = as_role("staff")
    partner_id = id_of(app, Partner, "Pemerintah Kota Denpasar")
    office_id = id_of(app, Office, "Kantor Cabang Bali Denpasar")
    response = client.post(
        f"/partners/{partner_id}/edit",
        data={
            "name": "Pemkot Denpasar (forged)",
            "kind": "city_gov",
            "region_code": "51.71",
            "office_id": office_id,
        },
    )
    assert response.status_code == 400
    assert id_of(app, Partner, "Pemerintah Kota Denpasar") == partner_id
    assert id_of(app, Partner, "Pemkot Denpasar (forged)") is None


def test_user_deactivate_without_csrf_token_changes_nothing(app, as_role):
    client = as_role("admin")
    user_id = user_row(app, "staff").id
    response = client.post(f"/admin/users/{user_id}/deactivate")
    assert response.status_code == 400
    assert user_row(app, "staff").active is True


def test_logout_without_csrf_token_keeps_the_session(as_role):
    client = as_role("staff")
    assert client.post("/logout").status_code == 400
    assert is_logged_in(client)


# ---- where login sends you ----------------------------------------------------------------


NEXT_TARGETS = [
    # ?next= on the login page, where the browser goes after logging in
    ("/partners", "/partners"),
    ("/regions?q=sesetan", "/regions?q=sesetan"),
    ("//evil.example", "/"),
    ("https://evil.example", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
]


def test_login_follows_only_same_site_next(app, subtests):
    for target, expected in NEXT_TARGETS:
        with subtests.test(next=target):
            client = app.test_client()
            response = client.post(
                "/login",
                query_string={"next": target},
                data={
                    "email": EMAILS["staff"],
                    "password": PASSWORD,
                    "csrf_token": csrf_token(client),
                },
            )
            assert response.status_code == 302
            assert response.location == expected


def test_anonymous_visitor_is_sent_to_login_and_back(client):
    response = client.get("/partners")
    assert response.status_code == 302
    assert response.location == "/login?next=%2Fpartners"
    response = client.post(
        response.location,
        data={"email": EMAILS["staff"], "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.location == "/partners"


# ---- user administration ------------------------------------------------------------------


def new_user_form(app, **changes) -> dict:
    data = {
        "email": NEW_EMAIL,
        "name": "Staf Baru",
        "role": "staff",
        "office_id": id_of(app, Office, "Kantor Cabang Bali Denpasar"),
        "partner_id": "None",
        "password": "long-enough-pw",
    }
    data.update(changes)
    return data


def test_admin_lists_and_searches_users(as_role):
    client = as_role("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "admin@kemitraan.test" in html
    html = client.get("/admin/users?q=gianyar").get_data(as_text=True)
    assert EMAILS["staff_other"] in html
    assert EMAILS["staff"] not in html
    html = client.get("/admin/users?q=%25").get_data(as_text=True)  # a literal %, no wildcard
    assert "@kemitraan.test" not in html


def test_users_page_with_a_tampered_cursor_shows_the_first_page(as_role, subtests):
    client = as_role("admin")
    first = re.findall(r"<tr>.*?</tr>", client.get("/admin/users").get_data(as_text=True), re.S)
    for values in ([None, None], ["admin", "x"], [1, 2], ["admin", 2**70], "junk"):
        with subtests.test(cursor=values):
            cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
            response = client.get(f"/admin/users?after={cursor}")
            assert response.status_code == 200
            assert re.findall(r"<tr>.*?</tr>", response.get_data(as_text=True), re.S) == first


def test_admin_creates_a_user_who_can_log_in(app, as_role):
    client = as_role("admin")
    before = user_count(app)
    response = post(client, "/admin/users/new", new_user_form(app), form_url="/admin/users/new")
    assert response.status_code == 302
    assert response.location == "/admin/users"
    assert user_count(app) == before + 1
    created = user_row(app, NEW_EMAIL)
    assert (created.role, created.name, created.active) == ("staff", "Staf Baru", True)
    new_browser = app.test_client()
    assert login(new_browser, NEW_EMAIL, "long-enough-pw").status_code == 302


def test_admin_creates_a_partner_user(app, as_role):
    client = as_role("admin")
    partner_id = id_of(app, Partner, "Pemerintah Kabupaten Gianyar")
    form = new_user_form(app, role="partner", office_id="None", partner_id=partner_id)
    response = post(client, "/admin/users/new", form, form_url="/admin/users/new")
    assert response.status_code == 302
    assert user_row(app, NEW_EMAIL).partner_id == partner_id


BAD_USERS = [
    # changes, field at fault, message (None: a WTForms validator's own, translated, wording)
    (
        {"role": "partner", "office_id": "None"},
        "partner_id",
        "A partner user must belong to a partner.",
    ),
    ({"office_id": "None"}, "office_id", "Staff and managers must belong to an office."),
    (
        {"role": "manager", "office_id": "None"},
        "office_id",
        "Staff and managers must belong to an office.",
    ),
    ({"role": "admin"}, "office_id", "This role does not belong to an office."),
    ({"password": "short"}, "password", None),
    ({"password": ""}, "password", "Set a password for the new user."),
    ({"email": "not-an-e-mail"}, "email", None),
]


def test_create_user_refuses_bad_input_on_the_field(app, as_role, subtests):
    client = as_role("admin")
    before = user_count(app)
    for changes, field, message in BAD_USERS:
        with subtests.test(**changes):
            form = new_user_form(app, **changes)
            response = post(client, "/admin/users/new", form, form_url="/admin/users/new")
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            errors = field_errors(html, field)
            if message is None:
                assert len(errors) == 1
            else:
                assert errors == [ui_text(app, message)]
            others = {"email", "name", "role", "office_id", "partner_id", "password"} - {field}
            assert all(field_errors(html, other) == [] for other in others)
            assert user_count(app) == before


def test_create_user_refuses_a_duplicate_e_mail(app, as_role):
    client = as_role("admin")
    assert post(client, "/admin/users/new", new_user_form(app)).status_code == 302
    before = user_count(app)
    again = new_user_form(app, email="Staf.Baru@BPJSketenagakerjaan.go.id", name="Another")
    response = post(client, "/admin/users/new", again, form_url="/admin/users/new")
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "email") == [
        ui_text(app, "A user with this e-mail already exists.")
    ]
    assert user_count(app) == before


def test_admin_edits_a_user(app, as_role):
    client = as_role("admin")
    user = user_row(app, "staff_other")
    edit = f"/admin/users/{user.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    assert user.email in html
    response = post(
        client,
        edit,
        {
            "name": "I Gede Wirawan",
            "role": "manager",
            "office_id": user.office_id,
            "partner_id": "None",
            "active": "y",
            "email": "hijack@evil.example",
        },
        form_url=edit,
    )
    assert response.status_code == 302
    saved = user_row(app, "staff_other")
    assert saved.role == "manager"
    assert saved.email == EMAILS["staff_other"]  # the login e-mail is not edited here


def test_edit_user_refuses_partner_role_without_partner(app, as_role):
    client = as_role("admin")
    user = user_row(app, "staff_other")
    edit = f"/admin/users/{user.id}/edit"
    response = post(
        client,
        edit,
        {
            "name": user.name,
            "role": "partner",
            "office_id": "None",
            "partner_id": "None",
            "active": "y",
        },
        form_url=edit,
    )
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "partner_id") == [
        ui_text(app, "A partner user must belong to a partner.")
    ]
    assert user_row(app, "staff_other").role == "staff"


def test_admin_deactivates_a_user_with_the_confirm_form(app, as_role):
    client = as_role("admin")
    user_id = user_row(app, "staff_other").id
    edit_page = client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert f'action="/admin/users/{user_id}/deactivate"' in edit_page
    response = post(
        client, f"/admin/users/{user_id}/deactivate", form_url=f"/admin/users/{user_id}/edit"
    )
    assert response.status_code == 302
    assert user_row(app, "staff_other").active is False
    assert login(app.test_client(), "staff_other").status_code == 200


def test_admin_cannot_deactivate_their_own_account(app, as_role):
    client = as_role("admin")
    admin = user_row(app, "admin")
    post(client, f"/admin/users/{admin.id}/deactivate", form_url="/admin/users")
    assert user_row(app, "admin").active is True
    edit = f"/admin/users/{admin.id}/edit"
    response = post(
        client,
        edit,
        {"name": admin.name, "role": "admin", "office_id": "None", "partner_id": "None"},
        form_url=edit,
    )  # the "active" box left unticked
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "active") == [
        ui_text(app, "You cannot deactivate your own account.")
    ]
    assert user_row(app, "admin").active is True
    assert is_logged_in(client)


def test_non_admins_cannot_reach_user_pages(app, subtests):
    target = user_row(app, "staff_other").id
    for who in ("staff", "manager", "partner", "auditor", "auditor_office"):
        with subtests.test(who=who):
            client = app.test_client()
            assert login(client, who).status_code == 302
            assert client.get("/admin/users").status_code == 403
            assert client.get("/admin/users/new").status_code == 403
            assert client.get(f"/admin/users/{target}/edit").status_code == 403
            assert post(client, "/admin/users/new", new_user_form(app)).status_code == 403
            assert post(client, f"/admin/users/{target}/deactivate").status_code == 403
            assert user_row(app, "staff_other").active is True
            assert user_row(app, NEW_EMAIL) is None


# ---- the command line ---------------------------------------------------------------------


def test_cli_create_admin_makes_an_admin_who_can_log_in(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Kepala.TI@bpjsketenagakerjaan.go.id",
            "--name",
            "Kepala TI",
            "--password",
            "a-strong-admin-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "kepala.ti@bpjsketenagakerjaan.go.id" in result.output
    client = app.test_client()
    assert (
        login(client, "kepala.ti@bpjsketenagakerjaan.go.id", "a-strong-admin-pw").status_code == 302
    )
    assert client.get("/admin/users").status_code == 200


def test_cli_create_admin_refuses_a_duplicate_e_mail(app, runner):
    before = user_count(app)
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            EMAILS["staff"],
            "--name",
            "Again",
            "--password",
            "a-strong-admin-pw",
        ]
    )
    assert result.exit_code != 0
    assert "A user with this e-mail already exists." in result.output
    assert "Traceback" not in result.output
    assert user_count(app) == before


def test_cli_create_admin_refuses_a_short_password(app, runner):
    before = user_count(app)
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "baru@kemitraan.test",
            "--name",
            "Baru",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert user_count(app) == before
