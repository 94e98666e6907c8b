"""Accounts: password hashing, sign-in, and the changes that must end every session."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from partnerships.audit.services import record_event
from partnerships.auth.models import User, new_session_token
from partnerships.auth.signals import access_changed
from partnerships.core.errors import DomainError
from partnerships.core.models import utcnow
from partnerships.core.roles import Role
from partnerships.core.routing import is_api_request
from partnerships.extensions import db, login_manager

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    """argon2id with the app's cost settings (the test suite uses cheaper ones)."""
    ext = current_app.extensions
    if "argon2" not in ext:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        )
        # Verified when the e-mail is unknown, so a wrong address costs as much as a wrong password.
        ext["argon2"] = (hasher, hasher.hash("not-a-real-password"))
    return ext["argon2"][0]


def _dummy_hash() -> str:
    _hasher()
    return current_app.extensions["argon2"][1]


class AccountError(DomainError):
    """A refused account change; the message is shown to the user, `field` names the input."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            "password",
        )
    return _hasher().hash(password)


def password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash if user else _dummy_hash(), password) and (
            user is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def find_users(q: str = "") -> Select:
    """Accounts whose e-mail or name contains `q` (to be paged by the caller)."""
    stmt = select(User)
    if q:
        stmt = stmt.where(
            or_(User.email.icontains(q, autoescape=True), User.name.icontains(q, autoescape=True))
        )
    return stmt


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, if active; every attempt lands in the audit trail."""
    user = user_by_email(email)
    if not password_matches(user, password) or not user.active:
        # Filed under the account's office, so that office's auditors see attacks on their staff.
        record_event(
            "login_failed",
            "User",
            str(user.id) if user else None,
            {"email": email},
            office_id=user.home_office_id if user else None,
        )
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Logout everywhere: sessions carry the token, so a new token voids them all."""
    user.session_token = new_session_token()


def change_password(user: User, current: str, new: str) -> None:
    if not password_matches(user, current):
        raise AccountError(_("The current password is wrong."), "current")
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    access_changed.send(user)


def validate_assignment(role: str, office_id: int | None, partner_id: int | None) -> None:
    """Staff and managers belong to an office; partner users to a partner; nobody to both."""
    if role in (Role.STAFF, Role.MANAGER) and not office_id:
        raise AccountError(_("Staff and managers must belong to an office."), "office_id")
    if role == Role.PARTNER and not partner_id:
        raise AccountError(_("A partner user must belong to a partner."), "partner_id")
    if role != Role.PARTNER and partner_id:
        raise AccountError(_("Only partner users belong to a partner."), "partner_id")
    if role in (Role.PARTNER, Role.ADMIN) and office_id:
        raise AccountError(_("This role does not belong to an office."), "office_id")


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    office_id: int | None = None,
    partner_id: int | None = None,
) -> User:
    email = email.strip().lower()
    if user_by_email(email):
        raise AccountError(_("A user with this e-mail already exists."), "email")
    validate_assignment(role, office_id, partner_id)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        office_id=office_id,
        partner_id=partner_id,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    name: str,
    role: str,
    office_id: int | None,
    partner_id: int | None,
    active: bool,
    password: str | None = None,
) -> None:
    validate_assignment(role, office_id, partner_id)
    scope_changed = (role, office_id, partner_id) != (user.role, user.office_id, user.partner_id)
    user.name, user.role = name.strip(), role
    user.office_id, user.partner_id = office_id, partner_id
    if password:
        user.password_hash = hash_password(password)
    # A narrower role or a deactivation must not wait for the user to log out.
    if scope_changed or password or (user.active and not active):
        end_all_sessions(user)
        access_changed.send(user)
    user.active = active
    db.session.flush()


def deactivate_user(user: User) -> None:
    user.active = False
    end_all_sessions(user)
    access_changed.send(user)
    db.session.flush()


@login_manager.user_loader
def load_user(token: str) -> User | None:
    if is_api_request():
        return None  # the API takes its token (api.tokens), never the browser's session
    return db.session.scalar(select(User).where(User.session_token == token, User.active))
