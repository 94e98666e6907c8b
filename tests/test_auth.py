"""Accounts: logging in, rate limiting, session revocation, CSRF, safe redirects, user admin.

Every form here is filled in on the page that renders it (tests/web.py); the Flask test client
posts directly only what no page lets a person send (no CSRF token, a role's forbidden form)."""

import base64
import json
import re

from sqlalchemy import func, select

from partnerships.auth.models import User
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import EMAILS, PASSWORD, make_app, post
from tests.web import (
    browser,
    errors_by_field,
    field_errors,
    find_form,
    flashes,
    hand_made,
    is_signed_in,
    log_in,
    signed_in,
    submit,
    submit_tampered,
    text,
    ui_text,
)

NEW_EMAIL = "staf.baru@bpjsketenagakerjaan.go.id"  # email_validator refuses .test addresses

# ---- helpers ------------------------------------------------------------------------------


def user_row(app, who: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAILS.get(who, who)))
        db.session.expunge_all()
        return user


def edit_page(admin, who: str):
    """The admin's edit page for `who`: searched for on the users list, then clicked."""
    email = EMAILS.get(who, who)
    found = submit(admin.get("/admin/users"), button="Cari", q=email)
    return found.click(description=re.escape(email))


def edit_user(admin, who: str, **changes):
    """Save the admin's edit form for `who`, changing only `changes`."""
    return submit(edit_page(admin, who), button="Simpan", **changes)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def id_of(app, model, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(model.id).where(model.name == name))


# ---- logging in ---------------------------------------------------------------------------


def test_login_success_redirects_home(app):
    web = browser(app)
    response = log_in(web, "staff")
    assert response.status_int == 302
    assert response.location == "/"
    home = web.get("/")
    assert home.status_int == 200
    assert "Ni Made Ayu Lestari" in home.text


def test_login_page_is_indonesian_by_default(app):
    page = browser(app).get("/login")
    assert '<html lang="id">' in page.text
    form = find_form(page, button="Masuk")
    assert {"email", "password"} <= set(form.fields)


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
            web = browser(app)
            response = log_in(web, email, password)
            assert response.status_int == 200
            assert [m for m in flashes(response) if message in m] != []
            form = find_form(response, button="Masuk")  # the form again
            assert form["email"].value == email  # what the person typed is kept
            assert not is_signed_in(web)


def test_login_with_a_nul_character_is_refused_not_an_error(app):
    web = browser(app)
    response = log_in(web, "staf\x00@kemitraan.test")
    assert response.status_int == 400  # refused before any query, on every form
    assert not is_signed_in(web)


def test_out_of_range_user_id_is_not_found(app):
    signed_in(app, "admin").get("/admin/users/99999999999999999999/edit", status=404)


def test_login_e_mail_is_case_insensitive(app):
    assert log_in(browser(app), EMAILS["staff"].upper()).status_int == 302


def test_login_rate_limit_answers_429_with_a_friendly_page(app):
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], LOGIN_RATE_LIMIT="3 per minute")
    try:
        web = browser(limited)
        for _ in range(3):
            assert log_in(web, "staff", "wrong-password").status_int == 200
        response = log_in(web, "staff")  # even the right password waits now
        assert response.status_int == 429
        message = ui_text(limited, "Too many attempts. Please wait a minute and try again.")
        assert message in text(response)
        assert "Traceback" not in response.text
        assert web.get("/login").status_int == 200  # only POSTs are counted
        assert not is_signed_in(web)
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_default_login_rate_limit_is_ten_per_minute(app):
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"
    web = browser(app)
    for _ in range(10):
        assert log_in(web, "staff", "wrong-password").status_int == 200
    assert log_in(web, "staff").status_int == 429


# ---- session revocation -------------------------------------------------------------------


def test_logout_ends_every_session_of_the_user(app):
    laptop, phone = signed_in(app, "staff"), signed_in(app, "staff")
    assert is_signed_in(phone)
    response = submit(laptop.get("/"), button="Keluar")
    assert response.status_int == 302
    assert response.location == "/login"
    assert not is_signed_in(laptop)
    response = phone.get("/partners")
    assert response.status_int == 302
    assert response.location.startswith("/login")


def test_logout_of_one_user_leaves_other_users_signed_in(app):
    staff, manager = signed_in(app, "staff"), signed_in(app, "manager")
    assert submit(staff.get("/"), button="Keluar").status_int == 302
    assert is_signed_in(manager)


def change_password(web, current: str, new: str, confirm: str | None = None):
    """The person opens "Ubah kata sandi" from the menu and fills in the form."""
    page = web.get("/").click(description="Ubah kata sandi")
    confirm = new if confirm is None else confirm
    return submit(page, button="Simpan", current=current, new=new, confirm=confirm)


