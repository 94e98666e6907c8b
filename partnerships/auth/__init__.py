from flask import Blueprint

bp = Blueprint("auth", __name__, cli_group="users")

# The sign-in limits (idle timeout, absolute lifetime) apply whenever accounts are loaded.
from partnerships.auth import sessions  # noqa: E402, F401
