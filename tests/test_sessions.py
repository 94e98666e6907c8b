"""How long a sign-in lasts (idle timeout, absolute lifetime, no remember-me way around them),
failed sign-ins filed under the account's office, and the development secret kept private.

The clock is moved with time-machine from the office day the suite runs on (conftest)."""

import stat
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask_login.utils import encode_cookie
from sqlalchemy import select

from partnerships import configure_secret_key
from partnerships.audit.models import AuditEntry
from partnerships.auth.models import User
from partnerships.extensions import db
from partnerships.organisations.models import Office
from tests.conftest import EMAILS
from tests.test_audit import FILTER, _option, _shown
from tests.web import (
    browser,
    fill,
    find_form,
    flashes,
    follow,
    is_signed_in,
    log_in,
    signed_in,
    ui_text,
)

IDLE = (
    "Your session ended because you were inactive for more than %(n)d minutes. Please log in again."
)
LIMIT = "Your session ended because it reached its limit of %(n)d hours. Please log in again."


@contextmanager
def clock():
    """A traveller from now (the suite's office day), ticking; `.shift()` moves it on."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


def test_defaults_are_thirty_idle_minutes_and_twelve_hours(app):
    assert app.config["IDLE_TIMEOUT_MINUTES"] == 30
    assert app.config["SESSION_MAX_HOURS"] == 12


def test_29_idle_minutes_keep_the_session(app):
    with clock() as traveller:
        web = signed_in(app, "staff")
        traveller.shift(timedelta(minutes=29))
        assert is_signed_in(web)


def test_31_idle_minutes_end_it_with_a_message_and_the_way_back(app):
    with clock() as traveller:
        web = signed_in(app, "staff")
        traveller.shift(timedelta(minutes=31))
        response = web.get("/agreements?q=denpasar")
        assert response.status_int == 302
        page = follow(response)
        assert page.request.path == "/login"
        message = ui_text(app, IDLE, n=30)
        assert message.startswith("Sesi Anda berakhir karena tidak aktif")
        assert flashes(page) == [message]
        # Logged out for good: the next request is anonymous too.
        assert not is_signed_in(web)
        # Logging in again returns to the page that was asked for.
        back = log_in(web, "staff", url=page.request.url)
        assert back.status_int == 302
        assert back.location == "/agreements?q=denpasar"


def test_each_request_restarts_the_idle_clock(app):
    with clock() as traveller:
        web = signed_in(app, "staff")
        for _ in range(3):  # 75 minutes in all, never 30 without a request
            traveller.shift(timedelta(minutes=25))
            assert is_signed_in(web)


@pytest.mark.app_config(IDLE_TIMEOUT_MINUTES=5)
def test_the_idle_timeout_is_configurable(app):
    with clock() as traveller:
        web = signed_in(app, "partner")
        traveller.shift(timedelta(minutes=6))
        page = follow(web.get("/"))
        assert flashes(page) == [ui_text(app, IDLE, n=5)]


def test_a_busy_session_still_ends_after_twelve_hours(app):
    with clock() as traveller:
        web = signed_in(app, "manager")
        for _ in range(35):  # a request every 20 minutes: 11 h 40 min
            traveller.shift(timedelta(minutes=20))
            assert web.get("/health").status_int == 200
        assert is_signed_in(web)
        traveller.shift(timedelta(minutes=21))
        page = follow(web.get("/"))
        assert page.request.path == "/login"
        assert flashes(page) == [ui_text(app, LIMIT, n=12)]
        assert not is_signed_in(web)


def test_a_remember_cookie_does_not_sign_anyone_in(app):
    """The app never sets Flask-Login's remember cookie; one made with the app's own key (the
    worst case: a leaked key) still gives no session without the login form."""
    with app.app_context():
        token = db.session.scalar(select(User.session_token).where(User.email == EMAILS["staff"]))
    web = browser(app)
    with app.test_request_context():
        web.set_cookie("remember_token", encode_cookie(token))
    response = web.get("/")
    assert response.status_int == 302
    cleared = [c for c in response.headers.getall("Set-Cookie") if c.startswith("remember_token=")]
    assert cleared and "Expires=Thu, 01 Jan 1970" in cleared[0]  # and the cookie is removed
    assert not is_signed_in(web)


def test_logging_in_again_after_the_timeout_starts_a_fresh_session(app):
    with clock() as traveller:
        web = signed_in(app, "staff")
        traveller.shift(timedelta(minutes=31))
        assert not is_signed_in(web)
        assert log_in(web, "staff").status_int == 302
        traveller.shift(timedelta(minutes=29))
        assert is_signed_in(web)


# ---- failed sign-ins in the office's trail ----------------------------------------------


def _failed_logins_seen_by(app, who: str) -> set[str]:
    """The accounts whose failed sign-ins `who` finds with the audit page's action filter."""
    trail = signed_in(app, who).get("/audit")
    action = _option(trail, "action", "gagal masuk")
    page = fill(find_form(trail, button=FILTER), action=action).submit()
    with app.app_context():
        shown = db.session.scalars(select(AuditEntry).where(AuditEntry.seq.in_(_shown(page))))
        return {f"{e.action} {e.after['email']}" for e in shown}


def test_failed_logins_are_filed_under_the_accounts_office(app):
    attempts = [
        EMAILS["staff"],  # Denpasar branch, under the Bali regional office
        "staf.gianyar@kemitraan.test",  # Gianyar branch, also under it
        "mitra.denpasar@kemitraan.test",  # a partner managed by the Denpasar branch
        EMAILS["admin"],  # a national account
        "nobody@kemitraan.test",  # no such account
    ]
    for email in attempts:
        web = browser(app)
        refused = log_in(web, email, password="wrong-password-123")
        assert refused.status_int == 200
    with app.app_context():
        denpasar = db.session.scalar(
            select(Office.id).where(Office.name == "Kantor Cabang Bali Denpasar")
        )
        filed = {
            e.after["email"]: e.office_id
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "login_failed")
            )
        }
    assert filed[EMAILS["staff"]] == denpasar
    assert filed["mitra.denpasar@kemitraan.test"] == denpasar
    assert filed[EMAILS["admin"]] is None and filed["nobody@kemitraan.test"] is None

    # The Bali regional auditor sees the attempts on Bali's own people, not the others.
    failed = {f"login_failed {email}" for email in attempts}
    assert _failed_logins_seen_by(app, "auditor_office") == {
        f"login_failed {email}" for email in attempts[:3]
    }
    # The national auditor sees them all.
    assert _failed_logins_seen_by(app, "auditor") == failed


# ---- the development secret -------------------------------------------------------------


def _dev_app(tmp_path) -> Flask:
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(ENV_NAME="development", SECRET_KEY=None)
    return app


def test_the_generated_development_secret_is_private(tmp_path):
    app = _dev_app(tmp_path)
    configure_secret_key(app)
    key_file = tmp_path / "instance" / "dev-secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(app.config["SECRET_KEY"]) >= 48
    # The next start reads the same key, and a key left readable by others is tightened.
    key_file.chmod(0o644)
    again = _dev_app(tmp_path)
    configure_secret_key(again)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_production_refuses_to_start_without_a_secret(tmp_path):
    app = _dev_app(tmp_path)
    app.config["ENV_NAME"] = "production"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        configure_secret_key(app)
    assert not (tmp_path / "instance" / "dev-secret-key").exists()
