"""How long a sign-in lasts: it ends after IDLE_TIMEOUT_MINUTES without a request and, however
busy, SESSION_MAX_HOURS after the password was given.

Both times live in the signed session cookie. A session without them was not opened by the
login form (a Flask-Login remember cookie, a session from before this rule): it is ended too,
so nothing signs a person in for longer than the two limits allow.
"""

from flask import current_app, flash, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_url, logout_user, user_logged_in, user_logged_out

from partnerships.auth import bp
from partnerships.core.models import utcnow
from partnerships.core.routing import is_api_request

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


def _now() -> int:
    return int(utcnow().timestamp())


@user_logged_in.connect
def _stamp(_app, **_extra) -> None:
    """The login form (or a password change, which asks for the password too) starts the clock."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = _now()


@user_logged_out.connect
def _forget(_app, **_extra) -> None:
    session.pop(SIGNED_IN_AT, None)
    session.pop(SEEN_AT, None)


def expiry_reason() -> str | None:
    """Why the current sign-in is over, or None while it is still valid."""
    config = current_app.config
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    now = _now()
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        return _("Your session has ended. Please log in again.")
    if now - seen > config["IDLE_TIMEOUT_MINUTES"] * 60:
        return _(
            "Your session ended because you were inactive for more than %(n)d minutes. "
            "Please log in again.",
            n=config["IDLE_TIMEOUT_MINUTES"],
        )
    if now - signed_in > config["SESSION_MAX_HOURS"] * 3600:
        return _(
            "Your session ended because it reached its limit of %(n)d hours. Please log in again.",
            n=config["SESSION_MAX_HOURS"],
        )
    return None


@bp.before_app_request
def end_expired_session():
    """Before anything else reads the user: log an expired session out and send it to login
    (coming back to the page asked for, when it was a page)."""
    if request.endpoint == "static" or is_api_request() or not current_user.is_authenticated:
        return None  # an API call is made with a token, not in a session
    reason = expiry_reason()
    if reason is None:
        session[SEEN_AT] = _now()
        return None
    logout_user()  # also clears a remember cookie, should one ever be set
    flash(reason, "warning")
    target = login_url("auth.login", request.url if request.method == "GET" else None)
    return redirect(target)
