from flask import Blueprint

bp = Blueprint("dashboard", __name__, cli_group="dashboard")

# Keep the facts current whenever the dashboard domain is loaded (the receivers listen to the
# commitments domain's signals).
from partnerships.dashboard import receivers  # noqa: E402, F401