def test_password_change_keeps_this_session_and_ends_the_others(app):
    here, elsewhere = signed_in(app, "staff"), signed_in(app, "staff")
    new = "a-new-secret-123"
    response = change_password(here, PASSWORD, new)
    assert response.status_int == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert log_in(browser(app), "staff", PASSWORD).status_int == 200  # old one refused
    assert log_in(browser(app), "staff", new).status_int == 302


def test_password_change_with_wrong_current_password_changes_nothing(app):
    here, elsewhere = signed_in(app, "staff"), signed_in(app, "staff")
    response = change_password(here, "not-my-password", "a-new-secret-123")
    assert response.status_int == 200
    assert errors_by_field(response) == {
        "current": [ui_text(app, "The current password is wrong.")]
    }
    assert is_signed_in(elsewhere)
    assert log_in(browser(app), "staff", PASSWORD).status_int == 302


def test_admin_deactivating_a_user_ends_their_sessions(app):
    admin, staff = signed_in(app, "admin"), signed_in(app, "staff")
    response = submit(edit_page(admin, "staff"), button="Nonaktifkan")
    assert response.status_int == 302
    assert user_row(app, "staff").active is False
    assert not is_signed_in(staff)
    assert log_in(staff, "staff").status_int == 200  # and cannot come back


def test_admin_changing_a_role_ends_the_users_sessions(app):
    admin, staff = signed_in(app, "admin"), signed_in(app, "staff")
    response = edit_user(admin, "staff", role="manager")
    assert response.status_int == 302
    assert user_row(app, "staff").role == "manager"
    assert not is_signed_in(staff)


def test_admin_renaming_a_user_keeps_their_sessions(app):
    admin, staff = signed_in(app, "admin"), signed_in(app, "staff")
    response = edit_user(admin, "staff", name="Ni Made Ayu Lestari, S.E.")
    assert response.status_int == 302
    assert user_row(app, "staff").name == "Ni Made Ayu Lestari, S.E."
    assert is_signed_in(staff)


# ---- CSRF: forged requests no page sends, so the test client posts them directly ----------


def test_login_without_csrf_token_is_refused(app, client):
    response = client.post("/login", data={"email": EMAILS["staff"], "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still not logged in


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
    assert client.get("/").status_code == 200  # still logged in


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
    from urllib.parse import urlencode

    for target, expected in NEXT_TARGETS:
        with subtests.test(next=target):
            url = "/login?" + urlencode({"next": target})  # a link someone was sent
            response = log_in(browser(app), "staff", url=url)
            assert response.status_int == 302
            assert response.location == expected


def test_anonymous_visitor_is_sent_to_login_and_back(app):
    web = browser(app)
    response = web.get("/partners")
    assert response.status_int == 302
    assert response.location == "/login?next=%2Fpartners"
    page = response.follow()
    response = submit(page, button="Masuk", email=EMAILS["staff"], password=PASSWORD)
    assert response.location == "/partners"


# ---- user administration ------------------------------------------------------------------


DENPASAR = "Kantor Cabang Bali Denpasar"
NEW_USER = {"email": NEW_EMAIL, "name": "Staf Baru", "role": "staff", "password": "long-enough-pw"}


def new_user(app, admin, **changes):
    """Open "Pengguna baru" from the users list, fill it in, press Simpan."""
    page = admin.get("/admin/users").click(description="Pengguna baru")
    values = {**NEW_USER, "office_id": id_of(app, Office, DENPASAR), **changes}
    return submit(page, button="Simpan", **values)


def test_admin_lists_and_searches_users(app):
    admin = signed_in(app, "admin")
    assert "admin@kemitraan.test" in admin.get("/admin/users").text
    found = submit(admin.get("/admin/users"), button="Cari", q="gianyar")
    assert EMAILS["staff_other"] in found.text
    assert EMAILS["staff"] not in found.text
    found = submit(found, button="Cari", q="%")  # a literal %, no wildcard
    assert "@kemitraan.test" not in text(found)


def test_users_page_with_a_tampered_cursor_shows_the_first_page(as_role, subtests):
    client = as_role("admin")
    first = re.findall(r"<tr>.*?</tr>", client.get("/admin/users").get_data(as_text=True), re.S)
    for values in ([None, None], ["admin", "x"], [1, 2], ["admin", 2**70], "junk"):
        with subtests.test(cursor=values):
            cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
            response = client.get(f"/admin/users?after={cursor}")
            assert response.status_code == 200
            assert re.findall(r"<tr>.*?</tr>", response.get_data(as_text=True), re.S) == first


def test_admin_creates_a_user_who_can_log_in(app):
    admin = signed_in(app, "admin")
    before = user_count(app)
    response = new_user(app, admin)
    assert response.status_int == 302
    assert response.location == "/admin/users"
    assert user_count(app) == before + 1
    created = user_row(app, NEW_EMAIL)
    assert (created.role, created.name, created.active) == ("staff", "Staf Baru", True)
    assert log_in(browser(app), NEW_EMAIL, "long-enough-pw").status_int == 302


def test_admin_creates_a_partner_user(app):
    admin = signed_in(app, "admin")
    partner_id = id_of(app, Partner, "Pemerintah Kabupaten Gianyar")
    response = new_user(app, admin, role="partner", office_id="None", partner_id=partner_id)
    assert response.status_int == 302
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


def test_create_user_refuses_bad_input_on_the_field(app, subtests):
    admin = signed_in(app, "admin")
    before = user_count(app)
    for changes, field, message in BAD_USERS:
        with subtests.test(**changes):
            response = new_user(app, admin, **changes)
            assert response.status_int == 200
            errors = errors_by_field(response)
            assert list(errors) == [field]  # on that field, and no other
            if message is None:
                assert len(errors[field]) == 1
            else:
                assert errors[field] == [ui_text(app, message)]
            form = find_form(response, button="Simpan")
            assert form["name"].value == "Staf Baru"  # what the admin typed is kept
            assert user_count(app) == before


def test_create_user_refuses_a_duplicate_e_mail(app):
    admin = signed_in(app, "admin")
    assert new_user(app, admin).status_int == 302
    before = user_count(app)
    response = new_user(app, admin, email="Staf.Baru@BPJSketenagakerjaan.go.id", name="Another")
    assert response.status_int == 200
    assert field_errors(response, "email") == [
        ui_text(app, "A user with this e-mail already exists.")
    ]
    assert user_count(app) == before


def test_admin_edits_a_user(app):
    admin = signed_in(app, "admin")
    user = user_row(app, "staff_other")
    page = edit_page(admin, "staff_other")
    form = find_form(page, button="Simpan")
    assert form["email"].value == user.email
    assert "readonly" in form.html.find("input", attrs={"name": "email"}).attrs
    response = submit(page, button="Simpan", name="I Gede Wirawan", role="manager")
    assert response.status_int == 302
    saved = user_row(app, "staff_other")
    assert (saved.name, saved.role) == ("I Gede Wirawan", "manager")
    assert saved.email == EMAILS["staff_other"]


def test_edit_user_ignores_a_changed_e_mail(app):
    admin = signed_in(app, "admin")
    # The e-mail field is read-only on the page; only a tampered request can change it.
    response = submit_tampered(
        edit_page(admin, "staff_other"), button="Simpan", email="hijack@evil.example"
    )
    assert response.status_int == 302
    assert user_row(app, "staff_other").email == EMAILS["staff_other"]


def test_edit_user_refuses_partner_role_without_partner(app):
    admin = signed_in(app, "admin")
    response = edit_user(admin, "staff_other", role="partner", office_id="None")
    assert response.status_int == 200
    assert errors_by_field(response) == {
        "partner_id": [ui_text(app, "A partner user must belong to a partner.")]
    }
    assert user_row(app, "staff_other").role == "staff"


def test_admin_deactivates_a_user_with_the_confirm_form(app):
    admin = signed_in(app, "admin")
    user_id = user_row(app, "staff_other").id
    page = edit_page(admin, "staff_other")
    find_form(page, action=f"/admin/users/{user_id}/deactivate", button="Nonaktifkan")
    response = submit(page, button="Nonaktifkan")
    assert response.status_int == 302
    assert user_row(app, "staff_other").active is False
    assert log_in(browser(app), "staff_other").status_int == 200


def test_admin_cannot_deactivate_their_own_account(app, as_role):
    admin = signed_in(app, "admin")
    me = user_row(app, "admin")
    page = edit_page(admin, "admin")
    assert "Nonaktifkan" not in text(page)  # no button offers it
    # So only a hand-made request can try it; it is refused too.
    client = as_role("admin")
    response = post(client, f"/admin/users/{me.id}/deactivate", form_url="/admin/users")
    assert response.status_code == 302
    assert user_row(app, "admin").active is True
    response = submit(page, button="Simpan", active=False)  # the "active" box unticked
    assert response.status_int == 200
    assert errors_by_field(response) == {
        "active": [ui_text(app, "You cannot deactivate your own account.")]
    }
    assert user_row(app, "admin").active is True
    assert is_signed_in(admin)


def test_non_admins_cannot_reach_user_pages(app, subtests):
    target = user_row(app, "staff_other").id
    for who in ("staff", "manager", "partner", "auditor", "auditor_office"):
        with subtests.test(who=who):
            web = signed_in(app, who)
            assert "/admin/users" not in web.get("/").text  # no menu entry leads there
            web.get("/admin/users", status=403)
            web.get("/admin/users/new", status=403)
            web.get(f"/admin/users/{target}/edit", status=403)
            # No page gives them these forms: only a hand-made request can try.
            client = hand_made(app, who)
            data = {**NEW_USER, "office_id": id_of(app, Office, DENPASAR), "partner_id": "None"}
            assert post(client, "/admin/users/new", data).status_code == 403
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
    web = browser(app)
    assert log_in(web, "kepala.ti@bpjsketenagakerjaan.go.id", "a-strong-admin-pw").status_int == 302
    assert web.get("/admin/users").status_int == 200


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
